"""24-hour room gates: may the reader holding this card come in now?

A refusal is an answer, not an error: the gate shows its message and stays shut. Every
answer is counted per unit and day (entries and refusals) and nothing else is kept: no row
says who came in, or when.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.utils.translation import gettext as _

from libcity.core import clock
from libcity.network.models import Unit
from libcity.network.selectors import unit_is_open
from libcity.readers.models import Card, CardStatus, Reader, ReaderStatus
from libcity.readers.selectors import reader_is_blocked
from libcity.selfservice.models import UnitVisit
from libcity.staff.policies import SELFSERVICE_USE
from libcity.staff.selectors import Actor, require_permission

#: The reasons a gate stays shut. Stable: gates and statistics key on them.
CARD_UNKNOWN = "card_unknown"
CARD_NOT_ACTIVE = "card_not_active"
CARD_EXPIRED = "card_expired"
READER_NOT_ACTIVE = "reader_not_active"
READER_BLOCKED = "reader_blocked"
UNIT_CLOSED = "unit_closed"
REFUSALS = (CARD_UNKNOWN, CARD_NOT_ACTIVE, CARD_EXPIRED, READER_NOT_ACTIVE, READER_BLOCKED,
            UNIT_CLOSED)  # fmt: skip


@dataclass(frozen=True)
class GateAnswer:
    """What the gate does and shows. ``name`` is the reader's name masked (张*三), only
    when the gate opens."""

    allowed: bool
    reason: str | None
    message: str
    name: str = ""


def gate_entry(*, unit: Unit, card_number: str, actor: Actor) -> GateAnswer:
    """Let the holder of ``card_number`` into ``unit`` now, or say why not; counted."""
    if actor is not None:
        require_permission(actor, SELFSERVICE_USE, unit)
    card = _card(card_number)
    reason = _card_refusal(card) or _unit_refusal(unit)
    unit_visit_count(unit=unit, allowed=reason is None)
    if reason is not None:
        return GateAnswer(allowed=False, reason=reason, message=_refusal_message(reason))
    name = masked_name(card.reader.name)
    return GateAnswer(allowed=True, reason=None, name=name,
                      message=_("Welcome, %(name)s.") % {"name": name})  # fmt: skip


def _card(number: str) -> Card | None:
    number = (number or "").strip()
    if not number:
        return None
    return Card.objects.select_related("reader").filter(number=number).first()


def _card_refusal(card: Card | None) -> str | None:
    if card is None:
        return CARD_UNKNOWN
    reader: Reader = card.reader
    if card.status != CardStatus.ACTIVE:
        return CARD_NOT_ACTIVE
    if reader.status == ReaderStatus.CLOSED:
        return READER_NOT_ACTIVE
    if reader.status == ReaderStatus.EXPIRED or reader.expires_on < clock.today():
        return CARD_EXPIRED
    if reader_is_blocked(reader):
        return READER_BLOCKED
    return None


def _unit_refusal(unit: Unit) -> str | None:
    return None if unit_is_open(unit, clock.now()) else UNIT_CLOSED


def _refusal_message(reason: str) -> str:
    """The gate's screen line, in the language of the request (the gate's screen)."""
    messages = {
        CARD_UNKNOWN: _("This card is not known. Please ask the library's staff."),
        CARD_NOT_ACTIVE: _("This card was replaced or reported lost. Please use your new card."),
        CARD_EXPIRED: _("This card has expired. Renew it at any library desk."),
        READER_NOT_ACTIVE: _("This card is closed. Please ask the library's staff."),
        READER_BLOCKED: _(
            "This card is blocked. Please settle it at a library desk or in your account."
        ),
        UNIT_CLOSED: _("We are closed now. Please come back during opening hours."),
    }
    return messages[reason]


def masked_name(name: str) -> str:
    """The first and, from three characters on, the last character; stars between."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def unit_visit_count(*, unit: Unit, allowed: bool) -> None:
    """Add one entry (or one refusal) to today's count at ``unit``: one INSERT … ON CONFLICT
    DO UPDATE with the increment done by the database, so gates answering at the same moment
    never lose a count (no read-modify-write in Python). SQLite ≥ 3.24 and PostgreSQL both
    speak it."""
    table = UnitVisit._meta.db_table
    entries, refused = (1, 0) if allowed else (0, 1)
    sql = (
        f"INSERT INTO {table} (unit_id, day, entries, refused) VALUES (%s, %s, %s, %s) "
        f"ON CONFLICT (unit_id, day) DO UPDATE SET "
        f"entries = {table}.entries + excluded.entries, "
        f"refused = {table}.refused + excluded.refused"
    )
    with connection.cursor() as cursor:
        day = connection.ops.adapt_datefield_value(clock.today())
        cursor.execute(sql, [unit.pk, day, entries, refused])
