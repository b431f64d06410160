"""Nightly targeting of many holds on a city catalogue, and a city day's van runs, on PostgreSQL.

**The city** (built once, kept as a template database in a PostgreSQL cluster under
``var/bench-holds/``, ``LIBCITY_BENCH_HOLDS_CACHE``): ``libcity migrate``, the demo city's
network and readers (``libcity demo --scale SCALE --readers N --records 0``), its catalogue
(the demo's generated records and copies, ``demo.catalogue.loading.catalogue_build``, without
the real MARC files or the search index: targeting reads neither), then ``HOLDS`` holds
waiting for a copy: titles by a Zipf popularity (a few titles have long queues), each reader
at most once a title, collected at the reader's home library, placed over the 30 days before.
The build is rebuilt when the sizes, the seed or ``BUILD_VERSION`` change.

**A run** copies the template (``CREATE DATABASE ... TEMPLATE``) and, in a subprocess:

1. ``holds_target()`` as the worker runs it nightly (for the next Wednesday: every library
   opens), ``TRIES`` times from the same state (each but the last rolled back): the median
   seconds and each try's, holds waiting and targeted,
   titles (target: 300,000 holds in 60 s or less on these 2 cores);
2. one day's transits: ``TRANSITS`` of the chosen copies sent to their pickup points (about
   what a city of 50 M loans a year moves in a day at 75 transits per 1,000 loans), then
   ``van_runs_plan()`` for that day: seconds, vans, stops, kilometres against one trip per
   stop.

Settings: ``LIBCITY_BENCH_HOLDS_SCALE`` (city), ``LIBCITY_BENCH_HOLDS`` (300,000),
``LIBCITY_BENCH_HOLDS_READERS`` (100,000), ``LIBCITY_BENCH_HOLDS_RECORDS`` and ``_ITEMS`` (the
scale's), ``LIBCITY_BENCH_HOLDS_TRANSITS`` (10,000), ``LIBCITY_BENCH_HOLDS_VANS`` (vans per
depot, 12). The city build takes a long while once
(most of it the catalogue's ten million copies).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import importlib.util
import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("LIBCITY_BENCH_HOLDS_CACHE") or REPO / "var" / "bench-holds")
SCALE = os.environ.get("LIBCITY_BENCH_HOLDS_SCALE", "city")
HOLDS = int(os.environ.get("LIBCITY_BENCH_HOLDS", "300000"))
READERS = int(os.environ.get("LIBCITY_BENCH_HOLDS_READERS", "100000"))
RECORDS = os.environ.get("LIBCITY_BENCH_HOLDS_RECORDS")
ITEMS = os.environ.get("LIBCITY_BENCH_HOLDS_ITEMS")
TRANSITS = int(os.environ.get("LIBCITY_BENCH_HOLDS_TRANSITS", "10000"))
#: Vans per depot for the city's day. The policy's default, 2, is a district's: a city day of
#: ten thousand transits has some 1,700 stops over a dozen depots, and at 20 minutes a stop
#: (the network's handling time) a van serves about twenty stops a day.
VANS = int(os.environ.get("LIBCITY_BENCH_HOLDS_VANS", "12"))
#: Targeting runs this many times on the same night (all but the last undone): the median.
TRIES = int(os.environ.get("LIBCITY_BENCH_HOLDS_TRIES", "3"))
SEED = 1
#: Bump when what the build writes changes.
BUILD_VERSION = 1
#: The day targeted and planned: the next Wednesday (every library opens), so the transits
#: sent now fall before its end.
NIGHT = dt.date.today() + dt.timedelta(days=(2 - dt.date.today().weekday()) % 7 or 7)
PG_SETTINGS = {
    "shared_buffers": "1GB",
    "effective_cache_size": "4GB",
    "maintenance_work_mem": "512MB",
    "max_wal_size": "8GB",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "jit": "off",
}


def sizes() -> dict:
    """What the build is made of (records and items ``None``: the scale's own)."""
    return {
        "scale": SCALE, "holds": HOLDS, "readers": READERS,
        "records": int(RECORDS) if RECORDS else None, "items": int(ITEMS) if ITEMS else None,
        "seed": SEED, "version": BUILD_VERSION,
    }  # fmt: skip


def build_key() -> str:
    return hashlib.sha256(json.dumps(sizes(), sort_keys=True).encode()).hexdigest()[:12]


# ------------------------------------------------------------------------------ the driver


def run() -> dict:
    key = build_key()
    figures = {**sizes(), "night": NIGHT.isoformat()}
    with bench_cluster(CACHE / "pg") as admin_url:
        template = f"holds_{key}"
        if not _exists(admin_url, template):
            started = time.monotonic()
            figures.update(_build(admin_url, template))
            figures["build_seconds"] = round(time.monotonic() - started)
        built = CACHE / f"{template}.json"
        if built.exists():
            figures.update(json.loads(built.read_text()))
        with _copy_of(admin_url, template) as url:
            figures.update(_worker("--measure", url))
    return figures


def _build(admin_url: str, template: str) -> dict:
    import psycopg

    building = template + "_building"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {building}")
        admin.execute(f"CREATE DATABASE {building}")
    url = _database_url(admin_url, building)
    env = _env(url)
    libcity = [str(Path(sys.executable).parent / "libcity")]
    _run([*libcity, "migrate", "--noinput", "-v0"], env)
    print(f"  building the {SCALE} network and {READERS} readers", flush=True)
    _run([*libcity, "demo", "--scale", SCALE, "--seed", str(SEED), "--readers", str(READERS),
          "--records", "0", "--loans", "0"], env)  # fmt: skip
    built = _worker("--build", url)
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f"ALTER DATABASE {building} RENAME TO {template}")
    (CACHE / f"{template}.json").write_text(json.dumps(built))
    return built


