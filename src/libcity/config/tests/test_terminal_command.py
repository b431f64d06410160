"""``libcity terminal create`` and ``list``: the secret printed once, the settings kept."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from libcity.selfservice.models import Terminal
from libcity.selfservice.services import terminal_authenticate

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_create_prints_the_secret_once_and_list_never(tiny_city):
    out, err = run("terminal", "create", "--login", "K1", "--unit", "b1", "--kind", "kiosk",
                   "--encoding", "gb18030", "--checksum", "lenient", "--terminator", "crlf",
                   "--delimiter", "^", "--status-before-login", "--idle", "900",
                   "--institution", "GZLIB")  # fmt: skip
    secret = out.strip()
    terminal = terminal_authenticate("K1", secret)
    assert terminal is not None and "shown only once" in err
    assert (terminal.unit.code, terminal.kind, terminal.encoding, terminal.checksum) == (
        "b1", "kiosk", "gb18030", "lenient",
    )  # fmt: skip
    assert (terminal.terminator, terminal.delimiter, terminal.idle_seconds) == ("crlf", "^", 900)
    assert terminal.status_before_login and terminal.institution == "GZLIB"
    listing, _err = run("terminal", "list")
    assert "K1" in listing and "b1" in listing and "gb18030" in listing and "active" in listing
    assert secret not in listing


def test_defaults_when_no_option_is_given(tiny_city):
    run("terminal", "create", "--login", "S1", "--unit", "b1", "--kind", "sorter",
        "--default-bin", "9")  # fmt: skip
    terminal = Terminal.objects.get()
    assert (terminal.encoding, terminal.checksum, terminal.terminator) == ("utf-8", "strict", "cr")
    assert not terminal.status_before_login and terminal.default_bin == "9"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--unit", "nowhere"], "There is no such unit"),
        (["--unit", "b1", "--idle", "1"], "idle time-out"),
        (["--unit", "b1", "--delimiter", "ab"], "delimiter"),
    ],
)  # fmt: skip
def test_refusals_are_clear_errors(tiny_city, args, message):
    with translation.override("en"), pytest.raises(CommandError, match=message):
        run("terminal", "create", "--login", "K1", *args)
    assert not Terminal.objects.exists()


def test_a_login_is_taken_once(tiny_city):
    run("terminal", "create", "--login", "K1", "--unit", "b1")
    with translation.override("en"), pytest.raises(CommandError, match="exists already"):
        run("terminal", "create", "--login", "K1", "--unit", "b2")
