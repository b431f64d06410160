"""Loans and returns over HTTP: the desk's flows, their stable error codes, their scope."""

import pytest
from django.test import Client

from libcity.catalogue.data import RecordData
from libcity.catalogue.services import item_add, record_create
from libcity.circulation.models import Loan
from libcity.readers.services import reader_block
from libcity.staff.models import Role
from libcity.staff.services import api_token_create

pytestmark = pytest.mark.django_db


def bearer(user) -> dict:
    _token, raw = api_token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def post(client, path, body, user):
    return client.post(path, body, content_type="application/json", **bearer(user))


@pytest.fixture
def desk(tiny_city, make_staff, make_reader):
    record = record_create(data=RecordData(title="图说中国节", authors=["王娟"], year=2007))
    item_add(record=record, barcode="B0001", owner=tiny_city.b1, status="available")
    item_add(record=record, barcode="F0001", owner=tiny_city.b1, status="available",
             item_type="foreign")  # fmt: skip
    return {
        "b1": make_staff("desk1", Role.DESK, tiny_city.b1),
        "b2": make_staff("desk2", Role.DESK, tiny_city.b2),
        "reader": make_reader(tiny_city.b2),
    }


def test_checkout_then_return_elsewhere_answers_the_route(client: Client, desk):
    card = desk["reader"].card_number
    made = post(client, "/api/v1/loans", {"item_barcode": "F0001", "card_number": card,
                                          "unit": "b1"}, desk["b1"])  # fmt: skip
    assert made.status_code == 201, made.content
    loan = made.json()
    assert loan["status"] == "on_loan" and loan["renewals_left"] == 1 and loan["issued_at"] == "b1"
    back = post(client, "/api/v1/returns", {"item_barcode": "F0001", "unit": "b2"}, desk["b2"])
    assert back.status_code == 200
    body = back.json()
    assert body["route"]["action"] == "transit" and body["route"]["destination"] == "b1"
    assert body["route"]["reason"] == "owner_only" and body["loan"]["status"] == "returned"


@pytest.mark.parametrize(
    ("barcode", "card", "unit", "status", "code"),
    [
        ("NOPE", None, "b1", 404, "item_not_found"),
        ("B0001", "0000", "b1", 404, "reader_not_found"),
        ("B0001", None, "b2", 404, "not_found_or_not_allowed"),  # desk1 lends at b1 only
        ("", None, "b1", 422, None),
    ],
)
def test_checkout_refusals_are_problems_with_codes(client, desk, barcode, card, unit, status,
                                                   code):  # fmt: skip
    body = {"item_barcode": barcode, "card_number": card or desk["reader"].card_number,
            "unit": unit}  # fmt: skip
    response = post(client, "/api/v1/loans", body, desk["b1"])
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/problem+json")
    if code:
        assert response.json()["code"] == code
    assert not Loan.objects.exists()


def test_a_blocked_reader_and_a_copy_already_out(client, desk):
    card = desk["reader"].card_number
    body = {"item_barcode": "B0001", "card_number": card, "unit": "b1"}
    assert post(client, "/api/v1/loans", body, desk["b1"]).status_code == 201
    again = post(client, "/api/v1/loans", body, desk["b1"])
    assert again.status_code == 409 and again.json()["code"] == "item_not_available"
    reader_block(reader=desk["reader"], reason="manual", actor=None)
    blocked = post(client, "/api/v1/loans", {**body, "item_barcode": "F0001"}, desk["b1"])
    assert blocked.status_code == 403 and blocked.json()["code"] == "reader_blocked"


def test_renew_once_and_the_readers_loans(client, desk, tiny_city):
    card = desk["reader"].card_number
    loan = post(client, "/api/v1/loans", {"item_barcode": "B0001", "card_number": card,
                                          "unit": "b1"}, desk["b1"]).json()  # fmt: skip
    renewed = post(client, f"/api/v1/loans/{loan['id']}/renew", {}, desk["b2"])
    assert renewed.status_code == 200 and renewed.json()["renewals_left"] == 0
    refused = post(client, f"/api/v1/loans/{loan['id']}/renew", {}, desk["b2"])
    assert refused.status_code == 409 and refused.json()["code"] == "renewal_refused"
    listed = client.get(f"/api/v1/readers/{card}/loans", **bearer(desk["b2"]))
    assert [row["item_barcode"] for row in listed.json()] == ["B0001"]


def test_a_reader_sees_and_renews_only_their_own_loans(client, desk, tiny_city, make_reader):
    from django.contrib.auth import get_user_model

    card = desk["reader"].card_number
    loan = post(client, "/api/v1/loans", {"item_barcode": "B0001", "card_number": card,
                                          "unit": "b1"}, desk["b1"]).json()  # fmt: skip
    owner = get_user_model().objects.create_user("own", password="x")
    type(desk["reader"]).objects.filter(pk=desk["reader"].pk).update(user=owner)
    stranger = get_user_model().objects.create_user("stranger", password="x")
    assert client.get(f"/api/v1/readers/{card}/loans", **bearer(stranger)).status_code == 404
    assert post(client, f"/api/v1/loans/{loan['id']}/renew", {}, stranger).status_code == 404
    assert client.get(f"/api/v1/readers/{card}/loans", **bearer(owner)).status_code == 200
    assert post(client, f"/api/v1/loans/{loan['id']}/renew", {}, owner).status_code == 200


def test_anonymous_callers_are_turned_away(client, desk):
    response = client.post("/api/v1/returns", {"item_barcode": "B0001", "unit": "b1"},
                           content_type="application/json")  # fmt: skip
    assert response.status_code == 401


@pytest.mark.parametrize("where", ["b1", "b2"])
def test_a_checkout_and_a_return_cost_a_known_number_of_queries(client, desk, where):
    """What a desk's two requests cost in statements (savepoints aside: a test runs inside a
    transaction, and the search index's refresh after commit does not run here). A change
    that reads more should change these numbers on purpose, and docs/operations.md with them.
    A return at the copy's own unit shelves it; at the other desk it also stays (books
    return anywhere) after a move."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from libcity.core import clock
    from libcity.staff.models import ApiToken

    headers = {"b1": bearer(desk["b1"]), "b2": bearer(desk["b2"])}
    ApiToken.objects.update(last_used_at=clock.now())  # the first use's touch aside
    body = {"item_barcode": "B0001", "card_number": desk["reader"].card_number, "unit": "b1"}

    def statements(path, body, headers):
        with CaptureQueriesContext(connection) as queries:
            answer = client.post(path, body, content_type="application/json", **headers)
        assert answer.status_code in (200, 201), answer.content
        return [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]

    checkout = statements("/api/v1/loans", body, headers["b1"])
    back = statements("/api/v1/returns", {"item_barcode": "B0001", "unit": where},
                      headers[where])  # fmt: skip
    assert (len(checkout), len(back)) == (CHECKOUT_STATEMENTS, RETURN_STATEMENTS), (
        "\n".join(checkout), "\n".join(back))  # fmt: skip


#: Token, the desk's roles with its units, card, copy id and status; the reader's and the
#: copy's locks, blocks, rule, the limits' count, the unit's hours and closed dates, the loan,
#: the copy's move (update, history), the loan's history; a hold that had
#: chosen this copy (none: one statement).
CHECKOUT_STATEMENTS = 16
#: Token, roles, copy id, the open loan's reader; the reader's, the copy's and the loan's
#: locks, credit (update, history, credit blocks), the loan's end and its history, the
#: copy's move (update, history); the holds waiting for the title (none: one
#: statement).
RETURN_STATEMENTS = 15
