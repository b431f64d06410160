"""Reads of transfers: who is first to receive a copy, a reader's open offers, a loan's and
a copy's transfers, and the checks the interfaces share before a service is called."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from libcity.catalogue.models import Item
from libcity.circulation import states as loan_states
from libcity.circulation.exceptions import LoanNotFound
from libcity.circulation.models import Loan
from libcity.circulation.policies import RuleBook, terms_for
from libcity.core import clock
from libcity.holds.models import Hold, HoldStatus
from libcity.holds.services import copy_may_serve
from libcity.readers.models import Reader
from libcity.readers.selectors import reader_of_user
from libcity.sharing.exceptions import NotAReader, TransferNotFound
from libcity.sharing.models import Transfer, TransferStatus
from libcity.sharing.policies import code_hash, code_normalise
from libcity.staff.selectors import Actor, scope_filter

#: How many holds of a title's queue are looked at for the first one a copy can serve.
QUEUE_LOOK = 200


def reader_of_actor(actor: Actor) -> Reader:
    """The reader behind the signed-in account; staff and machines are not readers."""
    reader = reader_of_user(actor)
    if reader is None:
        raise NotAReader(_("Only a reader signed in to their own account can pass a copy on "
                           "or take one."))  # fmt: skip
    return reader


def first_waiting_hold(item: Item, *, besides: Reader | None = None) -> Hold | None:
    """The hold first in its title's queue (first come, first served) that ``item`` could
    serve: waiting for a copy, on the title or on this very copy, for a reader other than
    ``besides``, whose circulation rule lets them borrow this item type where they collect.
    A copy passed from hand to hand must go to that reader."""
    wanted = Q(requested_item__isnull=True) | Q(requested_item=item)
    queue = (
        Hold.objects.filter(wanted, record_id=item.record_id, status=HoldStatus.PLACED)
        .exclude(reader__isnull=True)
        .select_related("reader", "pickup_unit", "record")
        .order_by("placed_at", "pk")
    )
    if besides is not None:
        queue = queue.exclude(reader=besides)
    holds = list(queue[:QUEUE_LOOK])
    book = RuleBook() if holds else None
    for hold in holds:
        if copy_may_serve(hold.pickup_unit, hold.reader.category_id, item.item_type, book):
            return hold
    return None


def transfers_given_lately(reader: Reader, item: Item, since) -> int:
    """How many times ``reader`` passed ``item`` on since ``since`` (accepted transfers)."""
    return Transfer.objects.filter(
        giver=reader, item=item, status=TransferStatus.ACCEPTED, accepted_at__gte=since
    ).count()


def reader_open_offers(reader: Reader) -> QuerySet[Transfer]:
    """The reader's offers still waiting to be accepted, the newest first."""
    return (
        Transfer.objects.filter(giver=reader, status=TransferStatus.OFFERED,
                                expires_at__gt=clock.now())
        .select_related("item__record", "place_unit", "for_hold")
        .order_by("-offered_at", "-pk")
    )  # fmt: skip


def loan_transfers(loan: Loan) -> QuerySet[Transfer]:
    """The transfers that ended this loan or began it, and the offers made of it."""
    return (
        Transfer.objects.filter(Q(loan=loan) | Q(new_loan=loan))
        .select_related("place_unit")
        .order_by("offered_at", "pk")
    )


def item_transfers(item: Item) -> QuerySet[Transfer]:
    """The hands this copy passed through reader to reader, in order (accepted transfers)."""
    return (
        Transfer.objects.filter(item=item, status=TransferStatus.ACCEPTED)
        .select_related("giver", "receiver", "place_unit")
        .order_by("accepted_at", "pk")
    )


def transfer_by_code(code: str) -> Transfer:
    """The transfer whose code this is (any status), or TransferNotFound."""
    transfer = (
        Transfer.objects.select_related("item__record", "loan")
        .filter(code_hash=code_hash(code_normalise(code)))
        .first()
    )
    if transfer is None:
        raise TransferNotFound(_("No transfer has this code; check it, or ask for a new one."))
    return transfer


def access_own_transfer(actor: Actor, code: str) -> Transfer:
    """The transfer with this code if ``actor`` is the reader who offered it; one error
    otherwise (a code cannot be probed through another reader's account)."""
    transfer = transfer_by_code(code)
    own = reader_of_user(actor)
    if own is None or transfer.giver_id != own.pk:
        raise TransferNotFound(_("No transfer has this code; check it, or ask for a new one."))
    return transfer


def access_own_loan(actor: Actor, *, loan_id: int | None = None, item_barcode: str = "") -> Loan:
    """The actor's own running loan, by its id or its copy's barcode; one error otherwise."""
    reader = reader_of_actor(actor)
    loans = Loan.objects.filter(reader=reader, status__in=loan_states.RUNNING)
    if loan_id is not None:
        loans = loans.filter(pk=loan_id)
    else:
        loans = loans.filter(item__barcode=(item_barcode or "").strip())
    loan = loans.select_related("item__record").first()
    if loan is None:
        raise LoanNotFound(_("No such loan."))
    return loan


# --- for the pages ----------------------------------------------------------------------------


def loans_awaited(reader: Reader, loans: list[Loan]) -> set[int]:
    """The ids of those of ``reader``'s ``loans`` whose copy another reader waits for (the
    first of the queue it could serve): such a copy may be passed on only to them. One query
    for the titles anybody else holds, then the queue of those titles only."""
    held = set(
        Hold.objects.filter(record_id__in={loan.item.record_id for loan in loans},
                            status=HoldStatus.PLACED)
        .exclude(reader=reader)
        .values_list("record_id", flat=True)
    )  # fmt: skip
    return {
        loan.pk for loan in loans
        if loan.item.record_id in held and first_waiting_hold(loan.item, besides=reader)
    }  # fmt: skip


def transfer_loan_days(transfer: Transfer, receiver: Reader) -> int:
    """How many days ``receiver`` would keep the copy (their circulation rule where it
    changes hands, else at their home library, as ``loan_transfer`` resolves it)."""
    unit = transfer.place_unit or receiver.home_unit
    return terms_for(receiver, transfer.item, unit).loan_days


def transfers_in_scope(actor: Actor, permission: str, *, query: str = "") -> QuerySet[Transfer]:
    """Transfers at units where ``actor`` holds ``permission``, and those made by hand of
    copies such a unit owns; the newest first. ``query`` is a copy's barcode or either
    reader's card number."""
    at_unit = scope_filter(actor, permission, unit_field="place_unit")
    outside = Q(place_unit=None) & scope_filter(actor, permission, unit_field="item__owner")
    transfers = Transfer.objects.filter(at_unit | outside)
    query = (query or "").strip()
    if query:
        transfers = transfers.filter(Q(item__barcode=query) | Q(giver__card_number=query)
                                     | Q(receiver__card_number=query))  # fmt: skip
    return transfers.select_related("item__record", "giver", "receiver", "place_unit").order_by(
        "-offered_at", "-pk"
    )
