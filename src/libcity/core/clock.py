"""The one clock of the platform, so tests can freeze time (time-machine) in one place."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def now() -> dt.datetime:
    """The current aware datetime."""
    return timezone.now()


def local_now() -> dt.datetime:
    """The current time in the library's time zone (settings.TIME_ZONE)."""
    return timezone.localtime(now())


def today() -> dt.date:
    return local_now().date()


def as_local(moment: dt.datetime) -> dt.datetime:
    """An aware datetime in the library's time zone; naive input is taken as local time."""
    if timezone.is_naive(moment):
        return timezone.make_aware(moment)
    return timezone.localtime(moment)


def start_of_day(day: dt.date) -> dt.datetime:
    """Local midnight at the start of ``day``, aware."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))
