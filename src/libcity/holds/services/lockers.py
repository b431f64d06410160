"""Lending lockers: numbered slots at a unit of kind ``locker`` that hold copies for readers'
holds, each door opened by the reader's pickup code.

- ``locker_slots_set``: staff set how many slots a locker has (never taking away one that
  holds a copy); new slots serve the holds that waited for one.
- A hold becoming ready at a locker (trapped at a return there, arriving from a transit,
  passed on from an emptied slot) gets a free slot and a fresh six-digit code in the same
  transaction (``slots.slot_give``); the ready notice names the locker, the slot and the
  code, which is kept only hashed. With every slot in use the hold waits, ready and without
  a slot (its notice says a code will follow; it does not expire), until staff at the
  locker free one: emptying a slot or setting more (``locker_waiting_fill``) gives the free
  slots to the waiting holds, the first ready first, each with its code and a full shelf
  time. A slot a reader has just emptied is not refilled: nobody is there to load it.
- ``locker_open``: the controller sends the code; the copy is lent to the hold's reader
  through ``hold_collect`` (every checkout rule: a blocked card keeps the door shut) and the
  slot is free. A wrong code, or the code of a hold that ended, changes nothing but is
  counted: ``locker_lockout_codes`` (10) wrong codes at one locker within
  ``locker_lockout_minutes`` (10) close it to every code until the window has passed.
- ``locker_code_renew``: the reader (their account) or staff have a fresh code sent, once
  a hold a day; the old one opens nothing any more.
- A hold that ends uncollected leaves its copy locked in the slot, ``to_empty``: nobody
  passes it on until staff take it out (``logistics.locker_slot_empty``, which sends it to
  the next hold or home).
- A return into a locker is a return at that unit (``desk.desk_return``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from libcity.catalogue.models import Item
from libcity.circulation.models import Loan
from libcity.core import clock
from libcity.holds.exceptions import (
    LockerCodeInvalid,
    LockerCodeNotRenewed,
    LockerLockedOut,
    LockerSlotInUse,
    NotALocker,
)
from libcity.holds.models import Hold, HoldStatus, LockerHistory, LockerSlot, SlotState
from libcity.holds.policies import hold_policy, unit_has_slots
from libcity.holds.services.copies import hold_collect
from libcity.holds.services.slots import (
    CODE_DIGITS,
    code_hash,
    locker_history,
    slot_empty_row,
    slot_recode,
    slot_tell,
    slots_fill_waiting,
)
from libcity.network.models import Unit
from libcity.readers.models import Reader
from libcity.readers.services.rows import lock as reader_lock
from libcity.staff.selectors import Actor

#: The most slots one locker may have.
MAX_SLOTS = 500
WRONG_CODE = "locker_code_wrong"
#: The notice of a new pickup code (one a hold a day).
CODE_RENEWED = "hold_code"


@dataclass(frozen=True)
class Opened:
    """The door ``slot`` opened: the copy behind it is lent (``loan``)."""

    slot: int
    loan: Loan


def locker_slots_set(*, unit: Unit, count: int, actor: Actor) -> int:
    """Give the locker ``count`` slots, numbered 1..count: new ones added at the end, the
    last ones taken away only when free. Waiting holds get the new slots. The holds served."""
    if not unit_has_slots(unit):
        raise NotALocker(_("%(unit)s is not a locker.") % {"unit": unit.name()})
    if not 0 <= count <= MAX_SLOTS:
        raise NotALocker(_("A locker has from 0 to %(n)d slots.") % {"n": MAX_SLOTS})
    with transaction.atomic():
        Unit.objects.select_for_update().filter(pk=unit.pk).first()  # one change at a time
        numbers = set(LockerSlot.objects.filter(unit=unit).values_list("number", flat=True))
        gone = LockerSlot.objects.filter(unit=unit, number__gt=count)
        if gone.exclude(state=SlotState.FREE).exists():
            raise LockerSlotInUse(_("Slots above %(n)d hold copies: empty them first.")
                                  % {"n": count})  # fmt: skip
        gone.delete()
        LockerSlot.objects.bulk_create(
            [LockerSlot(unit=unit, number=n) for n in range(1, count + 1) if n not in numbers]
        )
        locker_history(unit, "locker_slots_set", None, actor, count=count, before=len(numbers))
        served = slots_fill_waiting(unit=unit, actor=actor)
    return len(served)


def locker_waiting_fill(*, unit: Unit, actor: Actor) -> list[Hold]:
    """Staff at the locker put the copies of the holds waiting for a slot into the free
    slots (the first ready first); each reader is sent a code. The holds served."""
    return slots_fill_waiting(unit=unit, actor=actor)


def locker_code_renew(*, hold: Hold, actor: Actor) -> int:
    """A fresh pickup code for the hold's slot, sent in a notice (the first was lost, or its
    notice never came); the old code opens nothing any more. Once a day a hold, so a code is
    never changed without its notice going out. The slot's number."""
    with transaction.atomic():
        hold = (Hold.objects.select_for_update(of=("self",))
                .select_related("reader", "record", "pickup_unit").get(pk=hold.pk))  # fmt: skip
        slot = LockerSlot.objects.select_for_update().filter(hold=hold).first()
        if hold.status != HoldStatus.READY or slot is None or slot.state != SlotState.OCCUPIED:
            raise LockerCodeNotRenewed(_("This hold has no copy in a locker slot."))
        if _renewed_today(hold):
            raise LockerCodeNotRenewed(_("A new code was sent today already: look for that "
                                         "notice, or ask at the library."))  # fmt: skip
        slot_tell(hold, CODE_RENEWED, slot_recode(slot=slot, actor=actor))
    return slot.number


