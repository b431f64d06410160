"""Lending lockers: a slot and a pickup code when a hold is ready there, the door opened with
the code (a loan), wrong codes and the lockout, expiry into a slot to empty, holds waiting
for a free slot, and a return into a locker."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

import pytest
import time_machine

from libcity.catalogue.models import ItemStatus
from libcity.circulation.models import Loan, LoanStatus, Notice
from libcity.circulation.services import loan_checkin
from libcity.circulation.tests.test_concurrency import race
from libcity.holds.exceptions import (
    LockerCodeInvalid,
    LockerCodeNotRenewed,
    LockerLockedOut,
    LockerSlotInUse,
    NotALocker,
)
from libcity.holds.models import HoldStatus, LockerHistory, LockerSlot, SlotState
from libcity.holds.services import (
    Opened,
    hold_arrived,
    hold_cancel,
    hold_place,
    hold_trap,
    holds_expire,
    locker_code_renew,
    locker_open,
    locker_slots_set,
)
from libcity.holds.services.slots import code_hash
from libcity.holds.tests.conftest import THURSDAY
from libcity.network.models import UnitKind, UnitTier
from libcity.network.services import unit_create
from libcity.readers.models import BlockReason
from libcity.readers.services import reader_block

SENT: list[tuple[str, str, str]] = []


class Recorder:
    """A notice sender that remembers what it sent (card, subject, body)."""

    channel = "test"

    def send(self, reader, subject, body) -> bool:
        SENT.append((reader.card_number, subject, body))
        return True


@pytest.fixture(autouse=True)
def notices_recorded(settings):
    settings.LIBCITY_NOTICE_SENDER = "libcity.holds.tests.test_lockers.Recorder"
    SENT.clear()
    yield SENT


def make_locker(city, code="lk1", parent=None, slots=2):
    unit = unit_create(code=code, name_zh=f"{code}柜", name_en=f"{code} locker",
                       kind=UnitKind.LOCKER, tier=UnitTier.SERVICE_POINT,
                       parent=parent or city.b1, operator=city.system, latitude=23.125,
                       longitude=113.271, open_24h=True)  # fmt: skip
    locker_slots_set(unit=unit, count=slots, actor=None)
    return unit


@pytest.fixture
def locker(library):
    return make_locker(library.city)


def code_sent(reader) -> str:
    """The pickup code in the latest notice sent to ``reader``."""
    body = [b for card, _s, b in SENT if card == reader.card_number][-1]
    return re.search(r"(?<!\d)\d{6}(?!\d)", body).group(0)


def ready_in_locker(library, locker, lent, capture, barcode="LENT", reader=None):
    """A hold collected at ``locker``; its copy comes back there: ready in a slot."""
    copy = lent(barcode)
    reader = reader or library.reader()
    hold = hold_place(reader=reader, record=library.record, pickup_unit=locker, actor=None)
    with capture(execute=True):
        loan_checkin(item=copy, unit=locker, actor=None)
        hold_trap(item=copy, unit=locker, actor=None)
    hold.refresh_from_db()
    return hold, copy, reader


def test_a_locker_has_numbered_slots_set_by_staff(library, locker):
    assert list(LockerSlot.objects.filter(unit=locker).values_list("number", "state")) == [
        (1, "free"), (2, "free")]  # fmt: skip
    locker_slots_set(unit=locker, count=4, actor=None)
    locker_slots_set(unit=locker, count=3, actor=None)
    assert list(LockerSlot.objects.filter(unit=locker).values_list("number", flat=True)) == [
        1, 2, 3]  # fmt: skip
    with pytest.raises(NotALocker):
        locker_slots_set(unit=library.city.b1, count=3, actor=None)


def test_occupied_slots_cannot_be_taken_away(
    library, locker, lent, django_capture_on_commit_callbacks
):
    locker_slots_set(unit=locker, count=1, actor=None)
    ready_in_locker(library, locker, lent, django_capture_on_commit_callbacks)
    with pytest.raises(LockerSlotInUse):
        locker_slots_set(unit=locker, count=0, actor=None)
    assert LockerSlot.objects.filter(unit=locker).count() == 1


def test_a_copy_arriving_at_a_locker_gets_a_slot_and_the_reader_a_code(
    library, locker, lent, django_capture_on_commit_callbacks
):
    copy = lent("LENT")
    reader = library.reader()
    hold = hold_place(reader=reader, record=library.record, pickup_unit=locker, actor=None)
    loan_checkin(item=copy, unit=library.city.b2, actor=None)
    hold_trap(item=copy, unit=library.city.b2, actor=None)  # in transit to the locker
    with django_capture_on_commit_callbacks(execute=True):
        hold_arrived(item=copy, unit=locker, actor=None)
    hold.refresh_from_db()
    slot = LockerSlot.objects.get(hold=hold)
    assert hold.status == HoldStatus.READY and (slot.number, slot.state) == (1, "occupied")
    code = code_sent(reader)
    assert slot.code_hash == code_hash(locker.pk, code) and code not in slot.code_hash
    _card, _subject, body = SENT[-1]
    assert "lk1柜" in body and "1 号格口" in body and code in body
    kept = Notice.objects.get(reader=reader, kind=f"hold_ready:{hold.pk}")
    assert code not in kept.body and "******" in kept.body  # the code is sent, never kept
    assert not LockerHistory.objects.filter(details__icontains=code).exists()


def test_the_code_opens_the_door_and_lends_the_copy(
    library, locker, lent, django_capture_on_commit_callbacks
):
    hold, copy, reader = ready_in_locker(library, locker, lent, django_capture_on_commit_callbacks)
    opened = locker_open(unit=locker, code=code_sent(reader), actor=None)
    assert opened.slot == 1 and opened.loan.reader == reader
    assert opened.loan.status == LoanStatus.ON_LOAN and opened.loan.issued_at_unit == locker
    hold.refresh_from_db()
    copy.refresh_from_db()
    assert hold.status == HoldStatus.COLLECTED and hold.loan == opened.loan
    assert copy.status == ItemStatus.ON_LOAN
    slot = LockerSlot.objects.get(unit=locker, number=1)
    assert (slot.state, slot.hold, slot.code_hash) == (SlotState.FREE, None, "")
    with pytest.raises(LockerCodeInvalid):  # once only
        locker_open(unit=locker, code=code_sent(reader), actor=None)


def test_a_wrong_code_or_another_lockers_code_changes_nothing(
    library, locker, lent, django_capture_on_commit_callbacks
):
    other = make_locker(library.city, code="lk2")
    hold, copy, reader = ready_in_locker(library, locker, lent, django_capture_on_commit_callbacks)
    code = code_sent(reader)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for attempt in (wrong, "12ab56", "", "1234567"):
        with pytest.raises(LockerCodeInvalid):
            locker_open(unit=locker, code=attempt, actor=None)
    with pytest.raises(LockerCodeInvalid):
        locker_open(unit=other, code=code, actor=None)
    hold.refresh_from_db()
    copy.refresh_from_db()
    assert hold.status == HoldStatus.READY and copy.status == ItemStatus.ON_HOLD_SHELF
    assert LockerSlot.objects.get(hold=hold).state == SlotState.OCCUPIED
    assert LockerHistory.objects.filter(unit=locker, action="locker_code_wrong").count() == 4


def test_ten_wrong_codes_in_ten_minutes_lock_the_locker_for_a_while(
    library, locker, lent, django_capture_on_commit_callbacks
):
    hold, _copy, reader = ready_in_locker(library, locker, lent, django_capture_on_commit_callbacks)
    code = code_sent(reader)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _n in range(10):
        with pytest.raises(LockerCodeInvalid):
            locker_open(unit=locker, code=wrong, actor=None)
    with pytest.raises(LockerLockedOut):
        locker_open(unit=locker, code=code, actor=None)  # even the right code, for now
    assert LockerSlot.objects.get(hold=hold).state == SlotState.OCCUPIED
    with time_machine.travel(THURSDAY + dt.timedelta(minutes=11), tick=False):
        assert locker_open(unit=locker, code=code, actor=None).loan.reader == reader


def test_a_new_code_is_sent_once_a_day_and_the_old_one_opens_nothing(
    library, locker, lent, django_capture_on_commit_callbacks
):
    hold, _copy, reader = ready_in_locker(library, locker, lent, django_capture_on_commit_callbacks)
    first = code_sent(reader)
    with django_capture_on_commit_callbacks(execute=True):
        assert locker_code_renew(hold=hold, actor=None) == 1
    second = code_sent(reader)
    kept = Notice.objects.get(reader=reader, kind=f"hold_code:{hold.pk}")
    assert second not in kept.body and "******" in kept.body
    with pytest.raises(LockerCodeNotRenewed):  # once a day: never a code without its notice
        locker_code_renew(hold=hold, actor=None)
    if first != second:
        with pytest.raises(LockerCodeInvalid):
            locker_open(unit=locker, code=first, actor=None)
    assert locker_open(unit=locker, code=second, actor=None).loan.reader == reader
    with pytest.raises(LockerCodeNotRenewed):  # collected: no slot any more
        locker_code_renew(hold=hold, actor=None)


def test_a_blocked_reader_is_refused_and_the_door_stays_shut(
    library, locker, lent, django_capture_on_commit_callbacks
):
    hold, copy, reader = ready_in_locker(library, locker, lent, django_capture_on_commit_callbacks)
    reader_block(reader=reader, reason=BlockReason.MANUAL, actor=None)
    with pytest.raises(Exception) as refused:
        locker_open(unit=locker, code=code_sent(reader), actor=None)
    assert refused.value.code == "reader_blocked"
    hold.refresh_from_db()
    copy.refresh_from_db()
    assert hold.status == HoldStatus.READY and copy.status == ItemStatus.ON_HOLD_SHELF
    slot = LockerSlot.objects.get(hold=hold)
    assert slot.state == SlotState.OCCUPIED and slot.code_hash


def test_an_uncollected_slot_is_to_empty_and_its_copy_is_not_freed(
    library, locker, lent, django_capture_on_commit_callbacks
):
    hold, copy, reader = ready_in_locker(library, locker, lent, django_capture_on_commit_callbacks)
    code = code_sent(reader)
    with time_machine.travel(THURSDAY + dt.timedelta(days=8), tick=False):
        report = holds_expire()
        assert report.shelf_expired == 1 and report.freed == []  # locked in: nobody passes it on
        with pytest.raises(LockerCodeInvalid):  # the expired hold's code opens nothing
            locker_open(unit=locker, code=code, actor=None)
    hold.refresh_from_db()
    copy.refresh_from_db()
    slot = LockerSlot.objects.get(unit=locker, number=1)
    assert hold.status == HoldStatus.EXPIRED
    assert (slot.state, slot.hold_id, slot.code_hash) == (SlotState.TO_EMPTY, hold.pk, "")
    assert (copy.status, copy.location) == (ItemStatus.ON_HOLD_SHELF, locker)


def test_a_cancelled_hold_in_a_slot_leaves_it_to_empty(
    library, locker, lent, django_capture_on_commit_callbacks
):
    hold, _copy, _r = ready_in_locker(library, locker, lent, django_capture_on_commit_callbacks)
    assert hold_cancel(hold=hold, actor=None) is None  # not freed: locked in its slot
    assert LockerSlot.objects.get(unit=locker, number=1).state == SlotState.TO_EMPTY


def test_with_every_slot_in_use_a_hold_waits_ready_and_does_not_expire(
    library, locker, lent, django_capture_on_commit_callbacks
):
    locker_slots_set(unit=locker, count=0, actor=None)
    hold, _copy, reader = ready_in_locker(library, locker, lent, django_capture_on_commit_callbacks)
    assert hold.status == HoldStatus.READY and not LockerSlot.objects.filter(hold=hold).exists()
    body = SENT[-1][2]
    assert "格口已满" in body and not re.search(r"(?<!\d)\d{6}(?!\d)", body)
    with time_machine.travel(THURSDAY + dt.timedelta(days=9), tick=False):
        assert holds_expire().shelf_expired == 0
        with django_capture_on_commit_callbacks(execute=True):
            assert locker_slots_set(unit=locker, count=1, actor=None) == 1  # staff add a slot
    hold.refresh_from_db()
    assert LockerSlot.objects.get(unit=locker).hold == hold
    assert hold.shelf_until == dt.date(2026, 3, 21)  # a full shelf time from the slot on
    assert Notice.objects.filter(reader=reader, kind=f"hold_locker:{hold.pk}").exists()
    assert locker_open(unit=locker, code=code_sent(reader), actor=None).loan.reader == reader


@pytest.mark.django_db(transaction=True)
def test_two_opens_with_the_same_code_at_once_make_exactly_one_loan(library, locker, lent):
    """A double press, two controllers: each thread has its own connection."""
    for round_ in range(3):
        copy = lent(f"RACE{round_}")
        reader = library.reader()
        hold = hold_place(reader=reader, record=library.record, pickup_unit=locker, actor=None)
        loan_checkin(item=copy, unit=locker, actor=None)
        hold_trap(item=copy, unit=locker, actor=None)  # autocommit: the notice goes at once
        code = code_sent(reader)
        results = race([lambda code=code: locker_open(unit=locker, code=code, actor=None)] * 2)
        outcomes = Counter("opened" if isinstance(r, Opened) else r for r in results)
        assert outcomes == {"opened": 1, "locker_code_invalid": 1}
        assert Loan.objects.filter(item=copy, reader=reader).count() == 1
        hold.refresh_from_db()
        assert hold.status == HoldStatus.COLLECTED
        assert not LockerSlot.objects.filter(state=SlotState.OCCUPIED).exists()
