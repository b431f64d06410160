"""A copy meets its hold: trapped at a return, arriving, collected, expiring."""

import datetime as dt

import pytest
import time_machine

from libcity.catalogue.models import ItemStatus
from libcity.circulation.models import LoanStatus, Notice
from libcity.circulation.notices import notices_kept_only
from libcity.circulation.services import loan_checkin
from libcity.holds.exceptions import HoldNotAllowed, OnHoldForAnother
from libcity.holds.models import HoldStatus
from libcity.holds.services import (
    hold_arrived,
    hold_collect,
    hold_place,
    hold_trap,
    holds_expire,
)
from libcity.holds.tests.conftest import THURSDAY


def place(library, pickup, reader=None, **extra):
    return hold_place(reader=reader or library.reader(), record=library.record,
                      pickup_unit=pickup, actor=None, **extra)  # fmt: skip


def returned(copy, unit):
    """The copy comes back at ``unit`` and is offered to the holds (as the desk does)."""
    loan_checkin(item=copy, unit=unit, actor=None)
    return hold_trap(item=copy, unit=unit, actor=None)


def test_a_copy_returned_at_the_pickup_point_goes_on_the_hold_shelf(
    library, lent, django_capture_on_commit_callbacks
):
    copy = lent("LENT")
    reader = library.reader()
    hold = place(library, library.city.b1, reader=reader)
    with django_capture_on_commit_callbacks(execute=True):
        placement = returned(copy, library.city.b1)
    assert placement.shelf_here and placement.hold.pk == hold.pk
    hold.refresh_from_db()
    copy.refresh_from_db()
    assert hold.status == HoldStatus.READY and hold.copy == copy
    assert hold.shelf_until == dt.date(2026, 3, 12)  # seven days
    assert (copy.status, copy.location) == (ItemStatus.ON_HOLD_SHELF, library.city.b1)
    assert Notice.objects.filter(reader=reader, kind=f"hold_ready:{hold.pk}").exists()


def test_a_notice_goes_through_the_sender_in_force_at_the_move_not_at_the_commit(
    library, lent, django_capture_on_commit_callbacks, capsys
):
    """The demo build moves holds under ``notices_kept_only`` and commits later: its made-up
    readers are still told nothing."""
    copy = lent("LENT")
    reader = library.reader()
    hold = place(library, library.city.b1, reader=reader)
    with django_capture_on_commit_callbacks(execute=True), notices_kept_only():
        returned(copy, library.city.b1)
    notice = Notice.objects.get(reader=reader, kind=f"hold_ready:{hold.pk}")
    assert notice.channel == "kept"
    assert "[notice to" not in capsys.readouterr().out


def test_a_copy_returned_elsewhere_travels_then_waits_at_the_pickup_point(library, lent):
    copy = lent("LENT")
    hold = place(library, library.city.b2)
    placement = returned(copy, library.city.b1)
    assert not placement.shelf_here and placement.destination == library.city.b2
    hold.refresh_from_db()
    assert hold.status == HoldStatus.IN_TRANSIT
    copy.refresh_from_db()
    # on its way: logistics sends it; here it arrives
    arrived = hold_arrived(item=copy, unit=library.city.b2, actor=None)
    assert arrived.shelf_here
    hold.refresh_from_db()
    copy.refresh_from_db()
    assert hold.status == HoldStatus.READY
    assert (copy.status, copy.location) == (ItemStatus.ON_HOLD_SHELF, library.city.b2)


def test_a_copy_arriving_at_the_wrong_unit_is_told_where_to_go(library, lent):
    copy = lent("LENT")
    hold = place(library, library.city.b2)
    returned(copy, library.city.b1)
    placement = hold_arrived(item=copy, unit=library.city.d1, actor=None)
    assert not placement.shelf_here and placement.destination == library.city.b2
    hold.refresh_from_db()
    assert hold.status == HoldStatus.IN_TRANSIT


