"""Writes of transfer lending (转借): offer a loan, accept the code, cancel, offer to the
first reader waiting for the title.

Locks are taken in the house order, readers first (both, the lower id first), then the
transfer, then the copy and the loan (``circulation.loan_transfer``), then holds. Two
receivers scanning one code therefore wait for each other on the giver's row, and the second
finds the code used. A refusal raises inside the transaction: nothing is changed.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from libcity.circulation import states as loan_states
from libcity.circulation.exceptions import LoanNotFound
from libcity.circulation.models import Loan
from libcity.circulation.notices import notice_sender
from libcity.circulation.services import loan_transfer
from libcity.core import clock
from libcity.holds.models import Hold, HoldStatus
from libcity.holds.services import hold_after_checkout
from libcity.network.models import Unit
from libcity.readers.models import Reader
from libcity.readers.selectors import reader_by_card
from libcity.readers.services.rows import lock as reader_lock
from libcity.sharing import states
from libcity.sharing.exceptions import (
    TransferCodeUsed,
    TransferExpired,
    TransferForAnother,
    TransferLimitReached,
    TransferNotAllowed,
    TransferNotFound,
    TransferToSelf,
)
from libcity.sharing.models import Transfer, TransferHistory, TransferStatus
from libcity.sharing.notices import transfer_notify
from libcity.sharing.policies import (
    CODE_ALPHABET,
    CODE_LENGTH,
    cap_since,
    code_hash,
    transfer_policy,
)
from libcity.sharing.selectors import (
    first_waiting_hold,
    reader_of_actor,
    transfer_by_code,
    transfers_given_lately,
)
from libcity.staff.selectors import Actor, is_staff_member

OUTSIDE = "outside"


# --- offer ------------------------------------------------------------------------------------


def transfer_offer(*, loan: Loan, actor: Actor, place_unit: Unit | None = None,
                   for_hold: Hold | None = None) -> Transfer:  # fmt: skip
    """The borrower offers their running ``loan`` to another reader: a fresh code, valid
    ``code_minutes``, told once as ``transfer.code`` (only its hash is kept). An earlier
    offer of the same loan still open is cancelled: one code per loan at a time."""
    giver = reader_of_actor(actor)
    with transaction.atomic():
        giver = reader_lock(giver)
        loan = _check_offerable(loan, giver, for_hold)
        for earlier in Transfer.objects.select_for_update().filter(
            loan=loan, status=TransferStatus.OFFERED
        ):
            transfer_move(earlier, TransferStatus.CANCELLED, unit=None, actor=actor,
                          superseded=True)  # fmt: skip
        transfer, code = _create(loan, giver, place_unit, for_hold, actor)
    transfer.code = code
    return transfer


def _check_offerable(loan: Loan, giver: Reader, for_hold: Hold | None) -> Loan:
    """The loan re-read: the giver's own, running (not lost, missing or ended), not passed
    on too often; a hold named must wait for this title."""
    loan = Loan.objects.select_related("item__record").filter(pk=loan.pk).first()
    if loan is None or loan.reader_id != giver.pk:
        raise LoanNotFound(_("No such loan."))
    if loan.status not in loan_states.RUNNING:
        raise TransferNotAllowed(
            _("Only a copy on loan to you can be passed on; this loan is %(status)s.")
            % {"status": loan.get_status_display()}
        )
    _check_cap(giver, loan)
    if for_hold is not None and not _waits_for(for_hold, loan):
        raise TransferNotAllowed(_("That hold does not wait for this title."))
    return loan


def _waits_for(hold: Hold, loan: Loan) -> bool:
    return (hold.status == HoldStatus.PLACED and hold.record_id == loan.item.record_id
            and hold.reader_id not in (None, loan.reader_id))  # fmt: skip


def _check_cap(giver: Reader, loan: Loan) -> None:
    """The same card passes the same copy on at most ``max_transfers_per_item_per_year``
    times in ``cap_days`` (Shenzhen's rule)."""
    policy = transfer_policy()
    given = transfers_given_lately(giver, loan.item, cap_since(clock.now(), policy))
    if given >= policy.max_transfers_per_item_per_year:
        raise TransferLimitReached(
            _("You have passed this copy on %(n)d times this year, the most allowed; return it "
              "to a library instead.") % {"n": given},
            limit=policy.max_transfers_per_item_per_year,
        )  # fmt: skip


def _create(loan: Loan, giver: Reader, place_unit: Unit | None, for_hold: Hold | None,
            actor: Actor) -> tuple[Transfer, str]:  # fmt: skip
    now, code = clock.now(), _fresh_code()
    transfer = Transfer.objects.create(
        loan=loan, item=loan.item, giver=giver, for_hold=for_hold, code_hash=code_hash(code),
        place_unit=place_unit, offered_at=now,
        expires_at=now + _valid_for(for_hold),
    )  # fmt: skip
    _history(transfer, "", place_unit, actor, expires_at=transfer.expires_at.isoformat(),
             **({"for_hold": for_hold.pk} if for_hold else {}))  # fmt: skip
    return transfer, code


def _valid_for(for_hold: Hold | None) -> dt.timedelta:
    """Minutes when the two readers stand together; hours when the first reader waiting is
    told by a notice and they must arrange to meet."""
    policy = transfer_policy()
    if for_hold is not None:
        return dt.timedelta(hours=policy.queue_code_hours)
    return dt.timedelta(minutes=policy.code_minutes)


def _fresh_code() -> str:
    """Eight symbols nobody misreads (about 2^40 codes), not the code of any transfer yet."""
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _n in range(CODE_LENGTH))
        if not Transfer.objects.filter(code_hash=code_hash(code)).exists():
            return code


