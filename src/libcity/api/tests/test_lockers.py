"""Lending lockers over HTTP: a locker pickup end to end, the controller's refusals with
stable codes, and who may call."""

from __future__ import annotations

import pytest
from django.test import Client

from libcity.api.tests.test_circulation import bearer, post
from libcity.catalogue.data import RecordData
from libcity.catalogue.services import item_add, record_create
from libcity.circulation.models import Loan, LoanStatus
from libcity.circulation.services import loan_checkout
from libcity.conftest import valid_resident_id
from libcity.holds.models import Hold, HoldStatus, LockerSlot, SlotState
from libcity.holds.tests.conftest import on_a_thursday  # noqa: F401 - every library opens
from libcity.holds.tests.test_lockers import (  # noqa: F401 - the fixture, asked for by name
    SENT,
    code_sent,
    make_locker,
    notices_recorded,
)
from libcity.readers.models import BlockReason
from libcity.readers.services import reader_block, reader_self_register
from libcity.staff.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(tiny_city, make_staff, make_reader):
    """A locker below b1 with its controller; a title whose only copy is out on loan."""
    locker = make_locker(tiny_city, slots=2)
    record = record_create(data=RecordData(title="岭南文化", authors=["张三"], year=2010))
    copy = item_add(record=record, barcode="L0001", owner=tiny_city.b1, status="available")
    loan_checkout(item=copy, reader=make_reader(tiny_city.b1), unit=tiny_city.b1, actor=None)
    reader = reader_self_register(name="读者", resident_id=valid_resident_id(),
                                  home_unit=tiny_city.b1, username="reader1",
                                  password="a-long-password-9")  # fmt: skip
    return {
        "locker": locker, "record": record, "copy": copy, "reader": reader,
        "machine": make_staff("lk1-controller", Role.MACHINE, locker),
        "b1": make_staff("desk1", Role.DESK, tiny_city.b1),
        "b2": make_staff("desk2", Role.DESK, tiny_city.b2),
    }  # fmt: skip


def open_door(client: Client, city, code: str, unit: str = "lk1", user=None):
    return post(client, f"/api/v1/lockers/{unit}/open", {"code": code}, user or city["machine"])


def ready_at_the_locker(city, capture) -> str:
    """The copy comes back at b2, travels, is received at the locker: the code sent."""
    client = Client()
    client.force_login(city["reader"].user)
    placed = client.post("/api/v1/holds", {"record_id": city["record"].pk, "pickup_unit": "lk1"},
                         content_type="application/json")  # fmt: skip
    assert placed.status_code == 201, placed.content
    api = Client()
    back = post(api, "/api/v1/returns", {"item_barcode": "L0001", "unit": "b2"}, city["b2"])
    assert back.json()["route"] == {**back.json()["route"], "action": "transit",
                                    "destination": "lk1", "reason": "hold_elsewhere"}  # fmt: skip
    transit_id = city["copy"].transits.get().pk
    with capture(execute=True):
        received = post(api, f"/api/v1/transits/{transit_id}/receive", {"unit": "lk1"}, city["b1"])
    assert received.json()["action"] == "hold_shelf", received.content
    return code_sent(city["reader"])


def test_a_locker_pickup_end_to_end(city, django_capture_on_commit_callbacks):
    code = ready_at_the_locker(city, django_capture_on_commit_callbacks)
    hold = Hold.objects.get(record=city["record"], status=HoldStatus.READY)
    slot = LockerSlot.objects.get(hold=hold)
    assert slot.state == SlotState.OCCUPIED
    states = Client().get("/api/v1/lockers/lk1/slots", **bearer(city["machine"])).json()
    assert states == [{"number": 1, "state": "occupied"}, {"number": 2, "state": "free"}]
    opened = open_door(Client(), city, code)
    assert opened.status_code == 200, opened.content
    body = opened.json()
    card = city["reader"].card_number
    masked = "*" * (len(card) - 4) + card[-4:]
    assert body == {"slot": 1, "barcode": "L0001", "title": "岭南文化",
                    "due_on": body["due_on"], "card": masked}  # fmt: skip
    loan = Loan.objects.get(item=city["copy"], status=LoanStatus.ON_LOAN)
    assert loan.reader == city["reader"] and loan.issued_at_unit == city["locker"]
    assert str(loan.due_on) == body["due_on"]
    slot.refresh_from_db()
    assert slot.state == SlotState.FREE and slot.hold is None


def test_wrong_codes_are_refused_then_the_locker_locks(city, django_capture_on_commit_callbacks):
    code = ready_at_the_locker(city, django_capture_on_commit_callbacks)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _n in range(10):
        refused = open_door(Client(), city, wrong)
        assert refused.status_code == 403
        assert refused["Content-Type"] == "application/problem+json"
        assert refused.json()["code"] == "locker_code_invalid"
    locked = open_door(Client(), city, code)
    assert (locked.status_code, locked.json()["code"]) == (429, "locker_locked_out")
    assert not Loan.objects.filter(item=city["copy"], status=LoanStatus.ON_LOAN).exclude(
        reader=None).filter(reader=city["reader"]).exists()  # fmt: skip


def test_a_blocked_reader_gets_the_circulation_refusal(city, django_capture_on_commit_callbacks):
    code = ready_at_the_locker(city, django_capture_on_commit_callbacks)
    reader_block(reader=city["reader"], reason=BlockReason.MANUAL, actor=None)
    refused = open_door(Client(), city, code)
    assert refused.status_code >= 400 and refused.json()["code"] == "reader_blocked"
    assert LockerSlot.objects.get(number=1, unit=city["locker"]).state == SlotState.OCCUPIED


def test_only_the_lockers_controller_or_its_staff_may_call(
    city, tiny_city, make_staff, django_capture_on_commit_callbacks
):
    code = ready_at_the_locker(city, django_capture_on_commit_callbacks)
    no_token = Client().post("/api/v1/lockers/lk1/open", {"code": code},
                             content_type="application/json")  # fmt: skip
    assert no_token.status_code == 401 and no_token.json()["code"] == "not_authenticated"
    assert Client().get("/api/v1/lockers/lk1/slots").status_code == 401
    make_locker(tiny_city, code="lk2", parent=tiny_city.b2)
    elsewhere = make_staff("lk2-controller", Role.MACHINE, tiny_city.b2)
    logistics = make_staff("driver", Role.LOGISTICS, tiny_city.central)
    for user in (elsewhere, city["b2"], logistics):  # another unit's machine and desk; no right
        refused = open_door(Client(), city, code, user=user)
        assert refused.status_code == 404
        assert refused.json()["code"] == "not_found_or_not_allowed"
        slots = Client().get("/api/v1/lockers/lk1/slots", **bearer(user))
        assert slots.status_code == 404
    not_a_locker = open_door(Client(), city, code, unit="b1", user=city["machine"])
    assert not_a_locker.status_code == 404
    manager = make_staff("manager", Role.BRANCH_MANAGER, tiny_city.b1)
    assert Client().get("/api/v1/lockers/lk1/slots", **bearer(manager)).status_code == 200
    assert open_door(Client(), city, code, user=city["machine"]).status_code == 200
    assert SENT  # the code came by notice
