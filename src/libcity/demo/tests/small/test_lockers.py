"""The demo city's lending lockers: every locker has its slots, and a hold ready at a locker
sits in one of them (its code was only "sent" to a made-up reader, and kept masked)."""

from __future__ import annotations

import pytest

from libcity.circulation.models import Notice
from libcity.demo.build import LOCKER_SLOTS
from libcity.holds.models import Hold, HoldStatus, LockerSlot, SlotState
from libcity.network.models import Unit, UnitKind

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _city(small_city):
    return small_city


def test_every_locker_has_its_slots():
    lockers = Unit.objects.filter(kind=UnitKind.LOCKER)
    assert lockers.exists()
    for locker in lockers:
        assert LockerSlot.objects.filter(unit=locker).count() == LOCKER_SLOTS


def test_a_hold_ready_at_a_locker_is_in_a_slot_and_its_code_is_not_kept():
    ready = Hold.objects.filter(status=HoldStatus.READY, pickup_unit__kind=UnitKind.LOCKER)
    for hold in ready:
        slot = LockerSlot.objects.get(hold=hold)
        assert slot.state == SlotState.OCCUPIED and len(slot.code_hash) == 64
        notice = Notice.objects.filter(kind=f"hold_ready:{hold.pk}").first()
        assert notice is None or "******" in notice.body
    occupied = LockerSlot.objects.filter(state=SlotState.OCCUPIED).count()
    assert occupied == ready.count()