@contextlib.contextmanager
def _copy_of(admin_url: str, template: str) -> Iterator[str]:
    import psycopg

    name = "holds_run"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
    try:
        yield _database_url(admin_url, name)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name}")


def _exists(admin_url: str, name: str) -> bool:
    import psycopg

    with psycopg.connect(admin_url) as admin:
        found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    return found is not None


def _database_url(admin_url: str, name: str) -> str:
    return admin_url.rsplit("/", 1)[0] + "/" + name


def _env(url: str) -> dict[str, str]:
    home = CACHE / "home"
    home.mkdir(parents=True, exist_ok=True)
    return dict(os.environ, DATABASE_URL=url, LIBCITY_HOME=str(home), LIBCITY_DEBUG="0",
                DJANGO_SETTINGS_MODULE="libcity.config.settings")  # fmt: skip


def _run(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(args, env=env, cwd=REPO, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-10:])
        raise RuntimeError(f"{' '.join(args[-6:])} exited {done.returncode}:\n{tail}")


def _worker(task: str, url: str) -> dict:
    cmd = [sys.executable, __file__, task]
    done = subprocess.run(cmd, env=_env(url), cwd=REPO, capture_output=True, text=True,
                          check=False)  # fmt: skip
    sys.stderr.write(done.stderr[-4000:])
    if done.returncode != 0:
        raise RuntimeError(f"{task} worker exited {done.returncode}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _run_tests_module():
    spec = importlib.util.spec_from_file_location("run_tests", REPO / "tools" / "run_tests.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@contextlib.contextmanager
def bench_cluster(folder: Path) -> Iterator[str]:
    """A PostgreSQL cluster kept in ``folder`` between runs, started on a free port."""
    tools = _run_tests_module()
    bindir = tools.find_pg_bindir()
    if bindir is None:
        raise RuntimeError(tools.MISSING_POSTGRES)
    if not (folder / "data" / "PG_VERSION").exists():
        folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            user = tools._postgres_user()
            os.chown(folder, user.pw_uid, user.pw_gid)
        tools._initdb(bindir, folder)
        with (folder / "data" / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{name} = '{value}'\n" for name, value in PG_SETTINGS.items())
    port = tools.find_free_port()
    try:
        tools._pg_ctl_start(bindir, folder, port)
        yield f"postgres://postgres@127.0.0.1:{port}/postgres"
    finally:
        tools._pg_ctl_stop(bindir, folder)


# ---------------------------------------------------------------------------- the workers


def build_worker() -> dict:
    """The catalogue and the holds, into the database of ``DATABASE_URL``."""
    from django.db import connection

    from libcity.demo.catalogue.loading import catalogue_build
    from libcity.demo.plan import SCALES, city_plan
    from libcity.network.models import Unit

    wanted = sizes()
    scale = SCALES[SCALE]
    wanted["records"] = wanted["records"] or scale.records
    wanted["items"] = wanted["items"] or scale.items
    plan = city_plan(scale, SEED)
    units = {unit.code: unit for unit in Unit.objects.all()}
    started = time.monotonic()
    catalogue_build(plan=plan, seed=SEED, units=units, records=wanted["records"],
                    items=wanted["items"], real=False, index=False,
                    progress=lambda line: print(line, file=sys.stderr, flush=True))  # fmt: skip
    catalogue = time.monotonic() - started
    placed = _holds(wanted["holds"])
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return {"catalogue_seconds": round(catalogue), "holds_placed": placed,
            "records": wanted["records"], "items": wanted["items"]}  # fmt: skip


def _holds(count: int) -> int:
    """``count`` waiting holds: titles by a Zipf popularity, readers at random (once a
    title), collected at the reader's home library."""
    from libcity.catalogue.models import Record
    from libcity.core import clock
    from libcity.core.bulk import insert_rows
    from libcity.holds.models import Hold, HoldStatus
    from libcity.readers.models import Reader

    rng = random.Random(f"libcity-bench-holds-{SEED}")
    titles = list(Record.objects.order_by("pk").values_list("pk", flat=True))
    rng.shuffle(titles)
    weights = [1 / rank for rank in range(1, len(titles) + 1)]
    readers = list(Reader.objects.values_list("pk", "category__code", "home_unit_id"))
    taken: set[tuple[int, int]] = set()
    rows: list[dict] = []
    night = clock.now()
    while len(taken) < count:
        for title in rng.choices(titles, weights=weights, k=min(50_000, count - len(taken))):
            reader, category, home = rng.choice(readers)
            if (reader, title) in taken:
                continue
            taken.add((reader, title))
            rows.append({
                "reader_id": reader, "reader_category": category, "reader_home_unit_id": home,
                "record_id": title, "requested_item_id": None, "pickup_unit_id": home,
                "deliver_home": False, "status": HoldStatus.PLACED,
                "placed_at": night - dt.timedelta(minutes=rng.randrange(1, 30 * 24 * 60)),
                "placed_at_unit_id": None, "not_needed_after": None, "copy_id": None,
                "copy_chosen_at": None, "ready_at": None, "shelf_until": None,
                "ended_at": None, "loan_id": None,
            })  # fmt: skip
        for start in range(0, len(rows), 5000):
            insert_rows(Hold, rows[start : start + 5000])
        rows.clear()
    return len(taken)


def measure_worker() -> dict:
    """Target the holds for the day, then plan the day's vans over a day's transits."""
    from django.db import connection, transaction

    from libcity.holds.models import Hold, HoldStatus
    from libcity.holds.services import holds_target

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    tries = []
    for _try in range(TRIES - 1):  # undone: each try starts from the same night
        with contextlib.suppress(_Undo), transaction.atomic():
            tries.append(_timed_targeting(holds_target))
            raise _Undo
    report, seconds = _timed_targeting(holds_target, report=True)
    tries.append(seconds)
    targeting = sorted(tries)[len(tries) // 2]
    figures = {
        "targeting_seconds": round(targeting, 1),
        "targeting_tries_seconds": [round(t, 1) for t in tries],
        "holds_waiting": report.waiting,
        "holds_targeted": report.targeted, "titles_with_holds": report.titles,
        "holds_per_second": round(report.waiting / max(targeting, 1e-9)),
        "holds_chosen_in_db": Hold.objects.filter(status=HoldStatus.TARGETED).count(),
    }  # fmt: skip
    figures.update(_vans())
    return figures


class _Undo(Exception):
    pass


def _timed_targeting(holds_target, *, report: bool = False):
    started = time.monotonic()
    done = holds_target(day=NIGHT)
    seconds = time.monotonic() - started
    return (done, seconds) if report else seconds


def _vans() -> dict:
    """A day's transits (chosen copies sent to their pickup points), then the van runs."""
    from django.conf import settings
    from django.db.models import F

    from libcity.holds.models import Hold, HoldStatus
    from libcity.logistics.models import TransitReason
    from libcity.logistics.services import transit_send
    from libcity.logistics.services.vans import van_runs_plan

    day = NIGHT
    chosen = (
        Hold.objects.filter(status=HoldStatus.TARGETED)
        .exclude(copy__location=F("pickup_unit"))
        .select_related("copy__location", "pickup_unit")
        .order_by("pk")[:TRANSITS]
    )
    for hold in chosen:
        transit_send(item=hold.copy, from_unit=hold.copy.location, to_unit=hold.pickup_unit,
                     reason=TransitReason.HOLD, actor=None, hold=hold)  # fmt: skip
    settings.LIBCITY_VAN_POLICY = {**getattr(settings, "LIBCITY_VAN_POLICY", {}),
                                   "vans_per_depot": VANS}  # fmt: skip
    started = time.monotonic()
    report = van_runs_plan(day=day)
    seconds = time.monotonic() - started
    stops = sum(len(run.stops) for run in report.runs)
    return {
        "van_day": day.isoformat(), "van_transits": report.transits, "vans_per_depot": VANS,
        "van_planning_seconds": round(seconds, 1), "vans": len(report.runs), "van_stops": stops,
        "van_km": report.km, "van_km_one_trip_per_stop": report.baseline_km,
        "van_stops_closed": len(report.closed), "van_stops_out_of_reach": len(report.dropped),
    }  # fmt: skip


if __name__ == "__main__":
    if sys.argv[1:2] in (["--build"], ["--measure"]):
        import django

        django.setup()
        done = build_worker() if sys.argv[1] == "--build" else measure_worker()
        print(json.dumps(done))
    else:
        for key, value in run().items():
            print(f"{key}: {value}")
