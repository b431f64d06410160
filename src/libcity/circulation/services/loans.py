"""Loans: checkout, return, renewal, loss and a claimed return, each in one transaction.

Locks are always taken in the same order, reader first, then the copy, then the loan, so that
two desks, two kiosks or a return racing a renewal wait for each other instead of
deadlocking. The reader's row lock is what keeps "at most 30 loans" true when one reader
checks out at several kiosks at once; the copy's row lock (and the database's "one open loan
per copy" constraint behind it) keeps one copy in one loan.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from libcity.catalogue import indexing
from libcity.catalogue.models import Item, ItemStatus, Record
from libcity.catalogue.services import item_transition
from libcity.circulation import policies, routing, states
from libcity.circulation.exceptions import (
    CardExpired,
    ItemNotAvailable,
    ItemNotLoanable,
    LoanLimitReached,
    LoanTransitionNotAllowed,
    ReaderBlocked,
    RenewalRefused,
)
from libcity.circulation.models import Loan, LoanHistory, LoanStatus
from libcity.circulation.policies import Terms
from libcity.circulation.routing import Route
from libcity.circulation.services.charges import charge_lost, charge_overdue, fines_follow
from libcity.core import clock
from libcity.network.models import Unit
from libcity.network.selectors import unit_next_opening
from libcity.readers.models import Reader, ReaderStatus
from libcity.readers.selectors import reader_active_blocks
from libcity.readers.services import reader_adjust_credit_locked, reader_block_follow
from libcity.readers.services.rows import lock as reader_lock
from libcity.staff.selectors import Actor, is_staff_member


@dataclass(frozen=True)
class Checkin:
    """What a return did: the loan it ended (None when the copy was not on loan), where the
    copy goes now and why, and what lateness cost."""

    item: Item
    route: Route
    loan: Loan | None = None
    days_late: int = 0
    fine: Decimal = Decimal("0.00")
    credit_change: int = 0


# --- checkout ---------------------------------------------------------------------------------


def loan_checkout(*, item: Item, reader: Reader, unit: Unit, actor: Actor) -> Loan:
    """Lend ``item`` to ``reader`` at ``unit`` under the rule that applies there."""
    today = clock.today()
    with transaction.atomic():
        reader = _lock_reader(reader.pk, category=True)
        item = _lock_item(item)
        _check_reader_may_borrow(reader, today)
        terms = policies.terms_for(reader, item, unit)
        _check_item_lendable(item, terms)
        _check_limits(reader, item, terms)
        loan = _open_loan(item, reader, unit, terms, today)
        _move_copy(item, ItemStatus.ON_LOAN, actor, unit, "checkout")
        _history(loan, "loan_checked_out", "", LoanStatus.ON_LOAN, unit, actor,
                 due_on=loan.due_on.isoformat())  # fmt: skip
    return loan


def _open_loan(item: Item, reader: Reader, unit: Unit, terms: Terms, today: dt.date) -> Loan:
    """The new loan row of ``reader`` (locked, with its category), issued at ``unit``."""
    return Loan.objects.create(
        item=item, reader=reader, reader_category=reader.category.code,
        reader_home_unit_id=reader.home_unit_id, issued_at_unit=unit,
        status=LoanStatus.ON_LOAN, item_type=item.item_type, checked_out_at=clock.now(),
        due_on=_due_on(unit, today, terms.loan_days), terms=terms.as_json(),
    )  # fmt: skip


def _lock_reader(reader_id: int, *, category: bool = False) -> Reader:
    """The reader's row lock (as ``readers.services.rows.lock`` takes it), read (with the
    category a new loan records, when asked) in one query."""
    locked = Reader.objects.select_for_update(of=("self",))
    if category:
        locked = locked.select_related("category")
    return locked.get(pk=reader_id)


def _lock_item(item: Item) -> Item:
    """The copy's row lock, read with its record's title (the answer names it; the rest of
    the record, its MARC source above all, is left unread) and its owner (where a return
    may send it)."""
    locked = Item.objects.select_for_update(of=("self",)).select_related("record", "owner")
    return locked.defer(*_RECORD_UNREAD).get(pk=item.pk)


def _unread(relation: str, model, kept: tuple[str, ...]) -> tuple[str, ...]:
    """The columns of a related row read with a lock that a loan never uses (for
    ``defer``): all but ``kept`` (and the id)."""
    return tuple(f"{relation}__{field.name}" for field in model._meta.concrete_fields
                 if field.name not in ("id", *kept))  # fmt: skip


#: The record's columns a loan never reads (only its id and title are read with the copy).
_RECORD_UNREAD = _unread("record", Record, ("title",))
#: The issuing unit's, with an open loan: the answer names it by its code.
_ISSUER_UNREAD = _unread("issued_at_unit", Unit, ("code",))


def _move_copy(item: Item, to_status: str, actor: Actor, unit: Unit | None, reason: str) -> None:
    """The copy's move through the catalogue's state machine. Circulation changes copies,
    never a record's text, so the search index refreshes only the copies' facet values
    (``indexing.copies_only``). The copy was locked and read at the start of the loan's
    transaction: the transition neither locks nor reads it again (``locked=True``)."""
    with indexing.copies_only():
        item_transition(item=item, to_status=to_status, actor=actor, location=unit,
                        reason=reason, locked=True)  # fmt: skip


def _check_reader_may_borrow(reader: Reader, today: dt.date) -> None:
    if reader.status != ReaderStatus.ACTIVE:
        raise ReaderBlocked(_("This reader's card is %(status)s.")
                            % {"status": reader.get_status_display()})  # fmt: skip
    if reader.expires_on < today:
        raise CardExpired(_("The card expired on %(date)s; renew it at a library desk.")
                          % {"date": reader.expires_on.isoformat()})  # fmt: skip
    blocks = list(reader_active_blocks(reader))
    if blocks:
        reasons = "; ".join(sorted({b.get_reason_display() for b in blocks}))
        raise ReaderBlocked(_("The reader may not borrow: %(reasons)s.") % {"reasons": reasons},
                            reasons=sorted({b.reason for b in blocks}))  # fmt: skip


def _check_item_lendable(item: Item, terms: Terms) -> None:
    if item.status != ItemStatus.AVAILABLE:
        raise ItemNotAvailable(
            _("Copy %(barcode)s is %(status)s, not on a shelf.")
            % {"barcode": item.barcode, "status": item.get_status_display()}
        )
    _check_loanable(item, terms)


def _check_loanable(item: Item, terms: Terms) -> None:
    if not terms.loanable:
        raise ItemNotLoanable(
            _("Copy %(barcode)s is not for loan (%(type)s).")
            % {"barcode": item.barcode, "type": item.get_item_type_display()}
        )


def _check_limits(reader: Reader, item: Item, terms: Terms) -> None:
    """Both limits from one count of the running loans (taken under the reader's lock)."""
    counts = Loan.objects.filter(reader=reader, status__in=states.RUNNING).aggregate(
        total=Count("pk"), of_type=Count("pk", filter=Q(item_type=item.item_type))
    )
    if counts["total"] >= terms.max_items:
        raise LoanLimitReached(_("The reader already has %(n)d loans, the most allowed.")
                               % {"n": terms.max_items}, limit=terms.max_items)  # fmt: skip
    if counts["of_type"] >= terms.max_items_of_type:
        raise LoanLimitReached(
            _("The reader already has %(n)d loans of this type (%(type)s), the most allowed.")
            % {"n": terms.max_items_of_type, "type": item.get_item_type_display()},
            limit=terms.max_items_of_type, item_type=item.item_type,
        )  # fmt: skip


def _due_on(unit: Unit, start: dt.date, days: int) -> dt.date:
    """``days`` after ``start``, moved forward to a day the unit is open (a 24-hour unit
    always is; a unit with no hours at all keeps the plain date)."""
    due = policies.due_date(start, days)
    opening = unit_next_opening(unit, clock.start_of_day(due))
    return clock.as_local(opening).date() if opening is not None else due


# --- return -----------------------------------------------------------------------------------


def loan_checkin(*, item: Item, unit: Unit, actor: Actor) -> Checkin:
    """The copy is back at ``unit``: end its loan (if any), charge lateness by the loan's
    terms, and send the copy where its rule says (``routing.return_route``)."""
    pending = Loan.objects.filter(item=item, status__in=_OPEN).values_list("reader_id", flat=True)
    reader_id = pending.first()
    with transaction.atomic():
        reader = _lock_reader(reader_id) if reader_id else None
        item = _lock_item(item)
        loan = _lock_open_loan(item)
        if loan is not None and loan.reader_id != (reader.pk if reader else None):
            raise LoanTransitionNotAllowed(_("The loan changed meanwhile; scan the copy again."))
        terms = Terms.from_json(loan.terms) if loan else _terms_without_loan(item, unit)
        route = routing.return_route(terms=terms, item=item, here=unit)
        checkin = _end_loan(loan, reader, unit, actor) if loan else None
        _send_copy(item, route, unit, actor)
    if checkin is None:
        return Checkin(item=item, route=route)
    return Checkin(item=item, route=route, **checkin)


_OPEN = (*states.RUNNING, LoanStatus.CLAIMED_RETURNED, LoanStatus.LOST)


def _lock_open_loan(item: Item) -> Loan | None:
    """The copy's open loan under its row lock, with the code of the unit that issued it
    (the answer names it), the locked copy in place of a re-read."""
    locked = Loan.objects.select_for_update(of=("self",)).select_related("issued_at_unit")
    loan = locked.defer(*_ISSUER_UNREAD).filter(item=item, status__in=_OPEN).first()
    if loan is not None:
        loan.item = item
    return loan


def _terms_without_loan(item: Item, unit: Unit) -> Terms:
    """A copy returned that was not on loan (found, or used in the library): the rule for
    any reader of this item type at this unit decides where it goes."""
    return policies.rule_for(unit=unit, category_id=None, item_type=item.item_type).terms


def _end_loan(loan: Loan, reader: Reader | None, unit: Unit | None, actor: Actor, *,
              to_status: str = LoanStatus.RETURNED, **details) -> dict:  # fmt: skip
    """End the loan (returned, or ``transferred`` to another reader: a return all the same,
    lateness included). The reader's blocks follow what changed: a fine charged re-checks the
    fines block (``charges._charge``), the end of an overdue loan the overdue block; the end
    of any other loan changes neither count, so neither is read again."""
    today = clock.today()
    terms = Terms.from_json(loan.terms)
    late = policies.days_late(loan.due_on, today) if loan.status in states.RUNNING else 0
    before = loan.status
    loan.status, loan.returned_at_unit, loan.ended_at = to_status, unit, clock.now()
    _check_move(before, to_status)
    fine = charge_overdue(loan=loan, reader=reader, terms=terms, late=late, actor=actor)
    credit = _credit_after_return(reader, terms, late, actor)
    if reader is not None and not reader.keeps_reading_history:
        loan.reader = None  # privacy: the loan ends, the link to the person goes
    loan.save(update_fields=["status", "returned_at_unit", "ended_at", "reader"])
    _history(loan, f"loan_{to_status}", before, to_status, unit, actor, days_late=late,
             fine=str(fine), credit_change=credit, **details)  # fmt: skip
    if reader is not None and before == LoanStatus.OVERDUE:
        overdue_follow(reader, actor)  # only an overdue loan's end changes the overdue count
    return {"loan": loan, "days_late": late, "fine": fine, "credit_change": credit}


def _credit_after_return(reader: Reader | None, terms: Terms, late: int, actor: Actor) -> int:
    if reader is None:
        return 0
    penalty = policies.credit_penalty(terms, late)
    delta = -penalty if penalty else policies.CREDIT_ON_TIME_REWARD
    if delta == 0:
        return 0
    reason = "late return" if penalty else "returned on time"
    # the reader was locked and read at the start of the return: no second read
    reader_adjust_credit_locked(reader=reader, delta=delta, reason=reason, actor=actor)
    return delta


def _send_copy(item: Item, route: Route, unit: Unit, actor: Actor) -> None:
    """On the shelf here, or in transit from here (the destination in the copy's history)."""
    target = ItemStatus.AVAILABLE if route.stays else ItemStatus.IN_TRANSIT
    if item.status == target and item.location_id == unit.pk:
        return  # already where the answer puts it (a second scan)
    if item.status == ItemStatus.IN_TRANSIT and target == ItemStatus.IN_TRANSIT:
        return  # passing through: it stays in transit to where it was going
    _move_copy(item, target, actor, unit, f"return:{route.reason}:{route.destination.code}")


# --- transfer (转借) ----------------------------------------------------------------------------


def loan_transfer(*, loan: Loan, to_reader: Reader, unit: Unit | None, actor: Actor,
                  **details) -> Loan:  # fmt: skip
    """Pass the copy of a running ``loan`` straight to ``to_reader`` (转借): a return and a
    checkout in one. The loan ends as ``transferred`` (lateness charged as at a return); the
    new loan is ``to_reader``'s, under every checkout rule and with its own due date, and the
    liability with it. The copy stays on loan where it is: it never went back to a library.

    ``unit`` is where the copy changed hands; None is by hand, outside any library: the rules
    of the receiver's home library then apply and its calendar moves the due date. Runs in
    the caller's transaction when there is one; ``details`` go into both history rows."""
    today = clock.today()
    with transaction.atomic():
        giver, receiver = _lock_both(loan.reader_id, to_reader.pk)
        item = _lock_item(Item(pk=loan.item_id))
        running = _lock_open_loan(item)
        _check_transferable(running, loan, receiver)
        issuing = unit or Unit.objects.get(pk=receiver.home_unit_id)
        _check_reader_may_borrow(receiver, today)
        terms = policies.terms_for(receiver, item, issuing)
        _check_loanable(item, terms)
        _check_limits(receiver, item, terms)
        _end_loan(running, giver, unit, actor, to_status=LoanStatus.TRANSFERRED, **details)
        new = _open_loan(item, receiver, issuing, terms, today)
        _history(new, "loan_transferred_in", "", LoanStatus.ON_LOAN, unit, actor,
                 due_on=new.due_on.isoformat(), from_loan=running.pk, **details)  # fmt: skip
    return new


def _lock_both(giver_id: int | None, receiver_id: int) -> tuple[Reader | None, Reader]:
    """Both readers' row locks, the lower id first (two transfers in opposite directions
    wait for each other instead of deadlocking); then the copy, then the loan, as always."""
    ids = sorted({pk for pk in (giver_id, receiver_id) if pk is not None})
    locked = {pk: _lock_reader(pk, category=True) for pk in ids}
    return locked.get(giver_id), locked[receiver_id]


def _check_transferable(running: Loan | None, loan: Loan, receiver: Reader) -> None:
    if running is None or running.pk != loan.pk or running.status not in states.RUNNING:
        raise LoanTransitionNotAllowed(
            _("Only a running loan can be passed to another reader; this one has ended, "
              "or the copy is lost or missing.")
        )  # fmt: skip
    if running.reader_id is None or running.reader_id == receiver.pk:
        raise LoanTransitionNotAllowed(_("A loan cannot be passed to its own reader."))


# --- renewal, loss, claimed return ------------------------------------------------------------


def loan_renew(*, loan: Loan, actor: Actor, unit: Unit | None = None) -> Loan:
    """Push the due date on by the renewal period, if the terms still allow a renewal."""
    today = clock.today()
    with transaction.atomic():
        reader = reader_lock(loan.reader) if loan.reader_id else None
        locked = Loan.objects.select_for_update().get(pk=loan.pk)
        _check_renewable(locked, reader, today)
        terms = Terms.from_json(locked.terms)
        before, old_due = locked.status, locked.due_on
        issuing = Unit.objects.get(pk=locked.issued_at_unit_id)
        locked.due_on = max(old_due, _due_on(issuing, today, terms.renewal_days))
        locked.renewals += 1
        locked.status = LoanStatus.RENEWED
        _check_move(before, LoanStatus.RENEWED)
        locked.save(update_fields=["due_on", "renewals", "status"])
        _history(locked, "loan_renewed", before, LoanStatus.RENEWED, unit, actor,
                 due_before=old_due.isoformat(), due_on=locked.due_on.isoformat())  # fmt: skip
    return locked


def _check_renewable(loan: Loan, reader: Reader | None, today: dt.date) -> None:
    terms = Terms.from_json(loan.terms)
    if loan.status not in states.RUNNING:
        raise RenewalRefused(_("Only a running loan can be renewed; this one is %(status)s.")
                             % {"status": loan.get_status_display()})  # fmt: skip
    if loan.status == LoanStatus.OVERDUE and not policies.RENEW_OVERDUE:
        raise RenewalRefused(_("An overdue loan cannot be renewed; please return the copy."))
    if loan.renewals >= terms.renewals:
        raise RenewalRefused(_("This loan has had the %(n)d renewal(s) its rule allows.")
                             % {"n": terms.renewals}, renewals=loan.renewals)  # fmt: skip
    if reader is not None:
        _check_reader_may_borrow(reader, today)


def loan_declare_lost(*, loan: Loan, actor: Actor, unit: Unit | None = None) -> Loan:
    """The reader lost the copy: the loan and the copy become lost, and the copy's price is
    charged to the reader on the account of the library that owns it."""
    with transaction.atomic():
        reader = reader_lock(loan.reader) if loan.reader_id else None
        item = _lock_item(loan.item)
        locked = _move(loan, LoanStatus.LOST, unit, actor)
        charge_lost(loan=locked, reader=reader, item=item, actor=actor)
        item_transition(item=item, to_status=ItemStatus.LOST, actor=actor, reason="loan_lost")
        if reader is not None:
            overdue_follow(reader, actor)
    return locked


def loan_claim_returned(*, loan: Loan, actor: Actor, unit: Unit | None = None) -> Loan:
    """The reader says the copy came back but no return was recorded: the copy is missing
    until found (a return then ends the loan) or declared lost."""
    with transaction.atomic():
        reader = reader_lock(loan.reader) if loan.reader_id else None
        item = _lock_item(loan.item)
        locked = _move(loan, LoanStatus.CLAIMED_RETURNED, unit, actor)
        item_transition(item=item, to_status=ItemStatus.MISSING, actor=actor,
                        reason="loan_claimed_returned")  # fmt: skip
        if reader is not None:
            overdue_follow(reader, actor)
    return locked


def _move(loan: Loan, to_status: str, unit: Unit | None, actor: Actor) -> Loan:
    locked = Loan.objects.select_for_update().get(pk=loan.pk)
    before = locked.status
    _check_move(before, to_status)
    locked.status = to_status
    locked.save(update_fields=["status"])
    _history(locked, f"loan_{to_status}", before, to_status, unit, actor)
    return locked


def _check_move(before: str, after: str) -> None:
    if not states.can_move(before, after):
        raise LoanTransitionNotAllowed(
            _("A loan that is %(now)s cannot become %(next)s.")
            % {"now": LoanStatus(before).label, "next": LoanStatus(after).label}
        )


# --- blocks that follow the loans --------------------------------------------------------------


def overdue_follow(reader: Reader, actor: Actor) -> None:
    """Block the reader while ``OVERDUE_BLOCK_ITEMS`` or more loans are overdue; lift it
    once fewer are."""
    overdue = Loan.objects.filter(reader=reader, status=LoanStatus.OVERDUE).count()
    reader_block_follow(reader=reader, reason="overdue", actor=actor,
                        in_force=overdue >= policies.OVERDUE_BLOCK_ITEMS,
                        note=f"{overdue} overdue")  # fmt: skip
    fines_follow(reader, actor)


def _history(loan: Loan, action: str, before: str, after: str, unit: Unit | None, actor: Actor,
             **details) -> None:  # fmt: skip
    """A loan history row. The actor is kept only when it is staff: a reader renewing
    their own loan is not written down as a person next to the copy."""
    LoanHistory.objects.create(
        loan=loan, action=action, from_status=before, to_status=after, unit=unit,
        actor=_staff_actor(actor, loan), details={"barcode": loan.item.barcode, **details},
    )  # fmt: skip


def _staff_actor(actor: Actor, loan: Loan):
    return actor if is_staff_member(actor) else None