def transfer_offer_to_queue(*, loan: Loan, actor: Actor,
                            place_unit: Unit | None = None) -> Transfer:  # fmt: skip
    """Offer the loan to the first reader waiting for its title (a hold satisfied by the
    borrower passing the copy on): they are told the code in a notice, and their acceptance
    collects their hold."""
    giver = reader_of_actor(actor)
    if loan.reader_id != giver.pk:
        raise LoanNotFound(_("No such loan."))
    hold = first_waiting_hold(loan.item, besides=giver)
    if hold is None:
        raise TransferNotAllowed(_("Nobody is waiting for this title: offer the copy to a "
                                   "reader you know instead."))  # fmt: skip
    with transaction.atomic():
        transfer = transfer_offer(loan=loan, actor=actor, place_unit=place_unit, for_hold=hold)
        reader, code, sender = hold.reader, transfer.code, notice_sender()
        transaction.on_commit(lambda: transfer_notify(transfer, reader, code, sender))
    return transfer


# --- accept -----------------------------------------------------------------------------------


def transfer_accept(*, code: str, actor: Actor, place_unit: Unit | None = None) -> Transfer:
    """The receiver (the signed-in reader) takes the copy with the giver's code: in one
    transaction the giver's loan ends as transferred and the receiver's begins under every
    checkout rule (``circulation.loan_transfer``); a hold of the receiver's on the title is
    collected. ``place_unit`` is where it happens (else where the offer said; None: by
    hand). An offer past its time is marked expired on the way."""
    receiver = reader_of_actor(actor)
    peek = transfer_by_code(code)
    if _expire_if_due(peek, actor):
        raise _expired()
    with transaction.atomic():
        giver, receiver = _lock_readers(peek.giver_id, receiver)
        transfer = _lock_transfer(peek.pk)
        _check_acceptable(transfer, giver, receiver)
        place = place_unit or transfer.place_unit
        details = {"transfer": transfer.pk, "place": place.code if place else OUTSIDE}
        new_loan = loan_transfer(loan=transfer.loan, to_reader=receiver, unit=place,
                                 actor=actor, **details)  # fmt: skip
        hold_after_checkout(loan=new_loan, actor=actor)
        _accepted(transfer, giver, receiver, new_loan, place, actor)
    return transfer


