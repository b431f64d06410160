"""Terminals: created with a machine login and a generated secret, authenticated by it.

A terminal acts in the services as its own user, who holds ``Role.MACHINE`` at the
terminal's unit only: a kiosk lends, takes returns and registers readers there and nowhere
else, through the same permission checks as a desk.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import secrets

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from libcity.core import clock
from libcity.network.models import Unit
from libcity.selfservice.exceptions import InvalidTerminalInput, TerminalExists
from libcity.selfservice.models import (
    ChecksumMode,
    Encoding,
    Terminal,
    TerminalKind,
    Terminator,
)
from libcity.selfservice.services.bins import is_bin
from libcity.staff.models import Role
from libcity.staff.policies import SELFSERVICE_MANAGE
from libcity.staff.selectors import Actor, require_permission
from libcity.staff.services import staff_assign

TERMINAL_SECRET_PREFIX = "sip_"
_LOGIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]{1,59}")
#: The settings a terminal may change, with how each is checked.
_CHOICES = {
    "kind": TerminalKind,
    "encoding": Encoding,
    "checksum": ChecksumMode,
    "terminator": Terminator,
}
_MOST_IDLE_SECONDS = 24 * 3600


def terminal_create(*, login: str, unit: Unit, actor: Actor, secret: str | None = None,
                    **settings) -> tuple[Terminal, str]:  # fmt: skip
    """A new terminal at ``unit`` and its machine user. Returns the terminal and its secret,
    shown once (``secret``: given instead of generated, for the demo and tests)."""
    if actor is not None:
        require_permission(actor, SELFSERVICE_MANAGE, unit)
    login = (login or "").strip()
    if not _LOGIN.fullmatch(login):
        raise InvalidTerminalInput(_(
            "A terminal login is 2 to 60 letters, digits or . _ @ -, starting with one "
            "letter or digit."
        ))  # fmt: skip
    cleaned = _clean_settings(settings)
    raw = secret or TERMINAL_SECRET_PREFIX + secrets.token_urlsafe(24)
    username = f"terminal:{login}"
    try:
        with transaction.atomic():
            user = get_user_model().objects.create_user(username=username[:150], password=None)
            staff_assign(user=user, role=Role.MACHINE, unit=unit, include_descendants=False)
            terminal = Terminal.objects.create(
                login=login, secret_hash=_secret_hash(raw), user=user, unit=unit,
                created_at=clock.now(), **cleaned,
            )  # fmt: skip
    except IntegrityError:
        raise TerminalExists(
            _("A terminal with the login %(login)s exists already.") % {"login": login}
        ) from None
    return terminal, raw


def terminal_update(*, terminal: Terminal, actor: Actor, **settings) -> Terminal:
    """Change a terminal's settings (what the SIP2 server reads at the next sign-in)."""
    if actor is not None:
        require_permission(actor, SELFSERVICE_MANAGE, terminal.unit)
    cleaned = _clean_settings(settings)
    for name, value in cleaned.items():
        setattr(terminal, name, value)
    with transaction.atomic():
        terminal.save(update_fields=list(cleaned))
        if "is_active" in cleaned:
            users = get_user_model().objects.filter(pk=terminal.user_id)
            users.update(is_active=terminal.is_active)
    return terminal


def terminal_secret_renew(*, terminal: Terminal, actor: Actor) -> str:
    """A new secret (the old one stops working); returned once."""
    if actor is not None:
        require_permission(actor, SELFSERVICE_MANAGE, terminal.unit)
    raw = TERMINAL_SECRET_PREFIX + secrets.token_urlsafe(24)
    Terminal.objects.filter(pk=terminal.pk).update(secret_hash=_secret_hash(raw))
    terminal.secret_hash = _secret_hash(raw)
    return raw


def terminal_authenticate(login: str, secret: str) -> Terminal | None:
    """The active terminal with this login and secret, or None. The comparison takes the
    same time whether the login exists or not."""
    terminal = (
        Terminal.objects.select_related("unit", "user")
        .filter(login=(login or "").strip(), is_active=True)
        .first()
    )
    expected = terminal.secret_hash if terminal else _secret_hash("")
    if not hmac.compare_digest(expected, _secret_hash(secret or "")) or terminal is None:
        return None
    if not terminal.unit.is_active or not terminal.user.is_active:
        return None
    return terminal


def terminal_seen(terminal: Terminal, *, address: str = "") -> None:
    """Note when, and from which address, the terminal last signed in."""
    Terminal.objects.filter(pk=terminal.pk).update(
        last_seen_at=clock.now(), last_address=_ip_or_none(address)
    )


def _ip_or_none(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def _secret_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _clean_settings(settings: dict) -> dict:
    cleaned = {}
    for name, value in settings.items():
        if name in _CHOICES:
            if value not in _CHOICES[name].values:
                raise InvalidTerminalInput(
                    _("%(value)s is not a valid %(name)s.") % {"value": value, "name": name}
                )
            cleaned[name] = value
        elif name == "delimiter":
            cleaned[name] = _delimiter(value)
        elif name == "idle_seconds":
            cleaned[name] = _idle_seconds(value)
        elif name in ("status_before_login", "is_active"):
            cleaned[name] = bool(value)
        elif name == "default_bin":
            cleaned[name] = _default_bin(value)
        elif name in ("name", "institution"):
            cleaned[name] = _text(name, value)
        else:
            raise InvalidTerminalInput(_("Unknown setting: %(name)s") % {"name": name})
    return cleaned


def _delimiter(value) -> str:
    value = value or "|"
    if len(value) != 1 or not value.isascii() or value.isalnum() or value in "\r\n ":
        raise InvalidTerminalInput(
            _("The field delimiter is one printable ASCII sign that is not a letter or digit.")
        )
    return value


def _idle_seconds(value) -> int:
    try:
        seconds = int(value)
    except (TypeError, ValueError):
        seconds = -1
    if not 10 <= seconds <= _MOST_IDLE_SECONDS:
        raise InvalidTerminalInput(
            _("The idle time-out is between 10 seconds and one day (in seconds).")
        )
    return seconds


def _default_bin(value) -> str:
    """Empty (no default: the sorter keeps the copy) or a bin as a bin rule names one."""
    text = str(value or "").strip()
    if text and not is_bin(text):
        raise InvalidTerminalInput(_("A bin is 1 to 10 letters, digits, - or _."))
    return text


def _text(name: str, value) -> str:
    text = str(value or "").strip()
    limit = Terminal._meta.get_field(name).max_length
    if len(text) > limit or "|" in text or "\r" in text or "\n" in text:
        raise InvalidTerminalInput(
            _("%(name)s is at most %(n)d characters, without | or line breaks.")
            % {"name": name, "n": limit}
        )
    return text
