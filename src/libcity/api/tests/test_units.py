import datetime as dt

import pytest
import time_machine
from django.test import Client

from libcity.network.models import NetworkHistory, Unit
from libcity.staff.models import Role
from libcity.staff.services import api_token_create

pytestmark = pytest.mark.django_db

# A Wednesday, 10:00 in Guangzhou.
WEDNESDAY_10 = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def bearer(user) -> dict:
    _token, raw = api_token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_units_are_public_with_names_kind_coordinates_and_open_now(client: Client, tiny_city):
    with time_machine.travel(WEDNESDAY_10, tick=False):
        body = client.get("/api/v1/units").json()
    assert body["count"] == 6
    first = body["results"][0]
    assert first == {
        "code": "central",
        "name_zh": "central馆",
        "name_en": "central library",
        "kind": "library",
        "tier": "central",
        "parent": None,
        "latitude": 23.1177,
        "longitude": 113.3249,
        "open_24h": False,
        "open_now": True,
    }
    assert {r["code"]: r["parent"] for r in body["results"]}["r1"] == "b1"


def test_open_now_follows_the_clock(client: Client, tiny_city):
    saturday = WEDNESDAY_10 + dt.timedelta(days=3)
    with time_machine.travel(saturday, tick=False):
        body = client.get("/api/v1/units").json()
    assert not any(r["open_now"] for r in body["results"])


def test_units_filter_by_subtree_and_kind(client: Client, tiny_city):
    codes = [r["code"] for r in client.get("/api/v1/units?within=d1").json()["results"]]
    assert codes == ["d1", "b1", "r1"]
    assert client.get("/api/v1/units?kind=locker").json()["count"] == 0


def test_unit_detail_has_timetable_and_next_opening(client: Client, tiny_city):
    friday_evening = WEDNESDAY_10 + dt.timedelta(days=2, hours=9)
    with time_machine.travel(friday_evening, tick=False):
        body = client.get("/api/v1/units/b1").json()
    assert body["open_now"] is False
    assert body["next_opening"].startswith("2026-11-30T09:00:00")  # Monday
    assert body["ancestors"] == ["central", "d1"]
    assert body["timetable"][0] == {
        "weekday": 0,
        "intervals": [{"opens": "09:00:00", "closes": "17:00:00"}],
    }


def test_unknown_unit_is_a_problem_json_404(client: Client, tiny_city):
    response = client.get("/api/v1/units/nowhere")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "unit_not_found"


def test_openapi_schema_and_docs_are_served(client: Client):
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/units" in schema["paths"]
    assert "/api/v1/readers" in schema["paths"]
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()


def test_moving_a_unit_under_its_own_descendant_is_refused_and_changes_nothing(
    client: Client, tiny_city, make_staff
):
    admin = make_staff("boss", Role.NETWORK_ADMIN, tiny_city.central)
    paths = dict(Unit.objects.values_list("code", "path"))
    history = NetworkHistory.objects.count()
    response = client.post(
        "/api/v1/units/d1/move", {"parent": "r1"}, content_type="application/json", **bearer(admin)
    )
    assert response.status_code == 422
    assert response.json()["code"] == "unit_move_cycle"
    assert dict(Unit.objects.values_list("code", "path")) == paths
    assert NetworkHistory.objects.count() == history


def test_a_move_within_scope_rewrites_the_subtree(client: Client, tiny_city, make_staff):
    admin = make_staff("boss", Role.NETWORK_ADMIN, tiny_city.central)
    response = client.post(
        "/api/v1/units/b1/move", {"parent": "d2"}, content_type="application/json", **bearer(admin)
    )
    assert response.status_code == 200
    assert response.json()["ancestors"] == ["central", "d2"]
    assert Unit.objects.get(code="r1").path.startswith(Unit.objects.get(code="d2").path)


def test_a_timetable_that_closes_before_it_opens_is_refused(client: Client, tiny_city, make_staff):
    manager = make_staff("mgr", Role.BRANCH_MANAGER, tiny_city.d1)
    before = list(tiny_city.b1.opening_hours.values_list("weekday", "opens", "closes"))
    response = client.put(
        "/api/v1/units/b1/timetable",
        {"days": [{"weekday": 0, "intervals": [{"opens": "18:00", "closes": "09:00"}]}]},
        content_type="application/json",
        **bearer(manager),
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_timetable"
    assert list(tiny_city.b1.opening_hours.values_list("weekday", "opens", "closes")) == before


@pytest.mark.parametrize(
    ("role", "unit", "target", "status"),
    [
        (Role.BRANCH_MANAGER, "d1", "b1", 200),
        (Role.BRANCH_MANAGER, "d1", "b2", 404),
        (Role.DESK, "d1", "b1", 404),
        (Role.NETWORK_ADMIN, "central", "b2", 200),
    ],
)
def test_timetable_permission_matrix(client, tiny_city, make_staff, role, unit, target, status):
    user = make_staff("someone", role, getattr(tiny_city, unit))
    before = list(Unit.objects.get(code=target).opening_hours.values_list("opens", "closes"))
    response = client.put(
        f"/api/v1/units/{target}/timetable",
        {"days": [{"weekday": 5, "intervals": [{"opens": "10:00", "closes": "12:00"}]}]},
        content_type="application/json",
        **bearer(user),
    )
    assert response.status_code == status
    after = list(Unit.objects.get(code=target).opening_hours.values_list("opens", "closes"))
    assert (after != before) == (status == 200)


def test_forged_token_is_refused_with_problem_json(tiny_city):
    client = Client(enforce_csrf_checks=True)  # as a real machine meets it
    response = client.post(
        "/api/v1/units/b1/move",
        {"parent": "d2"},
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer lc_forged",
    )
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert Unit.objects.get(code="b1").parent.code == "d1"


def test_session_without_csrf_token_cannot_write(tiny_city, make_staff):
    admin = make_staff("boss", Role.NETWORK_ADMIN, tiny_city.central)
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    response = client.post(
        "/api/v1/units/b1/move", {"parent": "d2"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"
    assert Unit.objects.get(code="b1").parent.code == "d1"
    token = client.get("/api/v1/units").cookies.get("csrftoken") or client.cookies["csrftoken"]
    accepted = client.post(
        "/api/v1/units/b1/move",
        {"parent": "d2"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token.value,
    )
    assert accepted.status_code == 200


def test_malformed_json_is_a_clear_error(client: Client, tiny_city, make_staff):
    admin = make_staff("boss", Role.NETWORK_ADMIN, tiny_city.central)
    response = client.post(
        "/api/v1/units/b1/move", "{not json", content_type="application/json", **bearer(admin)
    )
    assert response.status_code in (400, 422)
    assert response["Content-Type"] == "application/problem+json"
