"""Placing and cancelling holds: every check, and what a hold keeps of its reader."""

import datetime as dt

import pytest

from libcity.circulation.exceptions import ReaderBlocked
from libcity.circulation.services import loan_checkout
from libcity.holds.exceptions import (
    HoldExists,
    HoldLimitReached,
    HoldNotAllowed,
    InvalidPickup,
)
from libcity.holds.models import Hold, HoldHistory, HoldStatus
from libcity.holds.services import hold_cancel, hold_place
from libcity.network.models import UnitKind, UnitTier
from libcity.network.services import unit_create
from libcity.readers.services import reader_block, reader_set_consent


def test_a_hold_waits_in_the_queue_with_its_history(library, lent):
    lent("C001")
    reader = library.reader()
    hold = hold_place(reader=reader, record=library.record, pickup_unit=library.city.b2,
                      actor=None)  # fmt: skip
    assert hold.status == HoldStatus.PLACED
    assert hold.reader_category == "adult" and hold.reader_home_unit == reader.home_unit
    row = HoldHistory.objects.get(hold=hold)
    assert (row.action, row.to_status, row.details["pickup"]) == ("hold_placed", "placed", "b2")


def test_a_unit_that_keeps_no_holds_is_refused_as_pickup(library):
    library.copy("C001")
    van = unit_create(code="van1", name_zh="流动车", kind=UnitKind.VAN_STOP,
                      tier=UnitTier.SERVICE_POINT, parent=library.city.b1,
                      operator=library.city.system, latitude=23.1, longitude=113.3)  # fmt: skip
    with pytest.raises(InvalidPickup):
        hold_place(reader=library.reader(), record=library.record, pickup_unit=van, actor=None)
    assert not Hold.objects.exists()


def test_one_active_hold_per_reader_and_title(library, lent):
    lent("C001")
    reader = library.reader()
    hold_place(reader=reader, record=library.record, pickup_unit=library.city.b1, actor=None)
    with pytest.raises(HoldExists):
        hold_place(reader=reader, record=library.record, pickup_unit=library.city.b2, actor=None)
    assert Hold.objects.count() == 1


def test_the_hold_limit(library, lent, settings):
    settings.LIBCITY_HOLD_POLICY = {"max_active_holds": 1}
    from libcity.catalogue.data import RecordData
    from libcity.catalogue.services import item_add, record_create

    other = record_create(data=RecordData(title="岭南文化", authors=["张三"], year=2010))
    lent_other = item_add(record=other, barcode="O001", owner=library.city.b1, status="available")
    loan_checkout(item=lent_other, reader=library.reader(), unit=library.city.b1, actor=None)
    lent("C001")
    reader = library.reader()
    hold_place(reader=reader, record=library.record, pickup_unit=library.city.b1, actor=None)
    with pytest.raises(HoldLimitReached) as refused:
        hold_place(reader=reader, record=other, pickup_unit=library.city.b1, actor=None)
    assert refused.value.details["limit"] == 1


def test_a_blocked_reader_may_not_place_holds(library):
    library.copy("C001")
    reader = library.reader()
    reader_block(reader=reader, reason="manual", note="test", actor=None)
    with pytest.raises(ReaderBlocked):
        hold_place(reader=reader, record=library.record, pickup_unit=library.city.b1, actor=None)


def test_no_hold_on_a_title_the_reader_has_on_loan(library):
    copy = library.copy("C001")
    reader = library.reader()
    loan_checkout(item=copy, reader=reader, unit=library.city.b1, actor=None)
    with pytest.raises(HoldNotAllowed):
        hold_place(reader=reader, record=library.record, pickup_unit=library.city.b1, actor=None)


def test_no_hold_when_no_copy_could_be_lent(library):
    library.copy("R001", item_type="reference")
    library.copy("W001", status="withdrawn")
    with pytest.raises(HoldNotAllowed):
        hold_place(reader=library.reader(), record=library.record,
                   pickup_unit=library.city.b1, actor=None)  # fmt: skip


def test_a_copy_hold_names_a_copy_of_the_title(library):
    from libcity.catalogue.data import RecordData
    from libcity.catalogue.services import item_add, record_create

    other = record_create(data=RecordData(title="岭南文化", authors=["张三"], year=2010))
    stranger = item_add(record=other, barcode="O001", owner=library.city.b1, status="available")
    with pytest.raises(HoldNotAllowed):
        hold_place(reader=library.reader(), record=library.record, item=stranger,
                   pickup_unit=library.city.b1, actor=None)  # fmt: skip


def test_a_date_in_the_past_is_refused(library, lent):
    lent("C001")
    with pytest.raises(HoldNotAllowed):
        hold_place(reader=library.reader(), record=library.record, pickup_unit=library.city.b1,
                   actor=None, not_needed_after=dt.date(2026, 3, 1))  # fmt: skip


def test_cancelling_ends_the_hold_and_forgets_the_reader_without_consent(library, lent):
    lent("C001")
    reader = library.reader()
    hold = hold_place(reader=reader, record=library.record, pickup_unit=library.city.b1,
                      actor=None)  # fmt: skip
    assert hold_cancel(hold=hold, actor=None, reason="changed my mind") is None
    hold.refresh_from_db()
    assert hold.status == HoldStatus.CANCELLED and hold.ended_at is not None
    assert hold.reader is None  # the reader keeps no reading history
    assert hold.reader_category == "adult"  # what statistics need stays


def test_an_ended_hold_keeps_its_reader_with_consent(library, lent):
    lent("C001")
    reader = library.reader()
    reader_set_consent(reader=reader, keeps_reading_history=True, actor=None)
    hold = hold_place(reader=reader, record=library.record, pickup_unit=library.city.b1,
                      actor=None)  # fmt: skip
    hold_cancel(hold=hold, actor=None)
    hold.refresh_from_db()
    assert hold.reader == reader


def test_a_cancelled_hold_cannot_be_cancelled_again(library, lent):
    from libcity.holds.exceptions import HoldTransitionNotAllowed

    lent("C001")
    hold = hold_place(reader=library.reader(), record=library.record,
                      pickup_unit=library.city.b1, actor=None)  # fmt: skip
    hold_cancel(hold=hold, actor=None)
    with pytest.raises(HoldTransitionNotAllowed):
        hold_cancel(hold=hold, actor=None)
