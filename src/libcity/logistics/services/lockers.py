"""A locker slot emptied by staff: the copy of a hold that ended uncollected, locked in its
slot until now, is passed on from the locker like any copy that is nobody's: to the next
hold (a hold waiting at this locker gets a slot) or home."""

from __future__ import annotations

from django.db import transaction

from libcity.catalogue.models import ItemStatus
from libcity.holds.models import LockerSlot
from libcity.holds.services import locker_slot_release
from libcity.logistics.services.dispatch import Dispatch, copy_dispatch
from libcity.staff.selectors import Actor


def locker_slot_empty(*, slot: LockerSlot, actor: Actor) -> Dispatch | None:
    """Staff took the copy out of ``slot`` (to be emptied): the slot is free, first for the
    holds waiting for one here, and the copy goes where ``copy_dispatch`` says, from the
    locker. None when the copy had already left (scanned back at a desk meanwhile)."""
    with transaction.atomic():
        copy = locker_slot_release(slot=slot, actor=actor)
        if (
            copy is None
            or copy.status != ItemStatus.ON_HOLD_SHELF
            or copy.location_id != slot.unit_id
        ):
            return None
        return copy_dispatch(item=copy, unit=slot.unit, actor=actor)
