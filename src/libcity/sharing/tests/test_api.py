"""Transfers over HTTP: offer (a code and its QR code), accept, cancel, and the refusals."""

import re

import pytest
from django.test import Client

from libcity.circulation.models import Loan, LoanStatus
from libcity.sharing.models import Transfer, TransferStatus

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client, path, body=None, **headers):
    return client.post(path, body or {}, content_type="application/json", **headers)


@pytest.fixture
def pair(reader, lent):
    giver = reader()
    return {"giver": giver, "receiver": reader(), "loan": lent(giver, barcode="API001")}


def offered(pair, **body):
    made = post(signed_in(pair["giver"].user), "/api/v1/transfers",
                {"loan_id": pair["loan"].pk, **body})  # fmt: skip
    assert made.status_code == 201, made.content
    return made.json()


def problem(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == code
    return response.json()


def test_an_offer_answers_a_code_its_expiry_and_a_qr_code_of_its_url(pair):
    made = offered(pair, place_unit="b1")
    assert re.fullmatch(r"[A-HJ-NP-Z2-9]{8}", made["code"])
    assert made["url"].endswith(f"/transfers/{made['code']}/")
    svg = made["qr_svg"]
    assert svg.startswith("<svg") and 'xmlns="http://www.w3.org/2000/svg"' in svg
    assert made["expires_at"].startswith("2026-03-05T")
    assert (made["item_barcode"], made["place_unit"]) == ("API001", "b1")
    assert made["title"] == "图说中国节"


def test_an_offer_by_the_copys_barcode(pair):
    client = signed_in(pair["giver"].user)
    made = post(client, "/api/v1/transfers", {"item_barcode": "API001"})
    assert made.status_code == 201 and made.json()["loan_id"] == pair["loan"].pk


def test_the_receiver_accepts_and_gets_the_loan(pair):
    code = offered(pair)["code"]
    taken = post(signed_in(pair["receiver"].user), f"/api/v1/transfers/{code.lower()}/accept",
                 {"place_unit": "b2"})  # fmt: skip
    assert taken.status_code == 200, taken.content
    body = taken.json()
    assert (body["item_barcode"], body["place_unit"]) == ("API001", "b2")
    assert body["title"] == "图说中国节"
    loan = Loan.objects.get(pk=body["loan_id"])
    assert loan.reader == pair["receiver"] and body["due_on"] == loan.due_on.isoformat()
    again = post(signed_in(pair["receiver"].user), f"/api/v1/transfers/{code}/accept")
    problem(again, 409, "transfer_code_used")


def test_the_giver_cancels_and_the_code_no_longer_works(pair):
    code = offered(pair)["code"]
    stranger = post(signed_in(pair["receiver"].user), f"/api/v1/transfers/{code}/cancel")
    problem(stranger, 404, "transfer_not_found")
    cancelled = post(signed_in(pair["giver"].user), f"/api/v1/transfers/{code}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    late = post(signed_in(pair["receiver"].user), f"/api/v1/transfers/{code}/accept")
    problem(late, 410, "transfer_expired")


def test_refusals_change_nothing(pair, traveller):
    import datetime as dt

    receiver = signed_in(pair["receiver"].user)
    problem(post(receiver, "/api/v1/transfers/ABCDEFGH/accept"), 404, "transfer_not_found")
    problem(post(receiver, "/api/v1/transfers", {"loan_id": pair["loan"].pk}), 404,
            "loan_not_found")  # fmt: skip
    code = offered(pair)["code"]
    own = post(signed_in(pair["giver"].user), f"/api/v1/transfers/{code}/accept")
    problem(own, 409, "transfer_to_self")
    problem(post(receiver, f"/api/v1/transfers/{code}/accept", {"place_unit": "nowhere"}),
            404, "unit_not_found")  # fmt: skip
    traveller.shift(dt.timedelta(minutes=11))
    english = {"HTTP_ACCEPT_LANGUAGE": "en"}
    expired = post(receiver, f"/api/v1/transfers/{code}/accept", **english)
    assert problem(expired, 410, "transfer_expired")["detail"] == (
        "This code has expired; ask for a new one."
    )
    again = post(receiver, f"/api/v1/transfers/{code}/accept", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert problem(again, 410, "transfer_expired")["detail"] == "此转借码已过期，请对方重新生成。"
    loan = Loan.objects.get(pk=pair["loan"].pk)
    assert loan.status == LoanStatus.ON_LOAN and loan.reader == pair["giver"]
    assert Loan.objects.filter(item=loan.item).count() == 1


def test_an_offer_to_the_queue_with_nobody_waiting_is_refused(pair):
    client = signed_in(pair["giver"].user)
    body = {"loan_id": pair["loan"].pk, "to_queue": True}
    problem(post(client, "/api/v1/transfers", body), 409, "transfer_not_allowed")
    assert not Transfer.objects.exists()


def test_an_offer_to_the_queue_names_the_hold(pair, library, reader):
    from libcity.holds.services import hold_place

    waiting = reader()
    hold = hold_place(reader=waiting, record=library.record, pickup_unit=library.city.b1,
                      actor=None)  # fmt: skip
    made = offered(pair, to_queue=True)
    assert made["for_hold_id"] == hold.pk
    other = post(signed_in(pair["receiver"].user), f"/api/v1/transfers/{made['code']}/accept")
    problem(other, 409, "transfer_for_another")
    taken = post(signed_in(waiting.user), f"/api/v1/transfers/{made['code']}/accept")
    assert taken.status_code == 200, taken.content
    assert Transfer.objects.get().status == TransferStatus.ACCEPTED


def test_signing_in_is_required(pair):
    problem(post(Client(), "/api/v1/transfers", {"loan_id": pair["loan"].pk}), 401,
            "not_authenticated")  # fmt: skip
    problem(post(Client(), "/api/v1/transfers/ABCDEFGH/accept"), 401, "not_authenticated")


def test_staff_are_not_readers(pair, make_staff, library):
    code = offered(pair)["code"]
    staff = make_staff("desk1", "desk", library.city.b1)
    problem(post(signed_in(staff), f"/api/v1/transfers/{code}/accept"), 403, "not_a_reader")