def test_no_hold_no_trap(library, lent):
    copy = lent("LENT")
    assert returned(copy, library.city.b1) is None


def test_first_come_first_served_at_a_return(library, lent):
    copy = lent("LENT")
    far = place(library, library.city.b2)
    near = place(library, library.city.b1)
    placement = returned(copy, library.city.b1)
    assert placement.hold.pk == far.pk and not placement.shelf_here
    near.refresh_from_db()
    assert near.status == HoldStatus.PLACED


def test_local_readers_first_when_the_policy_says_so(library, lent, settings):
    settings.LIBCITY_HOLD_POLICY = {"queue_order": "local_first"}
    copy = lent("LENT")
    place(library, library.city.b2)
    near = place(library, library.city.b1)
    placement = returned(copy, library.city.b1)
    assert placement.hold.pk == near.pk and placement.shelf_here


def test_the_reader_collects_the_copy_as_a_loan(library, lent):
    copy = lent("LENT")
    reader = library.reader()
    hold = place(library, library.city.b1, reader=reader)
    returned(copy, library.city.b1)
    loan = hold_collect(item=copy, reader=reader, unit=library.city.b1, actor=None)
    assert loan.status == LoanStatus.ON_LOAN and loan.reader == reader
    hold.refresh_from_db()
    copy.refresh_from_db()
    assert hold.status == HoldStatus.COLLECTED and hold.loan == loan
    assert copy.status == ItemStatus.ON_LOAN


def test_only_the_holds_reader_may_collect(library, lent):
    copy = lent("LENT")
    place(library, library.city.b1)
    returned(copy, library.city.b1)
    with pytest.raises(OnHoldForAnother):
        hold_collect(item=copy, reader=library.reader(), unit=library.city.b1, actor=None)
    copy.refresh_from_db()
    assert copy.status == ItemStatus.ON_HOLD_SHELF  # nothing changed


def test_collecting_at_another_unit_is_refused(library, lent):
    copy = lent("LENT")
    reader = library.reader()
    place(library, library.city.b1, reader=reader)
    returned(copy, library.city.b1)
    with pytest.raises(HoldNotAllowed):
        hold_collect(item=copy, reader=reader, unit=library.city.b2, actor=None)


def test_an_uncollected_copy_expires_and_is_freed(library, lent):
    copy = lent("LENT")
    hold = place(library, library.city.b1)
    returned(copy, library.city.b1)
    with time_machine.travel(THURSDAY + dt.timedelta(days=7), tick=False):
        assert holds_expire().shelf_expired == 0  # the last day on the shelf
    with time_machine.travel(THURSDAY + dt.timedelta(days=8), tick=False):
        report = holds_expire()
    assert report.shelf_expired == 1
    assert [(f.item.pk, f.unit.pk) for f in report.freed] == [(copy.pk, library.city.b1.pk)]
    hold.refresh_from_db()
    assert hold.status == HoldStatus.EXPIRED


def test_a_freed_copy_goes_to_the_next_reader_here(library, lent):
    copy = lent("LENT")
    place(library, library.city.b1)
    second = place(library, library.city.b1)
    returned(copy, library.city.b1)
    with time_machine.travel(THURSDAY + dt.timedelta(days=8), tick=False):
        freed = holds_expire().freed[0]
        placement = hold_trap(item=freed.item, unit=freed.unit, actor=None)
    assert placement.hold.pk == second.pk and placement.shelf_here
    second.refresh_from_db()
    assert second.status == HoldStatus.READY and second.shelf_until == dt.date(2026, 3, 20)


def test_a_hold_not_needed_after_a_date_expires_unserved(library, lent):
    lent("LENT")
    hold = place(library, library.city.b1, not_needed_after=dt.date(2026, 3, 10))
    with time_machine.travel(THURSDAY + dt.timedelta(days=6), tick=False):
        assert holds_expire().not_needed == 1
    hold.refresh_from_db()
    assert hold.status == HoldStatus.EXPIRED
