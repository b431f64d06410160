"""A locker's slots as the hold moves: a slot and a pickup code when the hold becomes ready
at a locker (``slot_give``), the slot to empty when it ends uncollected (``slot_leave``), the
slot free when it is collected (``slot_free_of``), and the holds that waited for a free slot
served first (``slots_fill_waiting``).

These are the mechanics the hold's own services (``copies``, ``daily``, ``placing``) call
inside their transactions, holding the hold's row lock; the locker's services for the
interfaces (open a door, set the slots, empty one) are in ``lockers.py``. Locks are taken
hold first, then slot, everywhere.

A pickup code is six random digits, told to the reader in the notice and kept only as an
HMAC-SHA256 under ``SECRET_KEY`` of the unit and the code, so a code is unique among a
locker's occupied slots (a database constraint) and means nothing at another locker.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import transaction

from libcity.circulation.notices import notice_sender
from libcity.core import clock
from libcity.holds.models import Hold, HoldStatus, LockerHistory, LockerSlot, SlotState
from libcity.holds.policies import hold_policy
from libcity.holds.services.moves import Told, hold_notify
from libcity.network.models import Unit
from libcity.staff.selectors import Actor, is_staff_member

CODE_DIGITS = 6


def code_hash(unit_id: int, code: str) -> str:
    """The pickup code as kept: HMAC-SHA256 under ``SECRET_KEY`` of the unit and the code."""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{unit_id}:{code}".encode(), hashlib.sha256).hexdigest()


def slot_give(*, hold: Hold, actor: Actor) -> Told:
    """A free slot of the hold's locker for the (locked) hold becoming ready there, with a
    fresh pickup code: what its notice tells. ``Told()`` without a code when every slot is in
    use: the hold waits, ready, for ``slots_fill_waiting``."""
    unit = hold.pickup_unit
    slot = (LockerSlot.objects.select_for_update(skip_locked=True)
            .filter(unit=unit, state=SlotState.FREE).order_by("number").first())  # fmt: skip
    if slot is None:
        locker_history(unit, "locker_no_free_slot", None, actor, hold=hold.pk)
        return Told()
    code = _fresh_code(unit)
    slot.state, slot.hold, slot.code_hash = SlotState.OCCUPIED, hold, code_hash(unit.pk, code)
    slot.filled_at = clock.now()
    slot.save(update_fields=["state", "hold", "code_hash", "filled_at"])
    locker_history(unit, "locker_slot_filled", slot.number, actor, hold=hold.pk)
    return Told(slot=slot.number, code=code)


def slot_recode(*, slot: LockerSlot, actor: Actor) -> Told:
    """A fresh code for the (locked) occupied ``slot``: the old one opens nothing any more."""
    code = _fresh_code(slot.unit)
    slot.code_hash = code_hash(slot.unit_id, code)
    slot.save(update_fields=["code_hash"])
    locker_history(slot.unit, "locker_code_renewed", slot.number, actor, hold=slot.hold_id)
    return Told(slot=slot.number, code=code)


def slot_tell(hold: Hold, kind: str, told: Told) -> None:
    """After commit, tell the hold's reader ``told`` (a slot and its code) in a notice of
    ``kind``, through the sender in force now (as ``hold_move`` does)."""
    reader, sender = hold.reader, notice_sender()
    if reader is not None:
        transaction.on_commit(lambda: hold_notify(hold, reader, kind, sender, told=told))


def _fresh_code(unit: Unit) -> str:
    """Six random digits not opening another occupied slot of this locker."""
    while True:
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        taken = LockerSlot.objects.filter(unit=unit, state=SlotState.OCCUPIED,
                                          code_hash=code_hash(unit.pk, code))  # fmt: skip
        if not taken.exists():
            return code


def slot_leave(*, hold: Hold, actor: Actor) -> bool:
    """The (locked) hold ends uncollected (expired, cancelled): its slot, if it has one, is
    to be emptied by staff, and its code opens nothing any more. True when the copy is
    locked in a slot (so nobody may pass it on before staff take it out)."""
    slot = LockerSlot.objects.select_for_update().filter(hold=hold).first()
    if slot is None:
        return False
    slot.state, slot.code_hash = SlotState.TO_EMPTY, ""
    slot.save(update_fields=["state", "code_hash"])
    locker_history(slot.unit, "locker_slot_to_empty", slot.number, actor, hold=hold.pk)
    return True


def slot_free_of(*, hold: Hold, actor: Actor) -> int | None:
    """The (locked) hold was collected: its slot, if it has one, is free again; its number.
    The door was opened for the reader, so nobody can put a waiting copy in now: waiting
    holds get the slot when staff next fill the locker."""
    slot = LockerSlot.objects.select_for_update().filter(hold=hold).first()
    if slot is None:
        return None
    slot_empty_row(slot)
    locker_history(slot.unit, "locker_slot_collected", slot.number, actor, hold=hold.pk)
    return slot.number


def slot_empty_row(slot: LockerSlot) -> None:
    slot.state, slot.hold, slot.code_hash, slot.filled_at = SlotState.FREE, None, "", None
    slot.save(update_fields=["state", "hold", "code_hash", "filled_at"])


def slots_waiting(unit: Unit):
    """The holds ready at ``unit`` (a locker) still without a slot, the first ready first."""
    return Hold.objects.filter(pickup_unit=unit, status=HoldStatus.READY,
                               locker_slot__isnull=True).order_by("ready_at", "pk")  # fmt: skip


def slots_fill_waiting(*, unit: Unit, actor: Actor) -> list[Hold]:
    """Staff are at the locker with free slots: the holds that waited for one get one, the
    first ready first, each with its pickup code (in its notice) and the full shelf time
    from today. The holds served."""
    served = []
    with transaction.atomic():
        for hold_id in list(slots_waiting(unit).values_list("pk", flat=True)):
            hold = _lock_waiting(hold_id)
            if hold is None:
                continue
            told = slot_give(hold=hold, actor=actor)
            if not told.code:
                break
            _ready_again(hold, told)
            served.append(hold)
    return served


def _lock_waiting(hold_id: int) -> Hold | None:
    locked = Hold.objects.select_for_update(of=("self",))
    hold = locked.select_related("reader", "record", "pickup_unit").filter(pk=hold_id).first()
    if hold is None or hold.status != HoldStatus.READY:
        return None
    if LockerSlot.objects.filter(hold=hold).exists():
        return None
    return hold


def _ready_again(hold: Hold, told: Told) -> None:
    """The shelf time starts when the copy is behind a door the reader can open."""
    hold.shelf_until = clock.today() + dt.timedelta(days=hold_policy().shelf_days)
    hold.save(update_fields=["shelf_until"])
    slot_tell(hold, "hold_locker", told)


def locker_history(unit: Unit, action: str, number: int | None, actor: Actor,
                   **details) -> None:  # fmt: skip
    """The locker's history row (the actor kept when staff or a machine)."""
    LockerHistory.objects.create(unit=unit, action=action, slot_number=number,
                                 actor=actor if is_staff_member(actor) else None,
                                 details=details)  # fmt: skip