def _expire_if_due(transfer: Transfer, actor: Actor) -> bool:
    """Mark an offer past its time expired (its own transaction, so the mark stays although
    the acceptance is refused). True when the offer is expired (now or before)."""
    if transfer.status == TransferStatus.EXPIRED:
        return True
    if transfer.status != TransferStatus.OFFERED or transfer.expires_at > clock.now():
        return False
    with transaction.atomic():
        reader_lock(Reader(pk=transfer.giver_id))
        locked = _lock_transfer(transfer.pk)
        if locked.status == TransferStatus.OFFERED:
            transfer_move(locked, TransferStatus.EXPIRED, unit=None, actor=actor)
    return locked.status == TransferStatus.EXPIRED


def _lock_readers(giver_id: int | None, receiver: Reader) -> tuple[Reader | None, Reader]:
    """Both readers' row locks, the lower id first (as ``loan_transfer`` takes them). An
    old transfer's giver may be forgotten (None): only its status is read then."""
    ids = sorted({pk for pk in (giver_id, receiver.pk) if pk is not None})
    locked = {pk: reader_lock(Reader(pk=pk)) for pk in ids}
    return locked.get(giver_id), locked[receiver.pk]


def _lock_transfer(pk: int) -> Transfer:
    return (Transfer.objects.select_for_update(of=("self",))
            .select_related("loan", "item", "for_hold", "place_unit").get(pk=pk))  # fmt: skip


def _check_acceptable(transfer: Transfer, giver: Reader, receiver: Reader) -> None:
    """The code is open, the receiver is another reader with a card that lends, the giver
    may still pass the copy on, and no one else waits for it first."""
    if transfer.status == TransferStatus.ACCEPTED:
        raise TransferCodeUsed(_("This code was already used."))
    if transfer.status != TransferStatus.OFFERED or transfer.expires_at <= clock.now():
        raise _expired()
    if receiver.pk == giver.pk:
        raise TransferToSelf(_("You cannot pass a copy to yourself."))
    reader_by_card(receiver.card_number)  # a card reported lost does not borrow
    _check_cap(giver, transfer.loan)
    _check_queue(transfer, giver, receiver)


def _expired() -> TransferExpired:
    return TransferExpired(_("This code has expired; ask for a new one."))


def _check_queue(transfer: Transfer, giver: Reader, receiver: Reader) -> None:
    """A copy someone waits for goes only to them: the reader of the hold the offer names
    (while it waits), else the first in the title's queue it can serve."""
    named = transfer.for_hold
    if named is not None and named.status == HoldStatus.PLACED:
        first = named
    else:
        first = first_waiting_hold(transfer.item, besides=giver)
    if first is not None and first.reader_id != receiver.pk:
        raise TransferForAnother(_("Another reader is waiting for this title: the copy may be "
                                   "passed only to them."))  # fmt: skip


def _accepted(transfer: Transfer, giver: Reader, receiver: Reader, new_loan: Loan,
              place: Unit | None, actor: Actor) -> None:  # fmt: skip
    transfer.receiver, transfer.new_loan, transfer.place_unit = receiver, new_loan, place
    transfer.accepted_at = clock.now()
    transfer_move(transfer, TransferStatus.ACCEPTED, unit=place, actor=actor,
                  fields=("receiver", "new_loan", "place_unit", "accepted_at"),
                  place=place.code if place else OUTSIDE, from_loan=transfer.loan_id,
                  to_loan=new_loan.pk, due_on=new_loan.due_on.isoformat())  # fmt: skip


# --- cancel -----------------------------------------------------------------------------------