def _renewed_today(hold: Hold) -> bool:
    """Asked under the hold's lock, so two requests at once make one new code."""
    midnight = clock.local_now().replace(hour=0, minute=0, second=0, microsecond=0)
    renewed = LockerHistory.objects.filter(action="locker_code_renewed", at__gte=midnight,
                                           details__hold=hold.pk)  # fmt: skip
    return renewed.exists()


def locker_open(*, unit: Unit, code: str, actor: Actor) -> Opened:
    """The reader typed ``code`` at the locker: lend them the copy behind its door and free
    the slot. A wrong code changes nothing but counts towards the lockout."""
    _refuse_locked_out(unit)
    code = (code or "").strip()
    opened = _open(unit, code, actor) if _well_formed(code) else None
    if opened is None:
        locker_history(unit, WRONG_CODE, None, actor)
        raise LockerCodeInvalid(_("This code opens no door here: it is wrong, or the hold "
                                  "has ended. Check the notice you were sent."))  # fmt: skip
    return opened


def _well_formed(code: str) -> bool:
    return len(code) == CODE_DIGITS and code.isascii() and code.isdigit()


def _refuse_locked_out(unit: Unit) -> None:
    policy = hold_policy()
    since = clock.now() - dt.timedelta(minutes=policy.locker_lockout_minutes)
    wrong = LockerHistory.objects.filter(unit=unit, action=WRONG_CODE, at__gte=since).count()
    if wrong >= policy.locker_lockout_codes:
        raise LockerLockedOut(_("Too many wrong codes at this locker: try again in %(n)d "
                                "minutes, or ask at the library.")
                              % {"n": policy.locker_lockout_minutes})  # fmt: skip


def _open(unit: Unit, code: str, actor: Actor) -> Opened | None:
    """Locks in the order of every hold service: the reader, the hold, then the slot; the
    slot is read again under its lock (a second open of the same code finds it free)."""
    hashed = code_hash(unit.pk, code)
    found = (LockerSlot.objects.filter(unit=unit, state=SlotState.OCCUPIED, code_hash=hashed)
             .values_list("pk", "hold_id", "hold__reader_id", "hold__copy_id").first())  # fmt: skip
    if found is None or found[2] is None:
        return None
    slot_id, hold_id, reader_id, copy_id = found
    with transaction.atomic():
        reader = reader_lock(Reader(pk=reader_id))
        Hold.objects.select_for_update(of=("self",)).filter(pk=hold_id).first()
        slot = LockerSlot.objects.select_for_update().get(pk=slot_id)
        if (slot.state, slot.hold_id, slot.code_hash) != (SlotState.OCCUPIED, hold_id, hashed):
            return None
        loan = hold_collect(item=Item.objects.get(pk=copy_id), reader=reader, unit=unit,
                            actor=actor)  # fmt: skip
        locker_history(unit, "locker_opened", slot.number, actor, hold=hold_id)
    return Opened(slot=slot.number, loan=loan)


def locker_slot_release(*, slot: LockerSlot, actor: Actor) -> Item | None:
    """Staff took the copy out of a slot to be emptied: the slot is free (and serves a hold
    waiting for one); the copy taken out, for the caller to pass on."""
    with transaction.atomic():
        slot = LockerSlot.objects.select_for_update().select_related("unit").get(pk=slot.pk)
        if slot.state != SlotState.TO_EMPTY:
            raise LockerSlotInUse(_("Slot %(n)d is not to be emptied.") % {"n": slot.number})
        hold_id = slot.hold_id
        copy = Item.objects.filter(holds_served__pk=hold_id).first()
        slot_empty_row(slot)
        locker_history(slot.unit, "locker_slot_emptied", slot.number, actor, hold=hold_id)
        slots_fill_waiting(unit=slot.unit, actor=actor)
    return copy
