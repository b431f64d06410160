"""The staff page of lending lockers (slots, emptying, the number of slots) in both
languages, and the reader's account showing the slot of a hold ready in a locker."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from libcity.catalogue.data import RecordData
from libcity.catalogue.services import item_add, record_create
from libcity.circulation.models import Notice
from libcity.circulation.services import loan_checkin, loan_checkout
from libcity.conftest import valid_resident_id
from libcity.holds.models import Hold, LockerSlot, SlotState
from libcity.holds.services import hold_place, hold_trap, holds_expire
from libcity.holds.tests.conftest import THURSDAY, on_a_thursday  # noqa: F401 - libraries open
from libcity.holds.tests.test_lockers import make_locker, notices_recorded  # noqa: F401
from libcity.logistics.models import Transit
from libcity.readers.services import reader_self_register
from libcity.staff.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def locker(tiny_city, make_reader):
    """A locker below b1 whose slot 1 holds a copy for reader1's hold."""
    unit = make_locker(tiny_city, slots=2)
    record = record_create(data=RecordData(title="岭南文化", authors=["张三"], year=2010))
    copy = item_add(record=record, barcode="L0001", owner=tiny_city.b1, status="available")
    loan_checkout(item=copy, reader=make_reader(tiny_city.b1), unit=tiny_city.b1, actor=None)
    reader = reader_self_register(name="读者", resident_id=valid_resident_id(),
                                  home_unit=tiny_city.b1, username="reader1",
                                  password="a-long-password-9")  # fmt: skip
    hold_place(reader=reader, record=record, pickup_unit=unit, actor=None)
    loan_checkin(item=copy, unit=unit, actor=None)
    hold_trap(item=copy, unit=unit, actor=None)
    return unit, reader


def manager(client: Client, make_staff, tiny_city, language: str = "en") -> Client:
    client.post("/i18n/setlang/", {"language": language, "next": "/"})
    client.force_login(make_staff("manager", Role.BRANCH_MANAGER, tiny_city.b1))
    return client


def test_the_locker_page_in_english_and_chinese(locker, make_staff, tiny_city):
    client = manager(Client(), make_staff, tiny_city)
    page = client.get("/staff/lockers/").content.decode()
    assert "Lending lockers" in page and "lk1 locker" in page
    slots = page[page.index('id="slots"') :]
    assert "L0001" in slots and "岭南文化" in slots and "2026-03-12" in slots
    assert "Holds a copy for a reader" in slots and 'name="action" value="empty"' not in slots
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    page = client.get("/staff/lockers/?unit=lk1").content.decode()
    assert "自助借还柜" in page and "格口" in page and "Lending lockers" not in page
    assert 'href="/staff/lockers/"' in client.get("/staff/holds/").content.decode()


def test_an_uncollected_slot_is_emptied_from_the_page(locker, make_staff, tiny_city):
    unit, _reader = locker
    with time_machine.travel(THURSDAY + dt.timedelta(days=8), tick=False):
        holds_expire()
        client = manager(Client(), make_staff, tiny_city)
        page = client.get("/staff/lockers/").content.decode()
        assert "To empty" in page and 'name="action" value="empty"' in page
        done = client.post("/staff/lockers/", {"action": "empty", "unit": "lk1", "slot": "1"},
                           follow=True)  # fmt: skip
    body = done.content.decode()
    assert "Slot 1 is free." in body and "b1 library" in body
    assert LockerSlot.objects.get(unit=unit, number=1).state == SlotState.FREE
    assert Transit.objects.get().to_unit == tiny_city.b1


def test_the_number_of_slots_is_set_from_the_page(locker, make_staff, tiny_city):
    unit, _reader = locker
    client = manager(Client(), make_staff, tiny_city)
    client.post("/staff/lockers/", {"action": "slots", "unit": "lk1", "count": "5"})
    assert LockerSlot.objects.filter(unit=unit).count() == 5
    refused = client.post("/staff/lockers/", {"action": "slots", "unit": "lk1", "count": "0"},
                          follow=True)  # fmt: skip
    assert "hold copies" in refused.content.decode()
    assert LockerSlot.objects.filter(unit=unit).count() == 5


def test_the_page_is_for_staff_who_run_lockers(locker, make_staff, tiny_city):
    client = Client()
    client.force_login(make_staff("desk1", Role.DESK, tiny_city.b1))
    assert client.get("/staff/lockers/").status_code == 403
    other = Client()
    other.force_login(make_staff("manager2", Role.BRANCH_MANAGER, tiny_city.b2))
    make_locker(tiny_city, code="lk2", parent=tiny_city.b2)
    assert other.get("/staff/lockers/?unit=lk1").status_code == 404
    assert other.post("/staff/lockers/", {"action": "slots", "unit": "lk1",
                                          "count": "9"}).status_code == 404  # fmt: skip
    assert LockerSlot.objects.filter(unit=locker[0]).count() == 2


def test_the_reader_sees_the_slot_but_not_the_code(locker):
    _unit, reader = locker
    client = Client()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    client.force_login(reader.user)
    page = client.get("/account/").content.decode()
    holds = page[page.index('id="holds"') :]
    assert "in slot 1 of the locker lk1 locker until 2026-03-12" in holds
    assert "pickup code in the notice" in holds


def test_the_reader_has_a_new_code_sent_from_the_account(
    locker, django_capture_on_commit_callbacks
):
    _unit, reader = locker
    hold = Hold.objects.get(reader=reader)
    client = Client()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    client.force_login(reader.user)
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(f"/account/holds/{hold.pk}/code/", follow=True)
    assert "A new pickup code for slot 1 is on its way to you" in done.content.decode()
    assert Notice.objects.filter(reader=reader, kind=f"hold_code:{hold.pk}").exists()
    again = client.post(f"/account/holds/{hold.pk}/code/", follow=True).content.decode()
    assert "sent today already" in again
    stranger = Client()
    stranger.force_login(reader_self_register(
        name="别人", resident_id=valid_resident_id(), home_unit=hold.pickup_unit.parent,
        username="reader2", password="a-long-password-9").user)  # fmt: skip
    stranger.post("/i18n/setlang/", {"language": "en", "next": "/"})
    refused = stranger.post(f"/account/holds/{hold.pk}/code/", follow=True).content.decode()
    assert "No such hold." in refused


def test_staff_have_a_new_code_sent_from_the_lockers_page(
    locker, make_staff, tiny_city, django_capture_on_commit_callbacks
):
    _unit, reader = locker
    client = manager(Client(), make_staff, tiny_city)
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post("/staff/lockers/", {"action": "code", "unit": "lk1", "slot": "1"},
                           follow=True)  # fmt: skip
    assert "A new pickup code for slot 1 is on its way to the reader." in done.content.decode()
    assert Notice.objects.filter(reader=reader, kind__startswith="hold_code:").exists()
