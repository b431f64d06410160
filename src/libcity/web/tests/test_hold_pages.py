"""The reader's hold pages: place a hold from a record's page, see it and cancel it on the
account. Every refusal is shown in words and changes nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from libcity.catalogue.data import RecordData
from libcity.catalogue.services import item_add, record_create
from libcity.conftest import valid_resident_id
from libcity.holds.models import Hold, HoldStatus
from libcity.holds.tests.conftest import on_a_thursday  # noqa: F401 - libraries open
from libcity.readers.services import reader_self_register

pytestmark = pytest.mark.django_db


@pytest.fixture
def title(tiny_city):
    record = record_create(data=RecordData(title="岭南文化", authors=["张三"], year=2010))
    item_add(record=record, barcode="L0001", owner=tiny_city.b1, status="available")
    return record


@pytest.fixture
def reader_client(tiny_city):
    reader = reader_self_register(name="读者", resident_id=valid_resident_id(),
                                  home_unit=tiny_city.b2, username="reader1",
                                  password="a-long-password-9")  # fmt: skip
    client = Client()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    client.force_login(reader.user)
    client.reader = reader
    return client


def test_a_visitor_is_asked_to_sign_in(client, title):
    page = client.get(f"/records/{title.pk}/").content.decode()
    assert 'id="hold"' in page and "hold-form" not in page and "/accounts/login/" in page


def test_a_reader_places_a_hold_and_sees_it_on_the_account(reader_client, title):
    page = reader_client.get(f"/records/{title.pk}/").content.decode()
    assert 'id="hold-form"' in page and '<option value="b2" selected>' in page
    placed = reader_client.post(f"/records/{title.pk}/hold/", {"pickup_unit": "b2"}, follow=True)
    assert placed.redirect_chain[-1][0] == "/account/"
    body = placed.content.decode()
    assert "Hold placed" in body and "岭南文化" in body
    holds = body[body.index('id="holds"') :]
    assert "to collect at b2 library" in holds or "Copy chosen" in holds
    hold = Hold.objects.get()
    assert (hold.reader, hold.pickup_unit.code) == (reader_client.reader, "b2")
    again = reader_client.get(f"/records/{title.pk}/").content.decode()
    assert "1 reader is waiting" in again


def test_a_refused_hold_is_explained(reader_client, title):
    reader_client.post(f"/records/{title.pk}/hold/", {"pickup_unit": "b2"})
    again = reader_client.post(f"/records/{title.pk}/hold/", {"pickup_unit": "b1"}, follow=True)
    assert "You have a hold on this title already" in again.content.decode()
    assert Hold.objects.count() == 1
    bad = reader_client.post(f"/records/{title.pk}/hold/", {"pickup_unit": "nowhere"},
                             follow=True)  # fmt: skip
    assert "Choose where to collect the copy" in bad.content.decode()


def test_the_reader_cancels_a_hold(reader_client, title):
    reader_client.post(f"/records/{title.pk}/hold/", {"pickup_unit": "b2"})
    hold = Hold.objects.get()
    done = reader_client.post(f"/account/holds/{hold.pk}/cancel/", follow=True)
    assert "Hold cancelled" in done.content.decode()
    hold.refresh_from_db()
    assert hold.status == HoldStatus.CANCELLED


def test_nobody_cancels_another_readers_hold(reader_client, title, tiny_city, make_reader):
    other = Hold.objects.create(
        reader=make_reader(tiny_city.b1), reader_category="adult",
        reader_home_unit=tiny_city.b1, record=title, pickup_unit=tiny_city.b1,
        status=HoldStatus.PLACED, placed_at="2026-03-05T10:00:00+08:00",
    )  # fmt: skip
    refused = reader_client.post(f"/account/holds/{other.pk}/cancel/", follow=True)
    assert "No such hold" in refused.content.decode()
    other.refresh_from_db()
    assert other.status == HoldStatus.PLACED


def test_a_reader_orders_a_home_delivery_and_the_depot_works_it(
    reader_client, title, tiny_city, make_staff
):
    from libcity.logistics.models import DeliveryOrder, DeliveryStatus
    from libcity.staff.models import Role

    reader_client.post(f"/records/{title.pk}/deliver/")
    page = reader_client.get("/account/delivery/").content.decode()
    assert "岭南文化" in page[page.index('id="basket"') :] and 'id="delivery-form"' in page
    bad = reader_client.post("/account/delivery/", {"address": "中山路 1 号", "phone": "no"},
                             follow=True)  # fmt: skip
    assert "Give a phone number" in bad.content.decode() and not DeliveryOrder.objects.exists()
    form = {"address": "中山路 1 号", "phone": "13800138000"}
    done = reader_client.post("/account/delivery/", form, follow=True)
    assert "Delivery ordered" in done.content.decode()
    order = DeliveryOrder.objects.get()
    assert order.status == DeliveryStatus.REQUESTED and order.depot == tiny_city.central
    staff = Client()
    staff.post("/i18n/setlang/", {"language": "en", "next": "/"})
    staff.force_login(make_staff("depot", Role.DESK, tiny_city.central))
    assert f'id="order-{order.pk}"' in staff.get("/staff/deliveries/").content.decode()
    early = staff.post("/staff/deliveries/", {"order": order.pk, "action": "pick"}, follow=True)
    assert "copies are at the depot" in early.content.decode()
    staff.post("/staff/deliveries/", {"order": order.pk, "action": "cancel"})
    order.refresh_from_db()
    assert order.status == DeliveryStatus.CANCELLED


def test_a_desk_elsewhere_does_not_see_the_depots_orders(tiny_city, make_staff):
    from libcity.staff.models import Role

    staff = Client()
    staff.force_login(make_staff("b2desk", Role.DESK, tiny_city.b2, include_descendants=False))
    assert staff.get("/staff/deliveries/").status_code == 404
