"""Holds and transits over HTTP: a reader's own holds, staff at the counter, receiving."""

import pytest
from django.test import Client

from libcity.api.tests.test_circulation import bearer, post
from libcity.catalogue.data import RecordData
from libcity.catalogue.services import item_add, record_create
from libcity.conftest import valid_resident_id
from libcity.holds.models import Hold, HoldStatus
from libcity.holds.tests.conftest import on_a_thursday  # noqa: F401 - every library opens
from libcity.readers.services import reader_self_register
from libcity.staff.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(tiny_city, make_staff):
    record = record_create(data=RecordData(title="岭南文化", authors=["张三"], year=2010))
    copy = item_add(record=record, barcode="L0001", owner=tiny_city.b1, status="available",
                    item_type="foreign")  # fmt: skip
    reader = reader_self_register(name="读者", resident_id=valid_resident_id(),
                                  home_unit=tiny_city.b2, username="reader1",
                                  password="a-long-password-9")  # fmt: skip
    return {
        "record": record, "copy": copy, "reader": reader,
        "b1": make_staff("desk1", Role.DESK, tiny_city.b1),
        "b2": make_staff("desk2", Role.DESK, tiny_city.b2),
    }  # fmt: skip


def signed_in(client: Client, user) -> Client:
    client.force_login(user)
    return client


def test_a_reader_places_sees_and_cancels_their_hold(city, django_capture_on_commit_callbacks):
    client = Client(enforce_csrf_checks=False)
    signed_in(client, city["reader"].user)
    with django_capture_on_commit_callbacks(execute=True):  # the copy is chosen after commit
        made = client.post("/api/v1/holds", {"record_id": city["record"].pk,
                                             "pickup_unit": "b2"},
                           content_type="application/json")  # fmt: skip
    assert made.status_code == 201, made.content
    hold = made.json()
    assert hold["pickup_unit"] == "b2" and hold["title"] == "岭南文化"
    listed = client.get("/api/v1/holds").json()
    assert [h["id"] for h in listed] == [hold["id"]]
    assert listed[0]["status"] == "targeted" and listed[0]["copy_barcode"] == "L0001"
    cancelled = client.post(f"/api/v1/holds/{hold['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"


def test_another_readers_hold_is_not_found(city, tiny_city, make_reader):
    client = Client()
    hold = Hold.objects.create(
        reader=make_reader(tiny_city.b1), reader_category="adult",
        reader_home_unit=tiny_city.b1, record=city["record"], pickup_unit=tiny_city.b1,
        status=HoldStatus.PLACED, placed_at="2026-03-05T10:00:00+08:00",
    )  # fmt: skip
    signed_in(client, city["reader"].user)
    refused = client.post(f"/api/v1/holds/{hold.pk}/cancel")
    assert refused.status_code == 404 and refused.json()["code"] == "hold_not_found"


def test_staff_place_a_hold_for_the_reader_at_their_counter_only(client, city):
    body = {"record_id": city["record"].pk, "pickup_unit": "b2",
            "card_number": city["reader"].card_number}  # fmt: skip
    refused = post(client, "/api/v1/holds", body, city["b1"])  # desk1 works at b1
    assert refused.status_code == 404
    made = post(client, "/api/v1/holds", body, city["b2"])
    assert made.status_code == 201, made.content
    listed = client.get(f"/api/v1/holds?card={city['reader'].card_number}", **bearer(city["b2"]))
    assert [h["id"] for h in listed.json()] == [made.json()["id"]]


def test_hold_refusals_have_stable_codes(client, city):
    body = {"record_id": city["record"].pk, "pickup_unit": "b2",
            "card_number": city["reader"].card_number}  # fmt: skip
    assert post(client, "/api/v1/holds", body, city["b2"]).status_code == 201
    again = post(client, "/api/v1/holds", body, city["b2"])
    assert again.status_code == 409 and again.json()["code"] == "hold_exists"
    missing = post(client, "/api/v1/holds", {**body, "record_id": 999999}, city["b2"])
    assert missing.status_code == 404
    anonymous = Client().post("/api/v1/holds", body, content_type="application/json")
    assert anonymous.status_code == 401


def test_a_hold_journey_picked_shipped_received_ready(
    client, city, django_capture_on_commit_callbacks
):
    body = {"record_id": city["record"].pk, "pickup_unit": "b2",
            "card_number": city["reader"].card_number}  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        hold_id = post(client, "/api/v1/holds", body, city["b2"]).json()["id"]
    from libcity.desk.holds import desk_pick

    picked = desk_pick(item_barcode="L0001", unit_code="b1", actor=city["b1"])
    assert picked.action == "transit" and picked.transit is not None
    wrong = post(client, f"/api/v1/transits/{picked.transit.pk}/receive", {"unit": "b2"},
                 city["b1"])  # fmt: skip
    assert wrong.status_code == 404  # desk1 does not work at b2
    got = post(client, f"/api/v1/transits/{picked.transit.pk}/receive", {"unit": "b2"},
               city["b2"])  # fmt: skip
    assert got.status_code == 200, got.content
    answer = got.json()
    assert (answer["action"], answer["hold_id"], answer["item_barcode"]) == (
        "hold_shelf",
        hold_id,
        "L0001",
    )
    again = post(client, f"/api/v1/transits/{picked.transit.pk}/receive", {"unit": "b2"},
                 city["b2"])  # fmt: skip
    assert again.status_code == 404 and again.json()["code"] == "transit_not_found"
