"""The ``libcity`` command's own subcommands: token and serve's refusal of a busy port."""

import io
import socket

import pytest
from django.core.management import CommandError, call_command

from libcity.staff.models import ApiToken, Role
from libcity.staff.services import api_token_authenticate

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_token_create_list_revoke(tiny_city, make_staff):
    user = make_staff("kiosk", Role.DESK, tiny_city.b1)
    raw = run("token", "create", "--user", "kiosk").strip()
    assert api_token_authenticate(raw) == user
    prefix = ApiToken.objects.get().prefix
    assert prefix in run("token", "list") and "active" in run("token", "list")
    run("token", "revoke", prefix)
    assert "revoked" in run("token", "list", "--user", "kiosk")


def test_token_for_unknown_user_is_a_clear_error(db):
    with pytest.raises(CommandError, match="No user named"):
        run("token", "create", "--user", "ghost")


def test_serve_refuses_a_busy_port_with_a_message(db):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(CommandError, match="already running"):
            run("serve", "--port", str(port))


def test_serve_closes_its_connection_before_gunicorn_forks(db, monkeypatch):
    """The workers must not inherit the connection that listed the demo logins (a forked
    connection shared by processes mixes their transactions); their own are kept."""
    from django.conf import settings

    from libcity.config.management.commands import serve

    steps = []
    monkeypatch.setattr(serve.connections, "close_all", lambda: steps.append("close"))
    monkeypatch.setattr(serve._Gunicorn, "run", lambda self: steps.append("gunicorn"))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    run("serve", "--port", str(port))
    assert steps == ["close", "gunicorn"]
    assert settings.DATABASES["default"]["CONN_MAX_AGE"] == 60  # kept, SQLite's too
