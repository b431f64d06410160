"""Records are public; items are staff's, scoped by the unit that owns the copy."""

import pytest
from django.test import Client

from libcity.catalogue.data import RecordData
from libcity.catalogue.models import Item, ItemHistory
from libcity.catalogue.services import item_add, record_create
from libcity.staff.models import Role
from libcity.staff.services import api_token_create

pytestmark = pytest.mark.django_db


def bearer(user) -> dict:
    _token, raw = api_token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.fixture
def record(tiny_city):
    made = record_create(data=RecordData(title="图说中国节", authors=["王娟"], year=2007,
                                         isbns=["9787530216781"], clc="K892.1"))  # fmt: skip
    item_add(record=made, barcode="B0001", owner=tiny_city.b1, status="available")
    item_add(record=made, barcode="B0002", owner=tiny_city.b1, status="on_loan")
    item_add(record=made, barcode="B0003", owner=tiny_city.b2, status="available")
    return made


def test_a_record_with_availability_by_unit(client: Client, record):
    body = client.get(f"/api/v1/records/{record.pk}").json()
    assert body["title"] == "图说中国节" and body["isbn"] == "9787530216781"
    assert body["availability"] == [
        {"unit": "b1", "total": 2, "available": 1},
        {"unit": "b2", "total": 1, "available": 1},
    ]


def test_unknown_record_is_404_problem(client: Client, tiny_city):
    response = client.get("/api/v1/records/999999")
    assert response.status_code == 404 and response.json()["code"] == "record_not_found"


@pytest.mark.parametrize(
    ("role", "unit", "owner", "status"),
    [
        (Role.CATALOGUER, "d1", "b1", 201),
        (Role.CATALOGUER, "d1", "b2", 404),
        (Role.DESK, "b1", "b1", 404),
        (Role.NETWORK_ADMIN, "central", "b2", 201),
    ],
)
def test_adding_a_copy_is_scoped(client, tiny_city, make_staff, record, role, unit, owner,
                                 status):  # fmt: skip
    user = make_staff("someone", role, getattr(tiny_city, unit))
    before = Item.objects.count()
    response = client.post("/api/v1/items", {"record_id": record.pk, "barcode": "N0001",
                                             "owner": owner}, content_type="application/json",
                           **bearer(user))  # fmt: skip
    assert response.status_code == status
    assert Item.objects.count() == before + (1 if status == 201 else 0)


def test_a_taken_barcode_is_a_conflict(client, tiny_city, make_staff, record):
    user = make_staff("cat", Role.CATALOGUER, tiny_city.central)
    response = client.post("/api/v1/items", {"record_id": record.pk, "barcode": "B0001",
                                             "owner": "b1"}, content_type="application/json",
                           **bearer(user))  # fmt: skip
    assert response.status_code == 409 and response.json()["code"] == "barcode_taken"


def test_marking_a_copy_goes_through_the_state_machine(client, tiny_city, make_staff, record):
    user = make_staff("cat", Role.CATALOGUER, tiny_city.central)
    missing = client.post("/api/v1/items/B0001/status", {"status": "missing"},
                          content_type="application/json", **bearer(user))  # fmt: skip
    assert missing.json()["status"] == "missing"
    assert ItemHistory.objects.filter(item__barcode="B0001").last().to_status == "missing"
    loan = client.post("/api/v1/items/B0003/status", {"status": "on_loan"},
                       content_type="application/json", **bearer(user))  # fmt: skip
    assert loan.status_code == 422
    wrong = client.post("/api/v1/items/B0002/status", {"status": "withdrawn"},
                        content_type="application/json", **bearer(user))  # fmt: skip
    assert wrong.status_code == 409  # on loan cannot be withdrawn
    assert wrong.json()["code"] == "item_transition_not_allowed"


def test_items_are_not_public(client, record):
    assert client.get("/api/v1/items/B0001").status_code == 401


@pytest.fixture
def indexed(tiny_city, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        made = record_create(data=RecordData(title="图说中国节", authors=["王娟"], year=2007,
                                             isbns=["9787530216781"], clc="K892.1"))  # fmt: skip
        item_add(record=made, barcode="B0001", owner=tiny_city.b1, status="available")
        other = record_create(data=RecordData(title="Friendly fire", authors=["Lovano, Joe"],
                                              year=1999, language="eng"))  # fmt: skip
        item_add(record=other, barcode="B0009", owner=tiny_city.b2, status="on_loan")
    return made, other


@pytest.mark.parametrize("q", ["中国", "tushuo", "tszgj", "978-7-5302-1678-1", "author:王娟"])
def test_search_finds_by_chinese_pinyin_initials_isbn_and_field(client, indexed, q):
    body = client.get("/api/v1/records", {"q": q}).json()
    assert [r["title"] for r in body["results"]] == ["图说中国节"]
    assert body["results"][0]["availability"] == [{"unit": "b1", "total": 1, "available": 1}]


def test_search_facets_and_availability_filter(client, indexed):
    body = client.get("/api/v1/records").json()
    assert body["count"] == 2
    assert {f["value"] for f in body["facets"]["language"]} >= {"eng"}
    available = client.get("/api/v1/records", {"available_now": "true"}).json()
    assert [r["title"] for r in available["results"]] == ["图说中国节"]


def test_search_input_is_never_syntax(client, indexed):
    for q in ['"', "*", "NEAR(", "a:b:c", "x" * 500, "title:"]:
        assert client.get("/api/v1/records", {"q": q}).status_code == 200
    assert client.get("/api/v1/records", {"page_size": 1000}).status_code == 422
