"""Terminals: created with a machine user and a secret shown once, authenticated by it,
their settings checked, a new secret; sorter bins and which one a copy drops into."""

from __future__ import annotations

import pytest

from libcity.selfservice.exceptions import InvalidTerminalInput, TerminalExists
from libcity.selfservice.models import SortBin, Terminal
from libcity.selfservice.services import (
    sort_bin_delete,
    sort_bin_for,
    sort_bin_set,
    terminal_authenticate,
    terminal_create,
    terminal_secret_renew,
    terminal_update,
)
from libcity.staff.exceptions import NotAllowed
from libcity.staff.models import Role, StaffAssignment
from libcity.staff.policies import CIRCULATION_LEND, SELFSERVICE_USE
from libcity.staff.selectors import has_permission

pytestmark = pytest.mark.django_db


def test_a_terminal_gets_a_machine_user_at_its_unit_only(tiny_city):
    terminal, secret = terminal_create(login="K1", unit=tiny_city.b1, actor=None)
    assert secret.startswith("sip_") and len(secret) > 30
    assert terminal.secret_hash != secret and secret not in terminal.secret_hash
    (assignment,) = StaffAssignment.objects.filter(user=terminal.user)
    assert (assignment.role, assignment.unit, assignment.include_descendants) == (
        Role.MACHINE, tiny_city.b1, False,
    )  # fmt: skip
    assert has_permission(terminal.user, CIRCULATION_LEND, tiny_city.b1)
    assert not has_permission(terminal.user, SELFSERVICE_USE, tiny_city.r1)
    assert not terminal.user.has_usable_password()
    names = ("kind", "encoding", "checksum", "terminator", "delimiter", "status_before_login",
             "idle_seconds")  # fmt: skip
    defaults = tuple(getattr(terminal, name) for name in names)
    assert defaults == ("kiosk", "utf-8", "strict", "cr", "|", False, 600)


def test_authentication_by_login_and_secret(tiny_city):
    terminal, secret = terminal_create(login="K1", unit=tiny_city.b1, actor=None)
    assert terminal_authenticate("K1", secret) == terminal
    assert terminal_authenticate(" K1 ", secret) == terminal
    assert terminal_authenticate("K1", secret + "x") is None
    assert terminal_authenticate("K2", secret) is None
    assert terminal_authenticate("K1", "") is None


def test_settings_are_kept(tiny_city):
    terminal, _secret = terminal_create(
        login="gbk", unit=tiny_city.b1, actor=None, encoding="gb18030", checksum="lenient",
        terminator="crlf", delimiter="^", status_before_login=True, idle_seconds=900,
        institution="GZLIB", kind="sorter", default_bin="9", name="B1 kiosk",
    )  # fmt: skip
    terminal.refresh_from_db()
    assert (terminal.encoding, terminal.checksum, terminal.terminator, terminal.delimiter) == (
        "gb18030", "lenient", "crlf", "^",
    )  # fmt: skip
    assert terminal.status_before_login and terminal.idle_seconds == 900
    assert (terminal.institution, terminal.kind, terminal.default_bin) == ("GZLIB", "sorter", "9")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"encoding": "latin-1"}, "latin-1 is not a valid encoding"),
        ({"checksum": "sometimes"}, "not a valid checksum"),
        ({"terminator": "lf"}, "not a valid terminator"),
        ({"kind": "robot"}, "not a valid kind"),
        ({"delimiter": "ab"}, "one printable ASCII sign"),
        ({"delimiter": "a"}, "one printable ASCII sign"),
        ({"idle_seconds": 5}, "between 10 seconds and one day"),
        ({"idle_seconds": "soon"}, "between 10 seconds and one day"),
        ({"institution": "a|b"}, "without | or line breaks"),
        ({"default_bin": "bin 1"}, "1 to 10 letters"),
        ({"colour": "red"}, "Unknown setting: colour"),
    ],
)  # fmt: skip
def test_invalid_settings_are_refused_with_a_clear_message(tiny_city, changes, message):
    with pytest.raises(InvalidTerminalInput, match=message):
        terminal_create(login="K1", unit=tiny_city.b1, actor=None, **changes)
    assert not Terminal.objects.exists()


@pytest.mark.parametrize("login", ["", "k", "-k1", "k 1", "终端", "k" * 61])
def test_a_login_has_a_shape(tiny_city, login):
    with pytest.raises(InvalidTerminalInput, match="A terminal login"):
        terminal_create(login=login, unit=tiny_city.b1, actor=None)


def test_a_login_is_unique_across_the_city(tiny_city):
    terminal_create(login="K1", unit=tiny_city.b1, actor=None)
    with pytest.raises(TerminalExists, match="K1 exists already") as refused:
        terminal_create(login="K1", unit=tiny_city.b2, actor=None)
    assert refused.value.code == "terminal_exists" and refused.value.status == 409
    assert Terminal.objects.count() == 1


