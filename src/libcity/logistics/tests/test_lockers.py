"""A locker slot to empty: the copy of an uncollected hold stays locked in (the daily work
does not dispatch it) until staff empty the slot; then it goes to the next hold or home, and
a hold waiting for a slot takes the freed one."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from libcity.catalogue.data import RecordData
from libcity.catalogue.models import ItemStatus
from libcity.catalogue.services import item_add, record_create
from libcity.circulation.models import Notice
from libcity.circulation.services import loan_checkin, loan_checkout
from libcity.holds.exceptions import LockerCodeInvalid, LockerSlotInUse
from libcity.holds.models import HoldStatus, LockerSlot, SlotState
from libcity.holds.services import (
    hold_cancel,
    hold_place,
    hold_trap,
    holds_expire,
    locker_open,
    locker_slots_set,
)
from libcity.holds.tests.conftest import THURSDAY
from libcity.holds.tests.test_lockers import (  # noqa: F401 - the fixture, asked for by name
    code_sent,
    make_locker,
    notices_recorded,
    ready_in_locker,
)
from libcity.logistics.models import Transit
from libcity.logistics.services import locker_slot_empty, logistics_daily


@pytest.fixture
def locker(library):
    return make_locker(library.city)


def test_an_uncollected_slot_is_to_empty_and_its_copy_stays_locked_in(
    library, locker, lent, django_capture_on_commit_callbacks
):
    hold, copy, reader = ready_in_locker(library, locker, lent, django_capture_on_commit_callbacks)
    code = code_sent(reader)
    later = hold_place(reader=library.reader(home=library.city.b2), record=library.record,
                       pickup_unit=library.city.b2, actor=None)  # fmt: skip
    with time_machine.travel(THURSDAY + dt.timedelta(days=8), tick=False):
        report = logistics_daily()
        assert any("1 uncollected" in line for line in report.lines())
        hold.refresh_from_db()
        copy.refresh_from_db()
        slot = LockerSlot.objects.get(unit=locker, number=1)
        assert hold.status == HoldStatus.EXPIRED
        assert (slot.state, slot.hold_id, slot.code_hash) == (SlotState.TO_EMPTY, hold.pk, "")
        assert (copy.status, copy.location) == (ItemStatus.ON_HOLD_SHELF, locker)
        assert not Transit.objects.filter(item=copy).exists()  # not dispatched
        with pytest.raises(LockerCodeInvalid):  # the expired code opens nothing
            locker_open(unit=locker, code=code, actor=None)
        sent = locker_slot_empty(slot=slot, actor=None)
    assert sent.action == "transit" and sent.destination == library.city.b2
    assert sent.hold.pk == later.pk
    slot.refresh_from_db()
    assert slot.state == SlotState.FREE and slot.hold is None


def test_an_emptied_copy_with_nobody_waiting_goes_home(
    library, locker, lent, django_capture_on_commit_callbacks
):
    hold, _copy, _r = ready_in_locker(library, locker, lent, django_capture_on_commit_callbacks)
    hold_cancel(hold=hold, actor=None)
    slot = LockerSlot.objects.get(unit=locker, number=1)
    assert slot.state == SlotState.TO_EMPTY  # a cancelled hold's copy is locked in too
    sent = locker_slot_empty(slot=slot, actor=None)
    assert sent.action == "transit" and sent.destination == library.city.b1  # above the locker
    assert sent.reason == "no_shelves_here"
    with pytest.raises(LockerSlotInUse):
        locker_slot_empty(slot=slot, actor=None)


def test_with_every_slot_in_use_a_hold_waits_and_gets_the_next_emptied_slot(
    library, locker, lent, django_capture_on_commit_callbacks
):
    locker_slots_set(unit=locker, count=1, actor=None)
    first, _copy, _r = ready_in_locker(library, locker, lent, django_capture_on_commit_callbacks)
    other = record_create(data=RecordData(title="羊城晚报", authors=["李四"], year=2001))
    copy2 = item_add(record=other, barcode="LENT2", owner=library.city.b1, status="available")
    loan_checkout(item=copy2, reader=library.reader(), unit=library.city.b1, actor=None)
    reader2 = library.reader()
    waiting = hold_place(reader=reader2, record=other, pickup_unit=locker, actor=None)
    with django_capture_on_commit_callbacks(execute=True):
        loan_checkin(item=copy2, unit=locker, actor=None)
        hold_trap(item=copy2, unit=locker, actor=None)
    waiting.refresh_from_db()
    assert waiting.status == HoldStatus.READY
    assert not LockerSlot.objects.filter(hold=waiting).exists()
    with time_machine.travel(THURSDAY + dt.timedelta(days=9), tick=False):
        holds_expire()
        waiting.refresh_from_db()
        assert waiting.status == HoldStatus.READY  # no slot yet: it does not expire
        slot = LockerSlot.objects.get(hold=first)
        with django_capture_on_commit_callbacks(execute=True):
            locker_slot_empty(slot=slot, actor=None)
    slot.refresh_from_db()
    waiting.refresh_from_db()
    assert slot.hold == waiting and slot.state == SlotState.OCCUPIED
    assert waiting.shelf_until == dt.date(2026, 3, 14) + dt.timedelta(days=7)
    assert Notice.objects.filter(reader=reader2, kind=f"hold_locker:{waiting.pk}").exists()
    assert locker_open(unit=locker, code=code_sent(reader2), actor=None).loan.reader == reader2
