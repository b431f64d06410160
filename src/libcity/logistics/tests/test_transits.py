"""Transits and the one answer to "where does this copy go now"."""

import datetime as dt

import pytest
import time_machine

from libcity.catalogue.models import ItemStatus
from libcity.circulation.services import RuleData, loan_checkin, rule_save
from libcity.holds.models import HoldStatus
from libcity.holds.services import hold_cancel, hold_place, holds_target
from libcity.holds.tests.conftest import THURSDAY
from libcity.logistics.exceptions import TransitNotFound, TransitTransitionNotAllowed
from libcity.logistics.models import Transit, TransitHistory, TransitReason, TransitStatus
from libcity.logistics.selectors import (
    pick_list,
    transits_overdue,
    transits_to_receive,
    transits_to_send,
)
from libcity.logistics.services import (
    HOLD_SHELF,
    SHELVE,
    TRANSIT,
    copy_dispatch,
    copy_pick,
    logistics_daily,
    transit_move,
    transit_receive,
    transits_pack,
    transits_ship,
)


def place(library, pickup, reader=None, **extra):
    return hold_place(reader=reader or library.reader(), record=library.record,
                      pickup_unit=pickup, actor=None, **extra)  # fmt: skip


def back(copy, unit):
    """A return as the desk runs it: the loan ends, then the copy is dispatched."""
    checkin = loan_checkin(item=copy, unit=unit, actor=None)
    return copy_dispatch(item=copy, unit=unit, actor=None, route=checkin.route)


def refreshed(*rows):
    for row in rows:
        row.refresh_from_db()
    return rows


def test_a_return_with_no_hold_stays_on_the_shelf(library, lent):
    copy = lent("LENT")
    answer = back(copy, library.city.b2)  # the default rule: returned anywhere, stays there
    assert (answer.action, answer.destination, answer.reason) == (
        SHELVE,
        library.city.b2,
        "returned_anywhere",
    )
    (copy,) = refreshed(copy)
    assert (copy.status, copy.location) == (ItemStatus.AVAILABLE, library.city.b2)
    assert not Transit.objects.exists()


def test_a_copy_that_must_go_home_travels_with_a_transit(library, lent):
    copy = lent("AV01", item_type="audio_visual")  # owned by b1, goes back to its owner
    answer = back(copy, library.city.b2)
    assert (answer.action, answer.destination) == (TRANSIT, library.city.b1)
    transit = answer.transit
    assert (transit.from_unit, transit.to_unit, transit.reason, transit.status) == (
        library.city.b2,
        library.city.b1,
        TransitReason.RETURN,
        TransitStatus.CREATED,
    )
    assert transit.due_on == dt.date(2026, 3, 8)
    assert list(transits_to_send(library.city.b2)) == [transit]
    assert list(transits_to_receive(library.city.b1)) == [transit]
    assert transits_pack(transits=[transit], actor=None) == 1
    assert transits_ship(transits=[transit], actor=None) == 1
    arrival = transit_receive(item=copy, unit=library.city.b1, actor=None)
    assert (arrival.action, arrival.reason) == (SHELVE, "arrived")
    transit, copy = refreshed(transit, copy)
    assert transit.status == TransitStatus.RECEIVED and transit.received_at_unit == library.city.b1
    assert (copy.status, copy.location) == (ItemStatus.AVAILABLE, library.city.b1)
    steps = list(TransitHistory.objects.filter(transit=transit).values_list("to_status", flat=True))
    assert steps == ["created", "packed", "shipped", "received"]


def test_a_returned_copy_goes_to_a_waiting_hold_instead_of_home(library, lent):
    copy = lent("AV01", item_type="audio_visual")
    hold = place(library, library.city.b2)
    answer = back(copy, library.city.b2)
    assert (answer.action, answer.reason, answer.hold.pk) == (HOLD_SHELF, "hold_here", hold.pk)
    (copy,) = refreshed(copy)
    assert copy.status == ItemStatus.ON_HOLD_SHELF and not Transit.objects.exists()


def test_the_hold_journey_return_elsewhere_transit_receive_ready(library, lent):
    copy = lent("LENT")
    hold = place(library, library.city.b2)
    answer = back(copy, library.city.r1)
    assert (answer.action, answer.destination, answer.reason) == (
        TRANSIT,
        library.city.b2,
        "hold_elsewhere",
    )
    assert answer.transit.hold.pk == hold.pk and answer.transit.reason == TransitReason.HOLD
    arrival = transit_receive(item=copy, unit=library.city.b2, actor=None)
    assert arrival.action == HOLD_SHELF
    hold, copy = refreshed(hold, copy)
    assert hold.status == HoldStatus.READY and copy.status == ItemStatus.ON_HOLD_SHELF


