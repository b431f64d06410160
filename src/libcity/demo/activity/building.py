"""The activity phase of the demo build: the city as it stood a year ago, readers' consent, then
a year of circulation written in bulk."""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.db import connection, models
from django.db.models import F

from libcity.core import clock
from libcity.demo.activity.loans import Planner
from libcity.demo.activity.world import world_read
from libcity.demo.activity.writing import BulkRows, LoanWriter, Written
from libcity.demo.activity.year import DAYS, Year
from libcity.demo.catalogue.loading import SQLITE_CACHE_KIB, _sqlite_cache
from libcity.readers.models import Reader, ReaderHistory

Progress = Callable[[str], None]
#: The share of readers who agree to keep their reading history.
CONSENT_SHARE = 0.3
#: The rooms whose rows the build wrote before the activity: moved back to before the year.
BUILT_BEFORE = ("auth", "network", "readers", "staff", "catalogue")
_ID_CHUNK = 2_000


@dataclass
class ActivityCounts:
    loans: int = 0
    open_now: int = 0
    overdue_now: int = 0
    renewed: int = 0
    returned_elsewhere: int = 0
    consenting: int = 0
    written: Written | None = None
    seconds: float = 0.0


def activity_build(
    *,
    seed: int,
    loans: int,
    built_since: dt.datetime | None = None,
    days: int = DAYS,
    favourite: int | None = None,
    consent: float = CONSENT_SHARE,
    progress: Progress | None = None,
) -> ActivityCounts:
    """A year of about ``loans`` loans ending now. ``built_since``: when the build began; what
    it wrote since is moved back to the day before the year, so readers, copies and units
    exist before their first loan. ``favourite``: a reader (the demo login) who reads a lot
    and keeps a reading history."""
    with _sqlite_cache(SQLITE_CACHE_KIB):
        return _activity(seed, loans, built_since, days, favourite, consent, progress)


def _activity(seed, loans, built_since, days, favourite, consent, progress) -> ActivityCounts:
    say = progress or (lambda _line: None)
    started = time.monotonic()
    now = clock.now()
    counts = ActivityCounts()
    if built_since is not None:
        city_move_back(since=built_since, by=dt.timedelta(days=days + 1))
    counts.consenting = consent_give(seed=seed, share=consent, favourite=favourite)
    world = world_read(today=clock.as_local(now).date())
    say(
        f"activity: {len(world.readers)} readers ({counts.consenting} keep a reading history), "
        f"{len(world.shelves)} copies on the shelves ({time.monotonic() - started:.1f} s)"
    )
    planner = Planner(world, now=now)
    year = Year(world, planner, seed=seed, loans=loans, days=days, favourite=favourite)
    writer = LoanWriter(book=world.book, credit={r.pk: r.credit for r in world.readers})
    month = None
    for plan in year.plans():
        writer.add(plan)
        _count(counts, plan)
        if plan.out_on.month != month:
            month = plan.out_on.month
            say(f"activity: {plan.out_on:%Y-%m}, {counts.loans} loans so far "
                f"({time.monotonic() - started:.1f} s)")  # fmt: skip
    counts.written = writer.finish()
    counts.seconds = time.monotonic() - started
    say(f"activity: {counts.loans} loans over {days} days, {counts.open_now} open now, "
        f"{counts.overdue_now} overdue now ({counts.seconds:.1f} s)")  # fmt: skip
    return counts


def _count(counts: ActivityCounts, plan) -> None:
    counts.loans += 1
    counts.renewed += plan.renewed_at is not None
    if plan.back_on is None:
        counts.open_now += 1
        counts.overdue_now += plan.overdue_at is not None
    elif plan.back_unit is not plan.unit:
        counts.returned_elsewhere += 1


def consent_give(*, seed: int, share: float, favourite: int | None = None) -> int:
    """``share`` of the readers (and ``favourite``) keep their reading history, as
    ``reader_set_consent`` records it: the flag and a ``consent_changed`` row, dated when the
    reader registered."""
    rng = random.Random(f"libcity-demo-consent-{seed}")
    rows = Reader.objects.filter(keeps_reading_history=False).order_by("pk")
    chosen = [
        (pk, registered)
        for pk, registered in rows.values_list("pk", "registered_at").iterator(10_000)
        if rng.random() < share or pk == favourite
    ]
    for start in range(0, len(chosen), _ID_CHUNK):
        ids = [pk for pk, _at in chosen[start : start + _ID_CHUNK]]
        Reader.objects.filter(pk__in=ids).update(keeps_reading_history=True)
    moment = Reader._meta.get_field("registered_at")
    BulkRows(ReaderHistory, ("reader_id", "at", "details"), {
        "action": "consent_changed", "actor_id": None,
    }, json=("details",)).write(
        (pk, moment.get_db_prep_save(at, connection), {"keeps_reading_history": True})
        for pk, at in chosen
    )  # fmt: skip
    return len(chosen)


def city_move_back(*, since: dt.datetime, by: dt.timedelta) -> int:
    """Move every moment the build wrote since ``since`` (units, staff, readers and cards,
    records and copies, and their history) back by ``by``. Returns the rows changed.

    One ``UPDATE`` a column, in the database's own date arithmetic (a million copies and their
    history: seconds; through ``F() - timedelta`` SQLite calls back into Python for each row).
    On SQLite the moments moved lose their fraction of a second.
    """
    changed = 0
    for label in BUILT_BEFORE:
        for model in apps.get_app_config(label).get_models():
            fields = [f for f in model._meta.concrete_fields if isinstance(f, models.DateTimeField)]
            if fields:
                changed += _move_back(model, fields, since, by.days)
    return changed


def _move_back(model, fields: list, since: dt.datetime, days: int) -> int:
    """One ``UPDATE`` of the model's moments at or after ``since``."""
    quote = connection.ops.quote_name
    if connection.vendor == "sqlite":
        shift = "datetime({c}, '-" + str(int(days)) + " days')"
    elif connection.vendor == "postgresql":
        shift = "{c} - interval '" + str(int(days)) + " days'"
    else:
        moved = 0
        for f in fields:
            rows = model.objects.filter(**{f"{f.attname}__gte": since})
            moved += rows.update(**{f.attname: F(f.attname) - dt.timedelta(days=days)})
        return moved
    value = fields[0].get_db_prep_value(since, connection)
    columns = [quote(f.column) for f in fields]
    sets = ", ".join(
        f"{c} = CASE WHEN {c} >= %s THEN {shift.format(c=c)} ELSE {c} END" for c in columns
    )
    where = " OR ".join(f"{c} >= %s" for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(model._meta.db_table)} SET {sets} WHERE {where}",
            [value] * (2 * len(columns)),
        )
        return cursor.rowcount
