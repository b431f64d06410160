"""Weekly timetables and closed dates."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.db import transaction
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _

from libcity.network.exceptions import (
    InvalidClosedDate,
    InvalidTimetable,
)
from libcity.network.models import (
    ClosedDate,
    OpeningHours,
    Unit,
)
from libcity.network.selectors import Timetable, unit_subtree
from libcity.network.services.common import (
    lock_unit,
    write_history,
    write_history_many,
)

# --- opening hours and closed dates ---------------------------------------------------------


def unit_set_timetable(*, unit: Unit, timetable: Timetable, actor: Any = None) -> Unit:
    """Replace the weekly timetable (weekday 0 = Monday); ``{}`` means no regular hours.

    Intervals are ``(opens, closes)`` local times, closing after opening, not overlapping
    within a day (touching is fine: 09:00-12:00 and 12:00-18:00). An interval cannot run
    past midnight: split it over two days, or mark the unit ``open_24h``.
    """
    rows = _timetable_rows(timetable)
    with transaction.atomic():
        lock_unit(unit)
        OpeningHours.objects.filter(unit=unit).delete()
        OpeningHours.objects.bulk_create(
            OpeningHours(unit=unit, weekday=day, opens=opens, closes=closes)
            for day, opens, closes in rows
        )
        write_history("timetable_set", unit=unit, actor=actor, timetable=_timetable_json(rows))
    return unit


def _timetable_json(rows: list[tuple[int, dt.time, dt.time]]) -> dict[str, list[list[str]]]:
    hours: dict[str, list[list[str]]] = {}
    for day, opens, closes in rows:
        hours.setdefault(str(day), []).append([opens.isoformat(), closes.isoformat()])
    return hours


def _timetable_rows(timetable: Timetable) -> list[tuple[int, dt.time, dt.time]]:
    """The timetable as sorted rows, or InvalidTimetable naming the faulty day."""
    if not isinstance(timetable, dict):
        raise InvalidTimetable(_("A timetable maps weekdays to opening intervals."))
    rows = []
    for day in sorted(timetable, key=str):
        _check_weekday(day)
        if not isinstance(timetable[day], list | tuple):
            raise InvalidTimetable(
                _("%(day)s: give a list of intervals.") % {"day": WEEKDAYS[day]}, day=day
            )
        intervals = sorted(_check_interval(day, i) for i in timetable[day])
        _check_no_overlap(day, intervals)
        rows.extend((day, opens, closes) for opens, closes in intervals)
    return sorted(rows)


def _check_weekday(day: object) -> None:
    if not isinstance(day, int) or isinstance(day, bool) or not 0 <= day <= 6:
        raise InvalidTimetable(
            _("%(day)s is not a weekday: use 0 (Monday) to 6 (Sunday).") % {"day": day}, day=day
        )


def _check_interval(day: int, interval: object) -> tuple[dt.time, dt.time]:
    name = WEEKDAYS[day]
    if not (isinstance(interval, tuple | list) and len(interval) == 2):
        raise InvalidTimetable(_("%(day)s: give each interval as (opens, closes).") % {"day": name})
    opens, closes = interval
    if not all(isinstance(t, dt.time) and t.tzinfo is None for t in (opens, closes)):
        raise InvalidTimetable(_("%(day)s: give times as local times of day.") % {"day": name})
    if closes <= opens:
        raise InvalidTimetable(
            _("%(day)s: %(closes)s is not after %(opens)s; a unit must close after it opens.")
            % {"day": name, "opens": opens.strftime("%H:%M"), "closes": closes.strftime("%H:%M")},
            day=day,
        )
    return opens, closes


def _check_no_overlap(day: int, intervals: list[tuple[dt.time, dt.time]]) -> None:
    for (_opens, closes), (next_opens, _next_closes) in itertools.pairwise(intervals):
        if next_opens < closes:
            raise InvalidTimetable(
                _("%(day)s: opening intervals overlap at %(time)s.")
                % {"day": WEEKDAYS[day], "time": next_opens.strftime("%H:%M")},
                day=day,
            )


def unit_add_closed_date(
    *,
    unit: Unit,
    date: dt.date,
    reason: str = "",
    actor: Any = None,
    include_descendants: bool = False,
) -> list[ClosedDate]:
    """Close the unit (and, if asked, every unit below it) on ``date``, whatever its hours.

    Units already closed that day keep their row and reason. Returns the rows added; each
    unit that got one has a ``closed_date_added`` history row.
    """
    reason = _check_closed_date(date, reason)
    with transaction.atomic():
        lock_unit(unit)
        units = list(unit_subtree(unit) if include_descendants else [unit])
        already = set(
            ClosedDate.objects.filter(unit__in=units, date=date).values_list("unit_id", flat=True)
        )
        added = [ClosedDate(unit=u, date=date, reason=reason) for u in units if u.pk not in already]
        ClosedDate.objects.bulk_create(added, ignore_conflicts=True)
        write_history_many(
            "closed_date_added", [row.unit for row in added], actor, date=date.isoformat(),
            reason=reason, requested_at=unit.code,
        )  # fmt: skip
    return added


def _check_closed_date(date: object, reason: str) -> str:
    if not isinstance(date, dt.date) or isinstance(date, dt.datetime):
        raise InvalidClosedDate(_("A closed date is a calendar date."))
    reason = (reason or "").strip()
    if len(reason) > ClosedDate._meta.get_field("reason").max_length:
        raise InvalidClosedDate(_("The reason for closing is too long."))
    return reason


def unit_remove_closed_date(*, unit: Unit, date: dt.date, actor: Any = None) -> bool:
    """Open the unit again on ``date`` as its timetable says. False if it was not closed then."""
    _check_closed_date(date, "")
    with transaction.atomic():
        lock_unit(unit)
        removed, _per_model = ClosedDate.objects.filter(unit=unit, date=date).delete()
        if removed:
            write_history("closed_date_removed", unit=unit, actor=actor, date=date.isoformat())
    return bool(removed)