def test_update_and_deactivation(tiny_city):
    terminal, secret = terminal_create(login="K1", unit=tiny_city.b1, actor=None)
    terminal_update(terminal=terminal, actor=None, encoding="gb18030", idle_seconds=60)
    terminal.refresh_from_db()
    assert (terminal.encoding, terminal.idle_seconds) == ("gb18030", 60)
    with pytest.raises(InvalidTerminalInput):
        terminal_update(terminal=terminal, actor=None, checksum="maybe")
    terminal_update(terminal=terminal, actor=None, is_active=False)
    terminal.user.refresh_from_db()
    assert not terminal.user.is_active and terminal_authenticate("K1", secret) is None
    terminal_update(terminal=terminal, actor=None, is_active=True)
    assert terminal_authenticate("K1", secret) == terminal


def test_a_new_secret_replaces_the_old(tiny_city):
    terminal, old = terminal_create(login="K1", unit=tiny_city.b1, actor=None)
    new = terminal_secret_renew(terminal=terminal, actor=None)
    assert new != old
    assert terminal_authenticate("K1", old) is None
    assert terminal_authenticate("K1", new) == terminal


def test_only_managers_in_scope_manage_terminals(tiny_city, make_staff):
    manager = make_staff("m-d1", Role.BRANCH_MANAGER, tiny_city.d1)
    terminal, _secret = terminal_create(login="K1", unit=tiny_city.b1, actor=manager)
    terminal_update(terminal=terminal, actor=manager, name="B1")
    desk = make_staff("desk", Role.DESK, tiny_city.b1)
    other = make_staff("m-d2", Role.BRANCH_MANAGER, tiny_city.d2)
    for actor in (desk, other, terminal.user):
        with pytest.raises(NotAllowed):
            terminal_create(login="K2", unit=tiny_city.b1, actor=actor)
        with pytest.raises(NotAllowed):
            terminal_update(terminal=terminal, actor=actor, name="x")
        with pytest.raises(NotAllowed):
            terminal_secret_renew(terminal=terminal, actor=actor)
    assert Terminal.objects.get().name == "B1"


# --- sorter bins ------------------------------------------------------------------------------


@pytest.fixture
def sorter(tiny_city):
    return terminal_create(login="S1", unit=tiny_city.b1, actor=None, kind="sorter",
                           default_bin="9")[0]  # fmt: skip


def test_the_most_specific_bin_wins(sorter, tiny_city):
    assert sort_bin_for(sorter, "transit", tiny_city.b2.pk) == "9"
    sort_bin_set(terminal=sorter, action="transit", bin="3", actor=None)
    assert sort_bin_for(sorter, "transit", tiny_city.b2.pk) == "3"
    sort_bin_set(terminal=sorter, action="transit", bin="4", destination=tiny_city.b2, actor=None)
    assert sort_bin_for(sorter, "transit", tiny_city.b2.pk) == "4"
    assert sort_bin_for(sorter, "transit", tiny_city.d1.pk) == "3"
    assert sort_bin_for(sorter, "transit", None) == "3"
    assert sort_bin_for(sorter, "shelve", None) == "9"
    sort_bin_set(terminal=sorter, action="shelve", bin="1", actor=None)
    assert sort_bin_for(sorter, "shelve", None) == "1"
    assert sort_bin_for(sorter, "hold_shelf", None) == "9"


def test_no_rule_and_no_default_is_empty(sorter):
    terminal_update(terminal=sorter, actor=None, default_bin="")
    assert sort_bin_for(sorter, "shelve", None) == ""


def test_a_rule_is_replaced_and_deleted(sorter):
    sort_bin_set(terminal=sorter, action="shelve", bin="1", actor=None)
    rule = sort_bin_set(terminal=sorter, action="shelve", bin="7", actor=None)
    assert SortBin.objects.get().bin == "7"
    sort_bin_delete(rule=rule, actor=None)
    assert sort_bin_for(sorter, "shelve", None) == "9"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"action": "burn", "bin": "1"}, "Unknown route"),
        ({"action": "shelve", "bin": "1", "destination": "b2"}, "Only a transit"),
        ({"action": "shelve", "bin": ""}, "1 to 10 letters"),
        ({"action": "shelve", "bin": "bin|1"}, "1 to 10 letters"),
    ],
)  # fmt: skip
def test_invalid_bins_are_refused(sorter, tiny_city, kwargs, message):
    if "destination" in kwargs:
        kwargs["destination"] = getattr(tiny_city, kwargs["destination"])
    with pytest.raises(InvalidTerminalInput, match=message):
        sort_bin_set(terminal=sorter, actor=None, **kwargs)


def test_only_a_sorter_has_bins(tiny_city):
    kiosk = terminal_create(login="K1", unit=tiny_city.b1, actor=None)[0]
    with pytest.raises(InvalidTerminalInput, match="Only a return sorter"):
        sort_bin_set(terminal=kiosk, action="shelve", bin="1", actor=None)


def test_bins_are_set_by_managers_in_scope(sorter, tiny_city, make_staff):
    manager = make_staff("m-d1", Role.BRANCH_MANAGER, tiny_city.d1)
    rule = sort_bin_set(terminal=sorter, action="shelve", bin="1", actor=manager)
    other = make_staff("m-d2", Role.BRANCH_MANAGER, tiny_city.d2)
    with pytest.raises(NotAllowed):
        sort_bin_set(terminal=sorter, action="shelve", bin="2", actor=other)
    with pytest.raises(NotAllowed):
        sort_bin_delete(rule=rule, actor=other)
    assert SortBin.objects.get().bin == "1"
