"""Self-service over HTTP: a gate asks whether a card may come in; a kiosk registers a
reader. Who may ask: the machine at its own unit, staff with the permission there."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from libcity.api.tests.test_circulation import bearer
from libcity.conftest import valid_resident_id
from libcity.network.models import UnitKind, UnitTier
from libcity.network.services import unit_create
from libcity.readers.models import Reader
from libcity.selfservice.models import UnitVisit
from libcity.selfservice.services import terminal_create
from libcity.staff.models import Role

pytestmark = pytest.mark.django_db
NIGHT = dt.datetime(2026, 11, 25, 22, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture
def room(tiny_city):
    return unit_create(
        code="sr1", name_zh="sr1城市书房", name_en="sr1 study room",
        kind=UnitKind.STUDY_ROOM_24H, tier=UnitTier.SERVICE_POINT, parent=tiny_city.b1,
        operator=tiny_city.system, latitude=23.126, longitude=113.271, open_24h=True,
    )  # fmt: skip


def machine(login, unit, kind="kiosk"):
    return terminal_create(login=login, unit=unit, actor=None, kind=kind)[0].user


def gate(client, unit_code, card, user=None, **headers):
    auth = bearer(user) if user is not None else {}
    return client.post(f"/api/v1/gates/{unit_code}/entry", {"card": card},
                       content_type="application/json", **auth, **headers)  # fmt: skip


def test_the_gate_lets_a_reader_in_at_night(client: Client, room, make_reader, tiny_city):
    reader = make_reader(tiny_city.b1, name="张小三")
    user = machine("gate1", room, "gate")
    with time_machine.travel(NIGHT, tick=False):
        answer = gate(client, "sr1", reader.card_number, user, HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 200, answer.content
    assert answer.json() == {"allowed": True, "reason": None, "message": "Welcome, 张*三."}
    assert UnitVisit.objects.get(unit=room).entries == 1


def test_a_refusal_is_an_answer(client: Client, room, tiny_city, make_reader):
    user = machine("gate1", room, "gate")
    reader = make_reader(tiny_city.b1)
    with time_machine.travel(NIGHT, tick=False):
        unknown = gate(client, "sr1", "12345", user, HTTP_ACCEPT_LANGUAGE="en")
        closed = gate(client, "b1", reader.card_number, machine("gate-b1", tiny_city.b1, "gate"))
    assert unknown.status_code == 200
    assert unknown.json()["allowed"] is False and unknown.json()["reason"] == "card_unknown"
    assert unknown.json()["message"].startswith("This card is not known")
    assert closed.status_code == 200 and closed.json()["reason"] == "unit_closed"
    assert closed.json()["message"] != unknown.json()["message"]


def test_without_a_token_it_is_401(client: Client, room):
    answer = gate(client, "sr1", "12345")
    assert answer.status_code == 401 and answer.json()["code"] == "not_authenticated"
    assert answer["Content-Type"] == "application/problem+json"
    assert not UnitVisit.objects.exists()


def test_a_machine_at_another_unit_is_refused(client: Client, room, tiny_city):
    for user in (machine("gate2", tiny_city.b2, "gate"), machine("k-b1", tiny_city.b1)):
        answer = gate(client, "sr1", "12345", user)
        assert answer.status_code == 404, answer.content
        assert answer.json()["code"] == "not_found_or_not_allowed"
    assert not UnitVisit.objects.exists()


def test_an_unknown_unit_reads_like_a_forbidden_one(client: Client, room):
    answer = gate(client, "nowhere", "12345", machine("gate1", room, "gate"))
    assert answer.status_code == 404 and answer.json()["code"] == "not_found_or_not_allowed"


def test_staff_with_scope_may_ask_and_staff_without_may_not(client, room, make_staff, tiny_city):
    desk = make_staff("desk-b1", Role.DESK, tiny_city.b1)
    with time_machine.travel(NIGHT, tick=False):
        assert gate(client, "sr1", "1", desk).json()["reason"] == "card_unknown"
    cataloguer = make_staff("cat", Role.CATALOGUER, tiny_city.central)
    assert gate(client, "sr1", "1", cataloguer).status_code == 404
    elsewhere = make_staff("desk-b2", Role.DESK, tiny_city.b2)
    assert gate(client, "sr1", "1", elsewhere).status_code == 404


def test_an_empty_card_is_invalid(client: Client, room):
    answer = gate(client, "sr1", "", machine("gate1", room, "gate"))
    assert answer.status_code == 422 and answer.json()["code"] == "invalid_input"


# --- kiosk registration -------------------------------------------------------------------


def kiosk_register(client, user, resident_id, headers=None, **extra):
    body = {"name": "王小明", "resident_id": resident_id, **extra}
    return client.post("/api/v1/kiosk/readers", body, content_type="application/json",
                       **bearer(user), **(headers or {}))  # fmt: skip


def test_a_kiosk_registers_a_reader_at_its_unit(client: Client, tiny_city):
    kiosk = machine("K1", tiny_city.b1)
    answer = kiosk_register(client, kiosk, valid_resident_id(), phone="13800138000")
    assert answer.status_code == 201, answer.content
    body = answer.json()
    reader = Reader.objects.get()
    assert body == {"card_number": reader.card_number, "name": "王小明", "home_unit": "b1",
                    "expires_on": reader.expires_on.isoformat()}  # fmt: skip
    assert reader.registered_via == "kiosk" and reader.category.code == "adult"


def test_a_wrong_check_digit_is_422_with_its_code(client: Client, tiny_city):
    number = valid_resident_id()
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    answer = kiosk_register(client, machine("K1", tiny_city.b1), wrong)
    assert answer.status_code == 422 and answer.json()["code"] == "invalid_resident_id"


def test_a_person_with_a_card_is_409(client: Client, tiny_city):
    kiosk = machine("K1", tiny_city.b1)
    number = valid_resident_id()
    assert kiosk_register(client, kiosk, number).status_code == 201
    again = kiosk_register(client, machine("K2", tiny_city.b2), number)
    assert again.status_code == 409 and again.json()["code"] == "reader_already_registered"
    assert again["Content-Type"] == "application/problem+json"
    assert Reader.objects.count() == 1


def test_a_child_is_refused_with_a_clear_message(client: Client, tiny_city):
    child = valid_resident_id(dt.date.today() - dt.timedelta(days=365 * 9))
    answer = kiosk_register(client, machine("K1", tiny_city.b1), child,
                            headers={"HTTP_ACCEPT_LANGUAGE": "en"})  # fmt: skip
    assert answer.status_code == 422 and answer.json()["code"] == "guardian_required"
    assert "library desk" in answer.json()["detail"]
    assert not Reader.objects.exists()


def test_a_kiosk_cannot_register_at_another_unit(client: Client, tiny_city):
    answer = kiosk_register(client, machine("K1", tiny_city.b1), valid_resident_id(),
                            unit_code="b2")  # fmt: skip
    assert answer.status_code == 404 and not Reader.objects.exists()


def test_staff_register_at_a_unit_in_scope(client: Client, tiny_city, make_staff):
    desk = make_staff("desk-b1", Role.DESK, tiny_city.b1)
    made = kiosk_register(client, desk, valid_resident_id(), unit_code="b1")
    assert made.status_code == 201 and made.json()["home_unit"] == "b1"
    assert kiosk_register(client, desk, valid_resident_id(), unit_code="b2").status_code == 404
    assert kiosk_register(client, desk, valid_resident_id()).status_code == 404


def test_registration_without_a_token_is_401(client: Client, tiny_city):
    answer = client.post("/api/v1/kiosk/readers", {"name": "王", "resident_id": "1"},
                         content_type="application/json")  # fmt: skip
    assert answer.status_code == 401


def test_the_endpoints_are_in_the_openapi_schema(client: Client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/gates/{unit_code}/entry" in paths and "/api/v1/kiosk/readers" in paths
