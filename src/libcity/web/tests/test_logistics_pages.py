"""Staff pages of holds and logistics: the unit's hold shelf, pick list and transits, the van
runs and the rebalancing plans, each for the staff who may use them."""

from __future__ import annotations

import pytest
from django.test import Client

from libcity.catalogue.data import RecordData
from libcity.catalogue.services import item_add, record_create
from libcity.holds.models import HoldStatus
from libcity.holds.services import hold_place, holds_target
from libcity.holds.tests.conftest import on_a_thursday  # noqa: F401 - libraries open
from libcity.logistics.models import PlanStatus, RebalancePlan, Transit, TransitStatus, VanRun
from libcity.staff.models import Role

pytestmark = pytest.mark.django_db


def english(client: Client) -> Client:
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


@pytest.fixture
def held(tiny_city, make_reader):
    """A title with one copy at b1 chosen for a hold collected at b2."""
    record = record_create(data=RecordData(title="岭南文化", authors=["张三"], year=2010))
    copy = item_add(record=record, barcode="L0001", owner=tiny_city.b1, status="available")
    hold = hold_place(reader=make_reader(tiny_city.b2), record=record,
                      pickup_unit=tiny_city.b2, actor=None)  # fmt: skip
    holds_target()
    return copy, hold


def desk_at(client, make_staff, unit, username):
    english(client)
    client.force_login(make_staff(username, Role.DESK, unit))
    client.post("/staff/holds/", {"action": "unit", "unit": unit.code})
    return client


def test_the_hold_journey_through_the_staff_pages(tiny_city, make_staff, held):
    _copy, hold = held
    b1 = desk_at(Client(), make_staff, tiny_city.b1, "desk1")
    page = b1.get("/staff/holds/").content.decode()
    assert "L0001" in page[page.index('id="pick-list"') :]
    b1.post("/staff/holds/", {"action": "pick", "unit": "b1", "barcode": "L0001"})
    page = b1.get("/staff/holds/").content.decode()
    assert "Send in transit to b2 library" in page and "Nothing to pick." in page
    slips = b1.get("/staff/holds/slips/").content.decode()
    assert "L0001" in slips and "b2 library" in slips and "For a hold" in slips
    b1.post("/staff/holds/", {"action": "ship", "unit": "b1"})
    assert Transit.objects.get().status == TransitStatus.SHIPPED
    b2 = desk_at(Client(), make_staff, tiny_city.b2, "desk2")
    assert "L0001" in b2.get("/staff/holds/").content.decode().split('id="coming"')[1]
    b2.post("/staff/holds/", {"action": "receive", "unit": "b2", "barcode": "L0001"})
    page = b2.get("/staff/holds/").content.decode()
    assert "Onto the hold shelf" in page
    assert "L0001" in page[page.index('id="hold-shelf"') :]
    hold.refresh_from_db()
    assert hold.status == HoldStatus.READY


def test_a_refused_scan_is_shown_and_changes_nothing(tiny_city, make_staff, held):
    b2 = desk_at(Client(), make_staff, tiny_city.b2, "desk2")
    b2.post("/staff/holds/", {"action": "receive", "unit": "b2", "barcode": "L0001"})
    page = b2.get("/staff/holds/").content.decode()
    assert "This copy is not in transit" in page and "transit_not_found" in page
    b2.post("/staff/holds/", {"action": "pick", "unit": "b1", "barcode": "L0001"})
    assert not Transit.objects.exists()  # desk2 does not work at b1


def test_van_runs_are_planned_and_printed_by_logistics_staff(tiny_city, make_staff, held):
    client = english(Client())
    client.force_login(make_staff("desk", Role.DESK, tiny_city.central))
    assert client.get("/staff/vans/").status_code == 404  # a desk does not plan vans
    client.force_login(make_staff("vans", Role.LOGISTICS, tiny_city.central))
    b1 = desk_at(Client(), make_staff, tiny_city.b1, "desk1")
    b1.post("/staff/holds/", {"action": "pick", "unit": "b1", "barcode": "L0001"})
    done = client.post("/staff/vans/", {"day": "2026-03-05"}, follow=True)
    page = done.content.decode()
    assert "van runs for 2026-03-05" in page and "route-sheet" in page
    assert VanRun.objects.filter(day="2026-03-05").count() == 2  # d1 takes, d2 leaves


def test_a_rebalancing_plan_is_proposed_and_rejected(tiny_city, make_staff):
    client = english(Client())
    client.force_login(make_staff("vans", Role.LOGISTICS, tiny_city.central))
    made = client.post("/staff/rebalance/", follow=True)
    plan = RebalancePlan.objects.get()
    assert made.redirect_chain[-1][0] == f"/staff/rebalance/{plan.pk}/"
    assert "Nothing to move" in made.content.decode()
    listed = client.get("/staff/rebalance/").content.decode()
    assert f"/staff/rebalance/{plan.pk}/" in listed
    client.post(f"/staff/rebalance/{plan.pk}/", {"action": "reject"})
    plan.refresh_from_db()
    assert plan.status == PlanStatus.REJECTED
    again = client.post(f"/staff/rebalance/{plan.pk}/", {"action": "approve"}, follow=True)
    assert "decided already" in again.content.decode()
