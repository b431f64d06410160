"""SIP2 dates and flags.

A SIP2 date is 18 characters, ``YYYYMMDDZZZZHHMMSS``; the zone ``ZZZZ`` is 4 spaces for the
terminal's local time (what every terminal we meet sends) and ``   Z`` for UTC. Terminals
also send 18 spaces for "no date", and some servers and kiosks write due dates as ISO
``YYYY-MM-DD`` or ``YYYY-MM-DD HH:MM:SS``; all of these are read.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from .errors import Malformed

LOCAL_ZONE = "    "

_SIP = re.compile(r"([0-9]{8})([A-Z ]{4})([0-9]{6})")
_ISO = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[ T]([0-9]{2}):([0-9]{2}):([0-9]{2}))?")
_UTC_ZONES = frozenset({"Z", "UTC", "GMT"})


def sip_datetime(dt: datetime) -> str:
    """``dt``'s wall-clock time as a SIP2 date in local time (zone of 4 spaces). Pass the
    library's local time (``timezone.localtime(...)``): the zone is not converted here."""
    return dt.strftime("%Y%m%d") + LOCAL_ZONE + dt.strftime("%H%M%S")


def parse_sip_datetime(text: str) -> datetime | None:
    """A SIP2 date, or None for a blank one. Local times come back naive; a date in UTC
    (zone ``Z``, ``UTC`` or ``GMT``) comes back aware. Other zone names are ignored.
    Malformed for text that is no date in any of the accepted forms."""
    if not text.strip():
        return None
    try:
        if match := _SIP.fullmatch(text):
            day, zone, clock = match.groups()
            value = datetime.strptime(day + clock, "%Y%m%d%H%M%S")
            return value.replace(tzinfo=UTC) if zone.strip() in _UTC_ZONES else value
        if match := _ISO.fullmatch(text.strip()):
            return datetime(*(int(part) for part in match.groups() if part is not None))
    except ValueError:
        pass
    raise Malformed(f"{text[:40]!r} is not a SIP2 date")


def yn(value: bool) -> str:
    """A SIP2 flag: "Y" or "N"."""
    return "Y" if value else "N"
