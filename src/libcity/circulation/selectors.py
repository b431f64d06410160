"""Reads about loans, charges and rules."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from libcity.catalogue.models import record_unread
from libcity.circulation import states
from libcity.circulation.exceptions import ChargeNotFound, LoanNotFound
from libcity.circulation.models import (
    ENDED_STATUSES,
    Charge,
    ChargeStatus,
    Loan,
    LoanRule,
    LoanStatus,
)
from libcity.readers.models import Reader
from libcity.readers.selectors import reader_of_user
from libcity.staff.policies import CIRCULATION_LEND
from libcity.staff.selectors import Actor, has_any_scope


def reader_loans(reader: Reader) -> QuerySet[Loan]:
    """The reader's loans that still hold a copy, soonest due first."""
    return (
        Loan.objects.filter(reader=reader, status__in=[*states.RUNNING, LoanStatus.CLAIMED_RETURNED,
                                                       LoanStatus.LOST])
        .select_related("item__record", "issued_at_unit")
        .defer(*record_unread("item__record"))
        .order_by("due_on", "pk")
    )  # fmt: skip


def reader_reading_history(reader: Reader) -> QuerySet[Loan]:
    """Ended loans still linked to the reader: only those of a reader who consented."""
    if not reader.keeps_reading_history:
        return Loan.objects.none()
    return (
        Loan.objects.filter(reader=reader, status__in=ENDED_STATUSES)
        .select_related("item__record")
        .order_by("-ended_at")
    )


def reader_charges(reader: Reader, *, open_only: bool = True) -> QuerySet[Charge]:
    charges = (Charge.objects.filter(reader=reader).select_related("account", "item__record")
               .defer(*record_unread("item__record")))  # fmt: skip
    if open_only:
        charges = charges.filter(status=ChargeStatus.OPEN)
    return charges.order_by("-created_at")


def charge_get(charge_id: int) -> Charge:
    charge = Charge.objects.select_related("reader").filter(pk=charge_id).first()
    if charge is None:
        raise ChargeNotFound(_("No such charge."))
    return charge


def open_loan_of_item(item_id: int) -> Loan | None:
    return Loan.objects.filter(item_id=item_id, status__in=_OPEN).first()


_OPEN = [*states.RUNNING, LoanStatus.CLAIMED_RETURNED, LoanStatus.LOST]


def access_loan(actor: Actor, loan_id: int) -> Loan:
    """The loan if ``actor`` is its reader, or staff who lend somewhere (borrow anywhere:
    any desk may renew any loan); one error otherwise."""
    loan = Loan.objects.select_related("item__record", "reader").filter(pk=loan_id).first()
    if loan is None or not _may_see(actor, loan):
        raise LoanNotFound(_("No such loan."))
    return loan


def _may_see(actor: Actor, loan: Loan) -> bool:
    if actor is None or not actor.is_authenticated:
        return False
    own = reader_of_user(actor)
    if own is not None and loan.reader_id == own.pk:
        return True
    return has_any_scope(actor, CIRCULATION_LEND)


def access_reader_loans(actor: Actor, card_number: str) -> QuerySet[Loan]:
    """The current loans of the reader with this card, for the reader themselves or for
    staff who lend somewhere (one card, borrow anywhere: any desk serves any reader)."""
    reader = Reader.objects.filter(cards__number=(card_number or "").strip()).first()
    own = reader_of_user(actor) if actor is not None and actor.is_authenticated else None
    allowed = reader is not None and (
        (own is not None and own.pk == reader.pk) or has_any_scope(actor, CIRCULATION_LEND)
    )
    if not allowed:
        raise LoanNotFound(_("No such reader, or not yours to see."))
    return reader_loans(reader)


def loan_rules(*, active_only: bool = True) -> QuerySet[LoanRule]:
    rules = LoanRule.objects.select_related("unit", "category", "float_group")
    if active_only:
        rules = rules.filter(is_active=True)
    return rules.order_by("unit__path", "category__code", "item_type", "pk")
