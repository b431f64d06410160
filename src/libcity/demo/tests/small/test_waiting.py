"""The demo city's day of holds and logistics (``demo.waiting``), on the small city built once
for the package: every hold, copy and transit agrees with the others, as the services would
have left them, and the demo reader has something to collect."""

from __future__ import annotations

from collections import Counter

import pytest

from libcity.catalogue.models import Item, ItemStatus
from libcity.holds.models import Hold, HoldStatus
from libcity.logistics.models import OPEN, DeliveryOrder, DeliveryStatus, Transit, VanRun
from libcity.readers.models import Reader

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _city(small_city):
    return small_city


def test_holds_stand_in_every_step_of_the_day():
    by_status = Counter(Hold.objects.values_list("status", flat=True))
    for status in (HoldStatus.PLACED, HoldStatus.TARGETED, HoldStatus.IN_TRANSIT,
                   HoldStatus.READY):  # fmt: skip
        assert by_status[status] > 0, by_status
    assert sum(by_status.values()) >= 100  # one reader in twenty of the 2,000


def test_a_copy_on_a_hold_shelf_waits_at_its_holds_pickup_point():
    ready = Hold.objects.filter(status=HoldStatus.READY).select_related("copy")
    for hold in ready:
        assert hold.copy.status == ItemStatus.ON_HOLD_SHELF
        assert hold.copy.location_id == hold.pickup_unit_id
        assert hold.shelf_until is not None
    on_shelves = Item.objects.filter(status=ItemStatus.ON_HOLD_SHELF).count()
    assert on_shelves == ready.count()


def test_every_copy_on_the_road_travels_for_its_hold():
    travelling = Hold.objects.filter(status=HoldStatus.IN_TRANSIT).select_related("copy")
    transits = {t.item_id: t for t in Transit.objects.filter(status__in=OPEN)}
    assert len(transits) == travelling.count()
    for hold in travelling:
        transit = transits[hold.copy_id]
        assert (transit.hold_id, transit.to_unit_id) == (hold.pk, hold.pickup_unit_id)
        assert hold.copy.status == ItemStatus.IN_TRANSIT
    assert {t.status for t in transits.values()} == {"created", "shipped"}


def test_a_chosen_copy_still_on_its_shelf_is_on_a_pick_list():
    for hold in Hold.objects.filter(status=HoldStatus.TARGETED).select_related("copy"):
        assert hold.copy.status == ItemStatus.AVAILABLE


def test_the_demo_reader_has_a_hold_to_collect():
    reader = Reader.objects.get(user__username="reader")
    statuses = set(Hold.objects.filter(reader=reader).values_list("status", flat=True))
    assert HoldStatus.READY in statuses


def test_home_deliveries_and_van_runs_are_there_to_see():
    orders = Counter(DeliveryOrder.objects.values_list("status", flat=True))
    assert orders[DeliveryStatus.REQUESTED] >= 1 and orders[DeliveryStatus.PICKED] == 1
    assert VanRun.objects.exists()


def test_the_build_prints_no_notice(small_city):
    assert "[notice to" not in small_city.out + small_city.err
    assert "holds:" in small_city.out