def transfer_cancel(*, transfer: Transfer, actor: Actor) -> Transfer:
    """The giver withdraws an open offer: its code opens nothing any more. An offer already
    over (cancelled, expired) stays as it is; an accepted one cannot be undone."""
    giver = reader_of_actor(actor)
    if transfer.giver_id != giver.pk:
        raise TransferNotFound(_("No transfer has this code; check it, or ask for a new one."))
    with transaction.atomic():
        reader_lock(giver)
        locked = _lock_transfer(transfer.pk)
        if locked.status == TransferStatus.ACCEPTED:
            raise TransferCodeUsed(_("This code was already used."))
        if locked.status == TransferStatus.OFFERED:
            transfer_move(locked, TransferStatus.CANCELLED, unit=None, actor=actor)
    return locked


# --- the one way a transfer moves -------------------------------------------------------------


def transfer_move(transfer: Transfer, to_status: str, *, unit: Unit | None, actor: Actor,
                  fields: tuple[str, ...] = (), **details) -> Transfer:  # fmt: skip
    """Move a (locked) transfer to ``to_status`` if the state machine allows it, saving
    ``fields`` set by the caller too, and write its history row."""
    before = transfer.status
    if not states.can_move(before, to_status):
        raise TransferNotAllowed(
            _("A transfer that is %(now)s cannot become %(next)s.")
            % {"now": TransferStatus(before).label, "next": TransferStatus(to_status).label}
        )
    transfer.status = to_status
    transfer.save(update_fields=["status", *fields])
    _history(transfer, before, unit, actor, **details)
    return transfer


def _history(transfer: Transfer, before: str, unit: Unit | None, actor: Actor,
             **details) -> None:  # fmt: skip
    """The actor is kept only when staff, as in the loans' and holds' history."""
    TransferHistory.objects.create(
        transfer=transfer, action=f"transfer_{transfer.status}", from_status=before,
        to_status=transfer.status, unit=unit, actor=actor if is_staff_member(actor) else None,
        details={"loan": transfer.loan_id, "barcode": transfer.item.barcode, **details},
    )  # fmt: skip


# --- the daily work ---------------------------------------------------------------------------


@dataclass
class SharingDailyReport:
    day: dt.date
    expired: int = 0
    forgotten: int = 0

    def lines(self) -> list[str]:
        return [f"{self.day}: {self.expired} transfer offers expired, {self.forgotten} "
                "transfers past the cap's window no longer name their readers"]  # fmt: skip


def sharing_daily(*, day: dt.date | None = None) -> SharingDailyReport:
    """What transfer lending does once a day (``libcity worker``)."""
    report = SharingDailyReport(day or clock.today())
    now = clock.now()
    report.expired = transfers_expire(now=now)
    report.forgotten = transfers_forget(before=cap_since(now, transfer_policy()))
    return report


def transfers_expire(*, now: dt.datetime) -> int:
    """Offers past their time become expired (an acceptance would be refused anyway: this
    makes the lists say so). Returns how many."""
    with transaction.atomic():
        stale = list(Transfer.objects.select_for_update()
                     .filter(status=TransferStatus.OFFERED, expires_at__lte=now)
                     .values_list("pk", "loan_id"))  # fmt: skip
        Transfer.objects.filter(pk__in=[pk for pk, _loan in stale]).update(
            status=TransferStatus.EXPIRED
        )
        TransferHistory.objects.bulk_create(
            TransferHistory(transfer_id=pk, action=f"transfer_{TransferStatus.EXPIRED}",
                            from_status=TransferStatus.OFFERED, to_status=TransferStatus.EXPIRED,
                            details={"loan": loan_id, "daily": True})
            for pk, loan_id in stale
        )  # fmt: skip
    return len(stale)


def transfers_forget(*, before: dt.datetime) -> int:
    """Transfers offered before ``before`` (outside the cap's window) and over no longer name
    their giver and receiver. The loans keep their readers only with consent, as always."""
    old = Transfer.objects.filter(offered_at__lt=before, status__in=states.ENDED).exclude(
        giver=None, receiver=None
    )
    return old.update(giver=None, receiver=None)
