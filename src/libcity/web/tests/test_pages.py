"""Pages through Django's test client: both languages, scope, errors shown, nothing changed."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client

from libcity.conftest import valid_resident_id
from libcity.network.models import Unit
from libcity.readers.models import Reader
from libcity.staff.models import Role

pytestmark = pytest.mark.django_db
WEDNESDAY_10 = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def english(client: Client) -> Client:
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


def test_home_is_chinese_by_default(client: Client, tiny_city):
    page = client.get("/").content.decode()
    assert '<html lang="zh-Hans">' in page
    assert "图书馆之城" in page
    assert "d1馆" in page


def test_home_in_english_by_choice(client: Client, tiny_city):
    page = english(client).get("/").content.decode()
    assert '<html lang="en">' in page
    assert "Library City" in page
    assert "d1 library" in page


def test_home_lists_the_nearest_units(client: Client, tiny_city):
    page = client.get("/?lat=23.1255&lng=113.2705").content.decode()
    first = page.index("b1馆")
    assert first < page.index("d2馆")


def test_unit_page_shows_hours_and_open_state(client: Client, tiny_city):
    with time_machine.travel(WEDNESDAY_10, tick=False):
        page = english(client).get("/units/b1/").content.decode()
    assert "Open now" in page
    assert "09:00–17:00" in page
    assert "d1 library" in page  # breadcrumb


def test_unit_page_says_when_it_opens_next(client: Client, tiny_city):
    saturday = WEDNESDAY_10 + dt.timedelta(days=3)
    with time_machine.travel(saturday, tick=False):
        page = english(client).get("/units/b1/").content.decode()
    assert "Closed now" in page
    assert "2026-11-30 09:00" in page


def test_unknown_unit_page_is_404(client: Client, tiny_city):
    assert client.get("/units/nowhere/").status_code == 404


def test_units_page_filters(client: Client, tiny_city):
    page = client.get("/units/?q=b1").content.decode()
    assert "b1馆" in page and "b2馆" not in page


def test_login_with_demo_style_credentials(client: Client, tiny_city, make_staff):
    make_staff("deskx", Role.DESK, tiny_city.b1)
    response = client.post("/accounts/login/", {"username": "deskx", "password": "demo"})
    assert response.status_code == 302
    bad = Client().post("/accounts/login/", {"username": "deskx", "password": "wrong"})
    assert bad.status_code == 200 and "密码" in bad.content.decode()


def test_staff_tree_shows_only_the_scope(client: Client, tiny_city, make_staff):
    client.force_login(make_staff("mgr", Role.BRANCH_MANAGER, tiny_city.d1))
    page = client.get("/staff/").content.decode()
    assert "b1馆" in page and "r1馆" in page
    assert "b2馆" not in page and "d2馆" not in page


def test_staff_pages_refuse_readers_and_strangers(client: Client, tiny_city, make_reader):
    assert client.get("/staff/").status_code == 302  # to the login page
    user = get_user_model().objects.create_user("plain", password="x")
    client.force_login(user)
    assert client.get("/staff/").status_code == 403


def test_unit_outside_scope_reads_as_not_found(client: Client, tiny_city, make_staff):
    client.force_login(make_staff("mgr", Role.BRANCH_MANAGER, tiny_city.d1))
    assert client.get("/staff/units/b2/").status_code == 404
    before = Unit.objects.get(code="b2").parent_id
    response = client.post("/staff/units/b2/", {"action": "move", "move-parent": "d1"})
    assert response.status_code == 404
    assert Unit.objects.get(code="b2").parent_id == before


def test_cycle_move_shows_a_message_and_changes_nothing(client: Client, tiny_city, make_staff):
    client.force_login(make_staff("boss", Role.NETWORK_ADMIN, tiny_city.central))
    paths = dict(Unit.objects.values_list("code", "path"))
    response = english(client).post("/staff/units/d1/", {"action": "move", "move-parent": "r1"})
    assert response.status_code == 200
    assert response.content.decode().count('role="alert"') == 1
    assert dict(Unit.objects.values_list("code", "path")) == paths


def test_timetable_that_closes_before_it_opens_shows_an_error(client, tiny_city, make_staff):
    client.force_login(make_staff("boss", Role.NETWORK_ADMIN, tiny_city.central))
    before = list(tiny_city.b1.opening_hours.values_list("weekday", "opens", "closes"))
    response = client.post("/staff/units/b1/", {"action": "timetable", "tt-day0": "18:00-09:00"})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert list(tiny_city.b1.opening_hours.values_list("weekday", "opens", "closes")) == before


def test_timetable_garbage_is_a_field_error(client, tiny_city, make_staff):
    client.force_login(make_staff("boss", Role.NETWORK_ADMIN, tiny_city.central))
    response = english(client).post("/staff/units/b1/", {"action": "timetable", "tt-day0": "soon"})
    assert "Write times as" in response.content.decode()


def test_timetable_saved(client, tiny_city, make_staff):
    client.force_login(make_staff("boss", Role.NETWORK_ADMIN, tiny_city.central))
    response = client.post(
        "/staff/units/b1/",
        {
            "action": "timetable",
            "tt-day5": "10:00-12:00, 13:00-16:00",
        },
    )
    assert response.status_code == 302
    assert tiny_city.b1.opening_hours.filter(weekday=5).count() == 2
    assert not tiny_city.b1.opening_hours.filter(weekday=0).exists()


def test_desk_registers_a_reader_and_sees_the_card(client, tiny_city, make_staff):
    client.force_login(make_staff("desk-b1", Role.DESK, tiny_city.b1))
    response = client.post(
        "/staff/readers/new/",
        {
            "name": "前台登记",
            "resident_id": valid_resident_id(),
            "category": "adult",
            "home_unit": "b1",
        },
        follow=True,
    )
    reader = Reader.objects.get(name="前台登记")
    assert reader.card_number in response.content.decode()


def test_desk_cannot_register_outside_scope_even_with_a_forged_choice(
    client, tiny_city, make_staff
):
    client.force_login(make_staff("desk-b1", Role.DESK, tiny_city.b1))
    response = client.post(
        "/staff/readers/new/",
        {
            "name": "越权",
            "resident_id": valid_resident_id(),
            "category": "adult",
            "home_unit": "b2",
        },
    )
    assert response.status_code == 200  # the form says the choice is not valid
    assert not Reader.objects.filter(name="越权").exists()


def test_invalid_resident_id_on_the_desk_form(client, tiny_city, make_staff):
    client.force_login(make_staff("desk-b1", Role.DESK, tiny_city.b1))
    response = english(client).post(
        "/staff/readers/new/",
        {
            "name": "错",
            "resident_id": "440104199002301231",
            "category": "adult",
            "home_unit": "b1",
        },
    )
    assert "birth date" in response.content.decode()
    assert not Reader.objects.filter(name="错").exists()


def test_self_registration_page(client, tiny_city):
    response = client.post(
        "/register/",
        {
            "name": "自助",
            "resident_id": valid_resident_id(),
            "home_unit": "d1",
            "username": "self-reader",
            "password": "a-Long-pass-2026",
        },
        follow=True,
    )
    reader = Reader.objects.get(name="自助")
    assert reader.card_number in response.content.decode()
    assert response.request["PATH_INFO"] == "/account/"


def test_forged_form_without_csrf_changes_nothing(tiny_city, make_staff):
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_staff("boss", Role.NETWORK_ADMIN, tiny_city.central))
    response = client.post("/staff/units/b1/", {"action": "move", "move-parent": "d2"})
    assert response.status_code == 403
    assert Unit.objects.get(code="b1").parent.code == "d1"


def reader_page_post(client, reader, **data):
    return client.post(f"/staff/readers/{reader.card_number}/", data)


def test_desk_blocks_lifts_replaces_and_records_consent(client, tiny_city, make_staff, make_reader):
    client.force_login(make_staff("desk-b1", Role.DESK, tiny_city.b1))
    reader = make_reader(tiny_city.b1)
    reader_page_post(client, reader, action="block", reason="manual", note="wet book")
    block = reader.blocks.get(lifted_at__isnull=True)
    assert block.note == "wet book"
    reader_page_post(client, reader, action="unblock", block=block.pk)
    assert not reader.blocks.filter(lifted_at__isnull=True).exists()
    reader_page_post(client, reader, action="consent", keeps_reading_history="on")
    reader.refresh_from_db()
    assert reader.keeps_reading_history
    old = reader.card_number
    response = client.post(f"/staff/readers/{old}/", {"action": "replace_card", "unit": "b1"})
    reader.refresh_from_db()
    assert reader.card_number != old
    assert response.url == f"/staff/readers/{reader.card_number}/"


def test_reader_page_outside_scope_is_not_found_and_changes_nothing(
    client, tiny_city, make_staff, make_reader
):
    client.force_login(make_staff("desk-b1", Role.DESK, tiny_city.b1))
    stranger = make_reader(tiny_city.b2)
    assert client.get(f"/staff/readers/{stranger.card_number}/").status_code == 404
    response = reader_page_post(client, stranger, action="block", reason="manual")
    assert response.status_code == 404
    assert not stranger.blocks.exists()


def test_a_role_that_may_only_read_cannot_block(client, tiny_city, make_staff, make_reader):
    client.force_login(make_staff("partner", Role.PARTNER_OPERATOR, tiny_city.b1))
    reader = make_reader(tiny_city.b1)
    assert client.get(f"/staff/readers/{reader.card_number}/").status_code == 200
    reader_page_post(client, reader, action="block", reason="manual")
    assert not reader.blocks.exists()


def test_unknown_reader_action_changes_nothing(client, tiny_city, make_staff, make_reader):
    client.force_login(make_staff("desk-b1", Role.DESK, tiny_city.b1))
    reader = make_reader(tiny_city.b1)
    response = english(client).post(
        f"/staff/readers/{reader.card_number}/", {"action": "delete_everything"}, follow=True
    )
    assert "not understood" in response.content.decode()
    assert not reader.blocks.exists()


def test_home_counts_units_and_readers(client, tiny_city, make_reader):
    make_reader(tiny_city.b1)
    make_reader(tiny_city.b2)
    page = english(client).get("/").content.decode()
    assert "6 libraries and service points, 2 readers" in page
