"""The drift group pages (漂流): the list and a group's page with its chart and map-like plot,
in scope only; and the partner operator's desk, which offers their micro-branch alone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from libcity.catalogue.data import RecordData
from libcity.catalogue.services import drift_group_create, item_add, item_drift_set, record_create
from libcity.circulation.services import loan_checkout
from libcity.conftest import valid_resident_id
from libcity.network.models import UnitKind, UnitTier
from libcity.network.services import unit_create
from libcity.readers.models import ReaderCategory
from libcity.readers.services import reader_register
from libcity.staff.models import Role

pytestmark = pytest.mark.django_db
THURSDAY = dt.datetime(2026, 3, 5, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def traveller():
    with time_machine.travel(THURSDAY, tick=False) as travelling:
        yield travelling


@pytest.fixture
def group(tiny_city, traveller):
    """A group of r1 and b2 with two copies, one lent at r1 and passed through b2."""
    city = tiny_city
    made = drift_group_create(code="river", name_zh="江边漂流", name_en="Riverside drift",
                              units=[city.r1, city.b2])  # fmt: skip
    record = record_create(data=RecordData(title="图说中国节", authors=["王娟"], year=2007))
    reader = reader_register(
        name="读者",
        resident_id=valid_resident_id(),
        home_unit=city.b1,
        actor=None,
        category=ReaderCategory.objects.get(code="adult"),
    )
    for barcode in ("DP001", "DP002"):
        copy = item_add(record=record, barcode=barcode, owner=city.r1, status="available")
        item_drift_set(item=copy, group=made)
    loan_checkout(item=copy, reader=reader, unit=city.r1, actor=None)
    traveller.shift(dt.timedelta(days=3))
    return made


def _client(make_staff, username, role, unit) -> Client:
    client = Client()
    client.force_login(make_staff(username, role, unit))
    return client


def test_the_list_and_a_groups_page_with_its_chart_and_plot(group, make_staff, tiny_city):
    client = _client(make_staff, "mgr2", Role.BRANCH_MANAGER, tiny_city.d2)
    listing = client.get("/staff/drift/").content.decode()
    assert "江边漂流" in listing and f"/staff/drift/{group.pk}/" in listing
    page = client.get(f"/staff/drift/{group.pk}/").content.decode()
    assert 'id="drift-map"' in page and 'id="drift-chart"' in page
    assert page.count("<circle") == 2 and "DP001" in page and "DP002" in page
    assert 'id="drift-copy-DP002"' in page and "3.0" in page  # three days outside


def test_groups_outside_the_scope_are_neither_listed_nor_shown(group, make_staff, tiny_city):
    drift_group_create(code="hill", name_zh="山顶漂流", units=[tiny_city.b1])
    client = Client()
    client.force_login(make_staff("desk-b1", Role.DESK, tiny_city.b1, include_descendants=False))
    listing = client.get("/staff/drift/").content.decode()
    assert "山顶漂流" in listing and "江边漂流" not in listing
    assert client.get(f"/staff/drift/{group.pk}/").status_code == 404


def test_readers_are_not_shown_the_staff_pages(group, tiny_city):
    client = Client()
    assert client.get("/staff/drift/").status_code == 302  # to sign in


def test_the_partner_operators_desk_offers_only_their_micro_branch(make_staff, tiny_city):
    micro = unit_create(code="m1", name_zh="某公司微分馆", kind=UnitKind.MICRO_BRANCH,
                        tier=UnitTier.SERVICE_POINT, parent=tiny_city.b1,
                        operator=tiny_city.system, latitude=23.13, longitude=113.28)  # fmt: skip
    client = _client(make_staff, "partner", Role.PARTNER_OPERATOR, micro)
    page = client.get("/staff/desk/").content.decode()
    assert "某公司微分馆" in page and "b1馆" not in page
    refused = client.post("/staff/desk/", {"action": "unit", "unit": "b1"}, follow=True)
    assert client.session.get("desk_unit") == "m1"
    assert refused.status_code == 200


def test_every_copy_shows_its_travels_on_the_staff_record_page(group, make_staff, tiny_city):
    """Not only drift groups: any copy's hands, km and days outside, on its record's page."""
    from libcity.catalogue.models import Item

    client = _client(make_staff, "cat", Role.CATALOGUER, tiny_city.r1)
    record = Item.objects.get(barcode="DP002").record
    page = client.get(f"/staff/records/{record.pk}/").content.decode()
    rows = page[page.index('id="copies"') :]
    lent, idle = rows[rows.index("DP002") :], rows[rows.index("DP001") : rows.index("DP002")]
    assert "经 1 位读者 · 0.0 km · 馆外 3 天" in lent[: lent.index("</tr>")]
    assert "经 0 位读者 · 0.0 km · 馆外 0 天" in idle  # 1 hand · 0.0 km · 3 days outside


def test_staff_make_a_group_and_change_it_on_the_pages(group, make_staff, tiny_city):
    """Who changes the network makes a group from unit codes, adds and takes out units,
    sets a copy drifting and calls it home; bad input is refused in words, changing nothing."""
    from libcity.catalogue.models import DriftGroup, Item

    client = _client(make_staff, "mgr-city", Role.BRANCH_MANAGER, tiny_city.central)
    made = client.post("/staff/drift/", {"code": "park", "name_zh": "公园漂流", "name_en": "Park",
                                         "is_public": "on", "units": "b2, r1"})  # fmt: skip
    park = DriftGroup.objects.get(code="park")
    assert made.status_code == 302 and made["Location"] == f"/staff/drift/{park.pk}/"
    assert sorted(park.units.values_list("code", flat=True)) == ["b2", "r1"]
    east = _client(make_staff, "mgr-d2", Role.BRANCH_MANAGER, tiny_city.d2)
    refused = east.post("/staff/drift/", {"code": "far", "name_zh": "远方", "units": "b2 b1"})
    assert refused.status_code == 200 and not DriftGroup.objects.filter(code="far").exists()
    unknown = client.post("/staff/drift/", {"code": "odd", "name_zh": "无", "units": "nowhere"})
    assert unknown.status_code == 200 and not DriftGroup.objects.filter(code="odd").exists()
    page = f"/staff/drift/{park.pk}/"
    client.post(page, {"action": "remove_unit", "value": "r1"})
    assert list(park.units.values_list("code", flat=True)) == ["b2"]
    Item.objects.filter(barcode="DP001").update(drift_group=None)
    client.post(page, {"action": "add_copy", "value": "DP001"})
    assert Item.objects.get(barcode="DP001").drift_group == park
    client.post(page, {"action": "call_home", "value": "DP002"})  # not this group's copy
    assert Item.objects.get(barcode="DP002").drift_group == group
    client.post(page, {"action": "call_home", "value": "DP001"})
    assert Item.objects.get(barcode="DP001").drift_group is None
    assert client.get(page).status_code == 200