def test_a_copy_received_at_the_wrong_unit_is_sent_on(library, lent):
    copy = lent("LENT")
    place(library, library.city.b2)
    back(copy, library.city.r1)
    arrival = transit_receive(item=copy, unit=library.city.d1, actor=None)
    assert (arrival.action, arrival.destination) == (TRANSIT, library.city.b2)
    assert Transit.objects.filter(status=TransitStatus.RECEIVED).count() == 1
    assert Transit.objects.get(status=TransitStatus.CREATED).from_unit == library.city.d1


def test_a_copy_whose_hold_was_cancelled_on_the_way_goes_to_the_rules(library, lent):
    copy = lent("LENT")
    hold = place(library, library.city.b2)
    back(copy, library.city.r1)
    hold_cancel(hold=hold, actor=None)
    arrival = transit_receive(item=copy, unit=library.city.b2, actor=None)
    assert arrival.action == SHELVE  # returned anywhere: it may stay where it arrived
    (copy,) = refreshed(copy)
    assert copy.status == ItemStatus.AVAILABLE


def test_receiving_a_copy_not_in_transit_is_refused(library):
    copy = library.copy("HERE")
    with pytest.raises(TransitNotFound):
        transit_receive(item=copy, unit=library.city.b1, actor=None)


def test_a_received_transit_cannot_be_shipped(library, lent):
    copy = lent("AV01", item_type="audio_visual")
    transit = back(copy, library.city.b2).transit
    transit_receive(item=copy, unit=library.city.b1, actor=None)
    transit.refresh_from_db()
    with pytest.raises(TransitTransitionNotAllowed):
        transit_move(transit, TransitStatus.SHIPPED, unit=None, actor=None)


def test_the_pick_list_and_picking_a_copy(library):
    city = library.city
    copy = library.copy("PICK", owner=city.b1)
    hold = place(library, city.b2)
    holds_target()
    assert [h.copy.barcode for h in pick_list(city.b1)] == ["PICK"]
    answer = copy_pick(item=copy, unit=city.b1, actor=None)
    assert (answer.action, answer.destination, answer.hold.pk) == (TRANSIT, city.b2, hold.pk)
    assert not pick_list(city.b1).exists()
    with pytest.raises(TransitNotFound):
        copy_pick(item=library.copy("NOTP", owner=city.b1), unit=city.b1, actor=None)


def test_a_copy_picked_at_its_pickup_point_goes_straight_on_the_hold_shelf(library):
    copy = library.copy("PICK", owner=library.city.b2)
    hold = place(library, library.city.b2)
    holds_target()
    answer = copy_pick(item=copy, unit=library.city.b2, actor=None)
    assert answer.action == HOLD_SHELF
    (hold,) = refreshed(hold)
    assert hold.status == HoldStatus.READY


def test_overdue_transits_are_flagged(library, lent):
    copy = lent("AV01", item_type="audio_visual")
    transit = back(copy, library.city.b2).transit
    assert not transits_overdue(dt.date(2026, 3, 8)).exists()
    assert list(transits_overdue(dt.date(2026, 3, 9))) == [transit]
    assert list(transits_overdue(dt.date(2026, 3, 9), unit=library.city.b1)) == [transit]


def test_the_daily_work_passes_expired_copies_on_and_targets(library, lent):
    copy = lent("LENT")
    place(library, library.city.b1)
    second = place(library, library.city.b2)
    back(copy, library.city.b1)
    with time_machine.travel(THURSDAY + dt.timedelta(days=8), tick=False):
        report = logistics_daily()
    assert report.lines()[0].startswith("holds expired: 1")
    second.refresh_from_db()
    assert second.status == HoldStatus.IN_TRANSIT
    assert Transit.objects.get(hold=second).to_unit == library.city.b2


def test_the_lending_units_rule_can_send_every_copy_home(library, lent):
    from libcity.circulation.models import ReturnTo

    rule_save(data=RuleData(name="b1 home", unit=library.city.b1, return_to=ReturnTo.OWNER),
              actor=None)  # fmt: skip
    copy = lent("LENT")
    answer = back(copy, library.city.b2)
    assert (answer.action, answer.destination, answer.reason) == (
        TRANSIT,
        library.city.b1,
        "owner_only",
    )


def test_the_worker_runs_the_holds_daily_work(library, lent):
    import io

    from django.core.management import call_command

    copy = lent("LENT")
    place(library, library.city.b1)
    back(copy, library.city.b1)
    out = io.StringIO()
    call_command("worker", once=True, day="2026-03-13", stdout=out)
    assert "holds expired: 1 uncollected" in out.getvalue()
    assert "transits overdue: 0" in out.getvalue()
