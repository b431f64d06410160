"""The terminals page: the terminals of a manager's units, a new one with its secret shown
once, settings, deactivation, a new secret, a sorter's bins, the gates' counts today; in
both languages, and forged forms change nothing."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from libcity.selfservice.models import SortBin, Terminal, UnitVisit
from libcity.selfservice.services import (
    sort_bin_set,
    terminal_authenticate,
    terminal_create,
    unit_visit_count,
)
from libcity.staff.models import Role

pytestmark = pytest.mark.django_db
SECRET = re.compile(r'<code id="secret-value">(sip_[^<]+)</code>')

NEW = {"login": "K1", "unit": "b1", "kind": "kiosk", "name": "", "encoding": "gb18030",
       "checksum": "lenient", "terminator": "crlf", "delimiter": "|",
       "status_before_login": "on", "idle_seconds": "300", "institution": "GZ",
       "default_bin": ""}  # fmt: skip


def english(client: Client) -> Client:
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


@pytest.fixture
def manager(client: Client, make_staff, tiny_city) -> Client:
    """The manager of district d1 (b1 and r1 below it), signed in."""
    client.force_login(make_staff("m-d1", Role.BRANCH_MANAGER, tiny_city.d1))
    return client


def test_the_page_in_chinese_and_english(manager, tiny_city):
    terminal_create(login="K9", unit=tiny_city.b1, actor=None)
    terminal_create(login="far", unit=tiny_city.b2, actor=None)
    chinese = manager.get("/staff/terminals/").content.decode()
    assert "自助终端" in chinese and "K9" in chinese and "far" not in chinese
    english_page = english(manager).get("/staff/terminals/").content.decode()
    for text in ("Self-service terminals", "New terminal", "At the gates today", "K9"):
        assert text in english_page
    assert 'href="/staff/terminals/"' in english_page  # the staff navigation


def test_create_shows_the_secret_once_and_it_works(manager):
    page = english(manager).post("/staff/terminals/", NEW)
    assert page.status_code == 200
    text = page.content.decode()
    (secret,) = SECRET.findall(text)
    terminal = Terminal.objects.get(login="K1")
    assert terminal_authenticate("K1", secret) == terminal
    assert (terminal.encoding, terminal.checksum, terminal.terminator) == (
        "gb18030", "lenient", "crlf",
    )  # fmt: skip
    assert terminal.status_before_login and terminal.idle_seconds == 300
    assert terminal.institution == "GZ"
    again = manager.get(f"/staff/terminals/{terminal.pk}/").content.decode()
    assert secret not in again and not SECRET.findall(again)


def test_a_unit_outside_the_scope_is_refused_and_nothing_is_made(manager):
    page = english(manager).post("/staff/terminals/", {**NEW, "unit": "b2"})
    assert page.status_code == 200
    assert "Not found, or not within your part of the network." in page.content.decode()
    assert not Terminal.objects.exists()


def test_invalid_settings_are_shown_on_the_form(manager, tiny_city):
    page = english(manager).post("/staff/terminals/", {**NEW, "delimiter": "a"})
    assert "one printable ASCII sign" in page.content.decode()
    page = manager.post("/staff/terminals/", {**NEW, "idle_seconds": "5"})
    assert page.status_code == 200 and not Terminal.objects.exists()
    terminal_create(login="K1", unit=tiny_city.b2, actor=None)
    page = manager.post("/staff/terminals/", NEW)
    assert "exists already" in page.content.decode()
    assert Terminal.objects.count() == 1


def test_edit_deactivate_renew(manager, tiny_city):
    terminal, old = terminal_create(login="K1", unit=tiny_city.b1, actor=None)
    url = f"/staff/terminals/{terminal.pk}/"
    english(manager)
    saved = manager.post(url, {**NEW, "action": "save", "encoding": "utf-8", "idle_seconds": 120})
    assert saved.status_code == 302
    terminal.refresh_from_db()
    assert (terminal.encoding, terminal.idle_seconds, terminal.checksum) == ("utf-8", 120,
                                                                             "lenient")  # fmt: skip
    manager.post(url, {"action": "deactivate"})
    terminal.refresh_from_db()
    assert not terminal.is_active
    assert "This terminal is deactivated" in manager.get(url).content.decode()
    manager.post(url, {"action": "activate"})
    terminal.refresh_from_db()
    assert terminal.is_active
    renewed = manager.post(url, {"action": "renew"}).content.decode()
    (secret,) = SECRET.findall(renewed)
    assert terminal_authenticate("K1", secret) == terminal
    assert terminal_authenticate("K1", old) is None


def test_a_terminal_outside_the_scope_is_not_found_and_unchanged(manager, tiny_city):
    terminal, secret = terminal_create(login="far", unit=tiny_city.b2, actor=None)
    url = f"/staff/terminals/{terminal.pk}/"
    assert manager.get(url).status_code == 404
    forged = [
        {**NEW, "action": "save", "encoding": "cp850"},
        {"action": "deactivate"},
        {"action": "renew"},
        {"action": "bin_set", "route": "shelve", "bin": "1"},
    ]
    for body in forged:
        assert manager.post(url, body).status_code == 404
    terminal.refresh_from_db()
    assert terminal.encoding == "utf-8" and terminal.is_active
    assert terminal_authenticate("far", secret) == terminal


def test_desk_staff_do_not_manage_terminals(client: Client, make_staff, tiny_city):
    client.force_login(make_staff("desk", Role.DESK, tiny_city.b1))
    assert client.get("/staff/terminals/").status_code == 404
    assert client.post("/staff/terminals/", NEW).status_code == 404
    assert not Terminal.objects.exists()


def test_a_sorters_bins(manager, tiny_city):
    sorter, _secret = terminal_create(login="S1", unit=tiny_city.b1, actor=None, kind="sorter",
                                      default_bin="9")  # fmt: skip
    url = f"/staff/terminals/{sorter.pk}/"
    english(manager)
    manager.post(url, {"action": "bin_set", "bin": "3"})  # no route chosen
    assert not SortBin.objects.exists()
    form = {"action": "bin_set", "route": "transit", "bin": "4", "destination": "b2"}
    page = manager.post(url, form, follow=True).content.decode()
    rule = SortBin.objects.get()
    assert (rule.action, rule.destination, rule.bin) == ("transit", tiny_city.b2, "4")
    assert "b2 library" in page and "In transit" in page
    manager.post(url, {"action": "bin_set", "route": "shelve", "bin": "1", "destination": "b2"})
    assert SortBin.objects.count() == 1  # only a transit has a destination
    manager.post(url, {"action": "bin_delete", "rule": rule.pk})
    assert not SortBin.objects.exists()


def test_a_forged_bin_rule_of_another_terminal_is_not_removed(manager, tiny_city):
    mine = terminal_create(login="S1", unit=tiny_city.b1, actor=None, kind="sorter")[0]
    far = terminal_create(login="S2", unit=tiny_city.b2, actor=None, kind="sorter")[0]
    rule = sort_bin_set(terminal=far, action="shelve", bin="1", actor=None)
    manager.post(f"/staff/terminals/{mine.pk}/", {"action": "bin_delete", "rule": rule.pk})
    assert SortBin.objects.filter(pk=rule.pk).exists()


def test_the_gates_counts_today(manager, tiny_city):
    terminal_create(login="G1", unit=tiny_city.r1, actor=None, kind="gate")
    unit_visit_count(unit=tiny_city.b1, allowed=True)
    unit_visit_count(unit=tiny_city.b1, allowed=False)
    unit_visit_count(unit=tiny_city.b2, allowed=True)  # outside the scope
    page = english(manager).get("/staff/terminals/").content.decode()
    counts = page[page.index('id="gate-visits"') : page.index('id="terminal-new"')]
    assert "b1 library</td><td>1</td><td>1</td>" in counts
    assert "r1 library</td><td>0</td><td>0</td>" in counts
    assert "b2 library" not in counts
    assert UnitVisit.objects.count() == 2
