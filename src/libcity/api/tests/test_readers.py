"""Staff reader endpoints: scope by home unit, clear errors, nothing changed on refusal."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from libcity.conftest import valid_resident_id
from libcity.readers.models import Card, Reader, ReaderBlock, ReaderHistory
from libcity.staff.models import Role
from libcity.staff.services import api_token_create

pytestmark = pytest.mark.django_db


def bearer(user) -> dict:
    _token, raw = api_token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def snapshot() -> tuple:
    return (
        list(Reader.objects.order_by("pk").values()),
        list(Card.objects.order_by("pk").values()),
        ReaderBlock.objects.count(),
        ReaderHistory.objects.count(),
    )


@pytest.fixture
def people(tiny_city, make_reader, make_staff):
    return {
        "at_b1": make_reader(tiny_city.b1, name="张三"),
        "at_r1": make_reader(tiny_city.r1, name="李四"),
        "at_b2": make_reader(tiny_city.b2, name="王五"),
        "at_d1": make_reader(tiny_city.d1, name="赵六"),
        "desk_b1": make_staff("desk-b1", Role.DESK, tiny_city.b1),
        "desk_central": make_staff("desk-c", Role.DESK, tiny_city.central, False),
        "admin": make_staff("admin-x", Role.NETWORK_ADMIN, tiny_city.central),
        "cataloguer": make_staff("cat", Role.CATALOGUER, tiny_city.central),
    }


# (staff, reader) -> may read. The desk at b1 covers b1 and r1 below it; nothing else.
MATRIX = [
    ("desk_b1", "at_b1", True),
    ("desk_b1", "at_r1", True),
    ("desk_b1", "at_b2", False),
    ("desk_b1", "at_d1", False),
    ("desk_central", "at_b1", False),
    ("admin", "at_b2", True),
    ("admin", "at_r1", True),
    ("cataloguer", "at_b1", False),
]


@pytest.mark.parametrize(("staff", "reader", "allowed"), MATRIX)
def test_read_matrix(client: Client, people, staff, reader, allowed):
    card = people[reader].card_number
    response = client.get(f"/api/v1/readers/{card}", **bearer(people[staff]))
    assert response.status_code == (200 if allowed else 404)
    if allowed:
        assert response.json()["name"] == people[reader].name
    else:
        assert response.json()["code"] == "not_found_or_not_allowed"


@pytest.mark.parametrize(("staff", "reader", "allowed"), MATRIX)
def test_block_matrix_changes_nothing_when_denied(client: Client, people, staff, reader, allowed):
    card = people[reader].card_number
    before = snapshot()
    response = client.post(
        f"/api/v1/readers/{card}/blocks",
        {"reason": "manual", "note": "x"},
        content_type="application/json",
        **bearer(people[staff]),
    )
    assert response.status_code == (201 if allowed else 404)
    if not allowed:
        assert snapshot() == before


@pytest.mark.parametrize(
    ("staff", "home", "allowed"),
    [
        ("desk_b1", "b1", True),
        ("desk_b1", "r1", True),
        ("desk_b1", "b2", False),
        ("desk_central", "central", True),
        ("desk_central", "d1", False),
        ("admin", "b2", True),
    ],
)
def test_register_matrix(client: Client, people, staff, home, allowed):
    before = snapshot()
    response = client.post(
        "/api/v1/readers",
        {
            "name": "新读者",
            "resident_id": valid_resident_id(),
            "category": "adult",
            "home_unit": home,
        },
        content_type="application/json",
        **bearer(people[staff]),
    )
    assert response.status_code == (201 if allowed else 404)
    if allowed:
        assert response.json()["home_unit"] == home
    else:
        assert snapshot() == before


def test_listing_shows_only_readers_in_scope(client: Client, people):
    body = client.get("/api/v1/readers", **bearer(people["desk_b1"])).json()
    assert sorted(r["name"] for r in body["results"]) == ["张三", "李四"]
    assert body["count"] == 2


def test_listing_searches(client: Client, people):
    body = client.get("/api/v1/readers?q=王", **bearer(people["admin"])).json()
    assert [r["name"] for r in body["results"]] == ["王五"]


def test_invalid_resident_id_is_refused_clearly(client: Client, people):
    number = valid_resident_id()
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    before = snapshot()
    response = client.post(
        "/api/v1/readers",
        {
            "name": "错号",
            "resident_id": wrong,
            "home_unit": "b1",
        },
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
        **bearer(people["desk_b1"]),
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_resident_id"
    assert "check digit" in response.json()["detail"]
    assert snapshot() == before


def test_duplicate_person_is_refused_clearly(client: Client, people):
    number = valid_resident_id()
    payload = {"name": "甲", "resident_id": number, "home_unit": "b1"}
    first = client.post(
        "/api/v1/readers", payload, content_type="application/json", **bearer(people["desk_b1"])
    )
    assert first.status_code == 201
    before = snapshot()
    again = client.post(
        "/api/v1/readers", payload, content_type="application/json", **bearer(people["admin"])
    )
    assert again.status_code == 409
    assert again.json()["code"] == "reader_already_registered"
    assert snapshot() == before


def test_unknown_home_unit_is_refused(client: Client, people):
    response = client.post(
        "/api/v1/readers",
        {
            "name": "甲",
            "resident_id": valid_resident_id(),
            "home_unit": "atlantis",
        },
        content_type="application/json",
        **bearer(people["admin"]),
    )
    assert response.status_code == 404


def test_reader_output_never_carries_the_resident_id(client: Client, people):
    number = valid_resident_id()
    response = client.post(
        "/api/v1/readers",
        {
            "name": "隐私",
            "resident_id": number,
            "home_unit": "b1",
        },
        content_type="application/json",
        **bearer(people["desk_b1"]),
    )
    assert number not in response.content.decode()
    assert response.json()["id_last4"] == number[-4:]


def test_card_replacement_blocks_the_old_number(client: Client, people):
    old = people["at_b1"].card_number
    response = client.post(
        f"/api/v1/readers/{old}/card-replacement?unit=b1", **bearer(people["desk_b1"])
    )
    assert response.status_code == 200
    new = response.json()["card_number"]
    assert new != old
    assert client.get(f"/api/v1/readers/{new}", **bearer(people["desk_b1"])).status_code == 200
    assert client.get(f"/api/v1/readers/{old}", **bearer(people["desk_b1"])).status_code != 200


def test_online_self_registration_creates_a_login(client: Client, tiny_city):
    response = client.post(
        "/api/v1/registrations",
        {
            "name": "网上",
            "resident_id": valid_resident_id(),
            "home_unit": "d1",
            "username": "online-reader",
            "password": "a-Long-pass-2026",
        },
        content_type="application/json",
    )
    assert response.status_code == 201
    user = get_user_model().objects.get(username="online-reader")
    assert user.reader.card_number == response.json()["card_number"]
    assert response.json()["keeps_reading_history"] is False


def test_staff_endpoints_need_credentials(client: Client, people):
    assert client.get("/api/v1/readers").status_code == 401


def test_api_errors_are_chinese_unless_the_client_asks_otherwise(client: Client, people):
    payload = {"name": "错号", "resident_id": "12345", "home_unit": "b1"}
    chinese = client.post(
        "/api/v1/readers", payload, content_type="application/json", **bearer(people["desk_b1"])
    )
    assert "18" in chinese.json()["detail"] and "位" in chinese.json()["detail"]
    english = client.post(
        "/api/v1/readers",
        payload,
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9",
        **bearer(people["desk_b1"]),
    )
    assert english.json()["detail"] == "A resident ID has 18 characters."


def test_a_locker_cannot_be_a_home_library(client: Client, tiny_city):
    from libcity.network.models import UnitKind, UnitTier
    from libcity.network.services import unit_create

    unit_create(
        code="locker1",
        name_zh="自助柜",
        kind=UnitKind.LOCKER,
        tier=UnitTier.SERVICE_POINT,
        parent=tiny_city.b1,
        operator=tiny_city.system,
        latitude=23.1,
        longitude=113.3,
        open_24h=True,
    )
    before = snapshot()
    response = client.post(
        "/api/v1/registrations",
        {
            "name": "柜",
            "resident_id": valid_resident_id(),
            "home_unit": "locker1",
            "username": "locker-reader",
            "password": "a-Long-pass-2026",
        },
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 422
    assert "does not keep reader cards" in response.json()["detail"]
    assert snapshot() == before
    assert not get_user_model().objects.filter(username="locker-reader").exists()
