"""Checkout and return through the HTTP API, 32 desks at once, on SQLite and on PostgreSQL.

For each configuration (``sqlite-small``, ``sqlite-district``, ``pg-small``, ``pg-district``)
a copy of a demo city is served by ``libcity serve`` (gunicorn, ``WORKERS`` x ``THREADS``) and
32 client threads, each a desk with its own unit and bearer token (a ``desk`` role at its unit
and at the next desk's unit), lend and take back copies over keep-alive ``http.client``
connections: ``POST /api/v1/loans`` then, once a desk has ``WINDOW`` loans out, ``POST
/api/v1/returns`` of the oldest, one return in ``AWAY_SHARE`` at the next desk's unit (the copy
then stays there and joins that desk's shelf). The copies (books, children's books, local
documents standing at the unit, available) and the readers (active, card valid for months, no
block, no loan) are picked from the database beforehand. After ``WARMUP`` seconds the requests
started in the next ``SECONDS`` are counted: p50/p95/p99 latency per operation, loans and
returns per second, answers other than 201/200 by status (there should be none).

Two runs per configuration on the same server. First the desks send as fast as answers come
(a closed loop): the most loans a second the server gives, and latencies that are mostly
queueing, since 32 desks that never pause keep 32 requests waiting (Little's law: the mean
latency is 32 / requests a second). Then (``paced_*``) the desks offer ``PACED_SHARE`` of that
rate, each starting a request on a fixed clock whatever the last answer did (an open loop; a
late answer's wait counts in the next request's latency): the latency of a server that is
busy but not saturated, as desks with time between scans see it.

**Caches** (built once, reused by every later run; delete a folder to rebuild it, or point
``LIBCITY_BENCH_CACHE`` elsewhere; default ``var/bench``):

- ``sqlite-<scale>/demo.sqlite3``: ``libcity migrate`` and ``libcity demo --scale <scale>
  --seed 1``; ``built.json`` marks it complete. A run copies the file into a temporary
  ``LIBCITY_HOME``.
- ``pg/data``: a PostgreSQL cluster kept between runs (``initdb`` once, started on a free port
  for the run and stopped after), holding ``demo_<scale>``, built the same way and renamed
  from ``build_<scale>`` when complete. A run works on ``CREATE DATABASE ... TEMPLATE
  demo_<scale>`` and drops it after.

A run then applies any newer migrations to its copy, so every run starts from the same city.
The small city builds in about a minute; the district city (250,000 records, a million copies,
100,000 readers) takes much longer, once.

Settings from the environment: ``LIBCITY_BENCH_CIRCULATION`` (configurations, comma-separated),
``LIBCITY_BENCH_SECONDS`` (25), ``LIBCITY_BENCH_WARMUP`` (5), ``LIBCITY_BENCH_CLIENTS`` (32),
``LIBCITY_BENCH_WORKERS`` / ``LIBCITY_BENCH_THREADS`` (gunicorn; see docs/operations.md),
``LIBCITY_BENCH_PACED_SHARE`` (0.5; 0 skips the paced run). The figures are only as quiet as
the machine: each configuration records the load average before and after.

``python bench/bench_circulation.py build [CONFIG ...]`` builds the caches only.
``python bench/bench_circulation.py profile`` prints the queries of one checkout and one return
and a cProfile of ten of each, in-process with Django's test client, on a copy of the small
SQLite city (``DATABASE_URL`` to profile another database).
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import importlib.util
import json
import math
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("LIBCITY_BENCH_CACHE") or REPO / "var" / "bench").resolve()
CONFIGS = tuple(
    os.environ.get(
        "LIBCITY_BENCH_CIRCULATION", "sqlite-small,sqlite-district,pg-small,pg-district"
    ).split(",")
)
SEED = 1
CLIENTS = int(os.environ.get("LIBCITY_BENCH_CLIENTS", "32"))
SECONDS = float(os.environ.get("LIBCITY_BENCH_SECONDS", "25"))
WARMUP = float(os.environ.get("LIBCITY_BENCH_WARMUP", "5"))
WORKERS = int(os.environ.get("LIBCITY_BENCH_WORKERS", "2"))
THREADS = int(os.environ.get("LIBCITY_BENCH_THREADS", "4"))
#: Keep each desk's connection open between requests. Off: a new connection per request, as
#: nginx in front (docs/operations.md) makes them to gunicorn.
KEEPALIVE = os.environ.get("LIBCITY_BENCH_KEEPALIVE", "1") == "1"
#: A connection idle this long (seconds) is reopened rather than reused.
IDLE_CLOSE = 1.0
#: Loans a desk keeps out before it takes the oldest back; readers per desk (one loan each).
WINDOW, READERS_PER_DESK = 4, 8
#: Copies a desk starts with, and the share of returns made at the next desk's unit.
POOL, AWAY_SHARE = 120, 0.2
#: The second run of each configuration offers this share of the first run's requests per
#: second, paced (desks with time between scans): the latency when the server is not saturated.
PACED_SHARE = float(os.environ.get("LIBCITY_BENCH_PACED_SHARE", "0.5"))
#: Item types whose rules let a copy stay where it is returned (see circulation policies).
LENDABLE_TYPES = ("book", "children", "local")
HOST = "127.0.0.1"


# ------------------------------------------------------------------------------ subprocesses


def _libcity() -> list[str]:
    beside = Path(sys.executable).parent / "libcity"
    return [str(beside)] if beside.exists() else [sys.executable, "-m", "libcity.config.cli"]


def _env(home: Path, database_url: str) -> dict[str, str]:
    return dict(os.environ, LIBCITY_HOME=str(home), DATABASE_URL=database_url,
                DJANGO_SETTINGS_MODULE="libcity.config.settings", LIBCITY_DEBUG="0")  # fmt: skip


def _run(args: list[str], env: dict[str, str], log: Path | None = None) -> str:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False, cwd=REPO)
    if log is not None:
        log.write_text(done.stdout + done.stderr)
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-8:])
        raise RuntimeError(f"{' '.join(args[-4:])} exited {done.returncode}:\n{tail}")
    return done.stdout


def _build_demo(scale: str, env: dict[str, str], log: Path) -> None:
    """Migrate the (empty) database in ``env`` and build the demo city of ``scale`` into it."""
    print(f"  building the {scale} demo city (once; cached under {CACHE})", flush=True)
    _run([*_libcity(), "migrate", "--noinput", "-v0"], env)
    _run([*_libcity(), "demo", "--scale", scale, "--seed", str(SEED)], env, log)


#: Parts of ``libcity/demo`` that do not build the city (its tests, ``libcity simulate``).
_NOT_THE_BUILDER = {"tests", "simulation"}


def demo_key() -> str:
    """A hash of the demo builder's source (``libcity/demo``; its tests and the simulation
    left out), which decides the city a seed gives: a cache built by other source is built
    again."""
    spec = importlib.util.find_spec("libcity")  # finds the package without importing Django
    root = Path(next(iter(spec.submodule_search_locations))) / "demo"
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).parts
        if not set(parts) & _NOT_THE_BUILDER and path.name != "simulate.py":
            digest.update(str(path.relative_to(root)).encode() + path.read_bytes())
    return digest.hexdigest()[:12]


# ------------------------------------------------------------------------------------ SQLite


@contextlib.contextmanager
def sqlite_database(scale: str, home: Path):
    """A copy of the cached SQLite demo city of ``scale`` (built again when the demo builder
    changed); yields its DATABASE_URL."""
    cached, wanted = CACHE / f"sqlite-{scale}", {"scale": scale, "seed": SEED, "demo": demo_key()}
    built = cached / "built.json"
    if not built.exists() or json.loads(built.read_text()) != wanted:
        shutil.rmtree(cached, ignore_errors=True)
        cached.mkdir(parents=True)
        _build_demo(scale, _env(cached, f"sqlite:///{cached / 'demo.sqlite3'}"),
                    cached / "build.log")  # fmt: skip
        built.write_text(json.dumps(wanted))
    target = home / "demo.sqlite3"
    shutil.copyfile(cached / "demo.sqlite3", target)  # the build closed it: no WAL left over
    yield f"sqlite:///{target}"


# -------------------------------------------------------------------------------- PostgreSQL


def _pg_tools():
    sys.path.insert(0, str(REPO / "tools"))
    try:
        import run_tests
    finally:
        sys.path.pop(0)
    return run_tests


@contextlib.contextmanager
def pg_cluster():
    """The kept cluster under ``CACHE/pg`` (made on first use), started for this block."""
    tools = _pg_tools()
    bindir = tools.find_pg_bindir()
    if bindir is None:
        raise RuntimeError("no PostgreSQL binaries (initdb, pg_ctl) found")
    base = CACHE / "pg"
    if not (base / "data" / "PG_VERSION").exists():
        shutil.rmtree(base, ignore_errors=True)
        base.mkdir(parents=True)
        _give_to_postgres(tools, base)
        tools._initdb(bindir, base)
    running = _running_port(base)
    if running is not None:  # another run (a cache build) has it up: share it, leave it up
        yield f"postgres://postgres@{HOST}:{running}/"
        return
    port = tools.find_free_port()
    _pg_start(tools, bindir, base, port)
    try:
        yield f"postgres://postgres@{HOST}:{port}/"
    finally:
        tools._pg_ctl_stop(bindir, base)


def _running_port(base: Path) -> int | None:
    """The port of the kept cluster when its postmaster is alive (postmaster.pid: the pid
    on the first line, the port on the fourth)."""
    try:
        lines = (base / "data" / "postmaster.pid").read_text().splitlines()
        os.kill(int(lines[0]), 0)
        return int(lines[3])
    except (OSError, ValueError, IndexError):
        return None


def _give_to_postgres(tools, base: Path) -> None:
    if os.geteuid() == 0:
        user = tools._postgres_user()
        os.chown(base, user.pw_uid, user.pw_gid)


def _pg_start(tools, bindir: Path, base: Path, port: int) -> None:
    """Durable writes (fsync on) but ``synchronous_commit=off``: like SQLite's WAL with
    ``synchronous=NORMAL``, a crash may lose the last commits, never consistency."""
    options = (f"-p {port} -k {base} -c listen_addresses={HOST} -c synchronous_commit=off "
               "-c shared_buffers=256MB -c max_connections=200")  # fmt: skip
    cmd = [str(bindir / "pg_ctl"), "-D", str(base / "data"), "-o", options, "-w",
           "-l", str(base / "log"), "start"]  # fmt: skip
    done = tools._run_pg(cmd, cwd=base, start_new_session=True)
    if done.returncode != 0:
        raise RuntimeError(f"pg_ctl start failed: {done.stdout}{done.stderr}")


def _pg_admin(server: str, *statements: str) -> list:
    import psycopg

    with psycopg.connect(server + "postgres", autocommit=True) as db:
        return [db.execute(sql).fetchall() if sql.startswith("SELECT") else db.execute(sql)
                for sql in statements]  # fmt: skip


@contextlib.contextmanager
def pg_database(server: str, scale: str, home: Path):
    """A fresh database made from the cached template ``demo_<scale>_<demo key>`` (built
    when missing, older templates of the scale dropped then); yields its URL."""
    template = f"demo_{scale}_{demo_key()}"
    found = _pg_admin(server, f"SELECT 1 FROM pg_database WHERE datname = '{template}'")[0]
    if not found:
        build = f"build_{scale}"
        _pg_admin(server, f"DROP DATABASE IF EXISTS {build}", f"CREATE DATABASE {build}")
        _build_demo(scale, _env(home, server + build), CACHE / "pg" / f"build-{scale}.log")
        _pg_admin(server, f"ALTER DATABASE {build} RENAME TO {template}")
        _drop_older_templates(server, scale, template)
    run = f"run_{scale}"
    _pg_admin(server, f"DROP DATABASE IF EXISTS {run} WITH (FORCE)",
              f"CREATE DATABASE {run} TEMPLATE {template}")  # fmt: skip
    try:
        yield server + run
    finally:
        _pg_admin(server, f"DROP DATABASE IF EXISTS {run} WITH (FORCE)")


def _drop_older_templates(server: str, scale: str, kept: str) -> None:
    names = _pg_admin(server, f"SELECT datname FROM pg_database WHERE datname LIKE 'demo_{scale}%'")
    for (name,) in names[0]:
        if name != kept:
            _pg_admin(server, f'DROP DATABASE IF EXISTS "{name}"')


# -------------------------------------------------------------------- preparing the desks


def prepare(clients: int) -> dict:
    """(In a subprocess with the run's DATABASE_URL.) Make a desk login and token per client,
    pick its copies and readers, and count the queries of one checkout and one return."""
    import django

    django.setup()
    from libcity.staff.services import api_token_create, staff_assign, staff_create

    units = _busiest_units(clients)
    desks = []
    readers = iter(_free_cards(clients * READERS_PER_DESK + 1))
    for n, unit in enumerate(units):
        away = units[(n + 1) % len(units)]
        user = staff_create(username=f"bench-desk-{n:02d}", password=None, check_password=False)
        for place in (unit, away):
            staff_assign(user=user, role="desk", unit=place, include_descendants=False)
        _token, raw = api_token_create(user=user, name="bench")
        cards = [next(readers) for _ in range(READERS_PER_DESK)]
        desks.append({"unit": unit.code, "away": away.code, "token": raw, "cards": cards,
                      "copies": _copies_at(unit)})  # fmt: skip
    return {"desks": desks, **_queries_per_request(desks[0], next(readers))}


def _busiest_units(clients: int) -> list:
    """The library units with the most lendable copies on their shelves."""
    from django.db.models import Count

    from libcity.catalogue.models import Item
    from libcity.network.models import Unit

    on_shelves = Item.objects.filter(
        status="available", item_type__in=LENDABLE_TYPES,
        location__kind="library", location__is_active=True,
    )  # fmt: skip
    counted = on_shelves.values("location_id").annotate(n=Count("id")).order_by("-n", "location_id")
    ids = [row["location_id"] for row in counted[:clients]]
    by_id = Unit.objects.in_bulk(ids)
    return [by_id[pk] for pk in ids]


def _copies_at(unit) -> list[str]:
    from libcity.catalogue.models import Item

    copies = Item.objects.filter(location=unit, status="available", item_type__in=LENDABLE_TYPES)
    return list(copies.order_by("pk").values_list("barcode", flat=True)[:POOL])


def _free_cards(count: int) -> list[str]:
    """Active cards of active readers valid for months, with no block, no overdue loan and
    room for more loans (their running loans well under the default limit)."""
    import datetime as dt

    from django.db.models import Count

    from libcity.circulation.models import Loan
    from libcity.circulation.policies import DEFAULT_TERMS
    from libcity.core import clock
    from libcity.readers.models import Card, ReaderBlock

    blocked = ReaderBlock.objects.filter(lifted_at__isnull=True).values("reader_id")
    overdue = Loan.objects.filter(status="overdue").values("reader_id")
    busy = (
        Loan.objects.filter(status__in=["on_loan", "renewed"]).values("reader_id")
        .annotate(n=Count("pk")).filter(n__gt=DEFAULT_TERMS.max_items - 2 * WINDOW)
        .values("reader_id")
    )  # fmt: skip
    cards = (
        Card.objects.filter(status="active", reader__status="active",
                            reader__expires_on__gt=clock.today() + dt.timedelta(days=90))
        .exclude(reader_id__in=blocked).exclude(reader_id__in=overdue)
        .exclude(reader_id__in=busy).order_by("reader_id").values_list("number", flat=True)
    )  # fmt: skip
    found = list(cards[: count * 3])
    random.Random(SEED).shuffle(found)
    if len(found) < count:
        raise RuntimeError(f"only {len(found)} free readers for {count}")
    return found[:count]


def _queries_per_request(desk: dict, card: str) -> dict:
    """One checkout and one return through the test client, their queries counted."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST=HOST, HTTP_AUTHORIZATION=f"Bearer {desk['token']}")
    barcode = desk["copies"].pop()
    counts = {}
    for name, path, body in (
        ("checkout", "/api/v1/loans", {"item_barcode": barcode, "card_number": card,
                                       "unit": desk["unit"]}),
        ("return", "/api/v1/returns", {"item_barcode": barcode, "unit": desk["unit"]}),
    ):  # fmt: skip
        with CaptureQueriesContext(connection) as queries:
            answer = client.post(path, body, content_type="application/json")
        if answer.status_code not in (200, 201):
            raise RuntimeError(f"{path} answered {answer.status_code}: {answer.content[:300]}")
        counts[f"queries_per_{name}"] = len(queries)
    return counts


# ---------------------------------------------------------------------------------- server


@contextlib.contextmanager
def served(env: dict[str, str], home: Path):
    """``libcity serve`` on a free port until the block ends; yields the port and a probe of
    the CPU seconds its processes have used."""
    port = _free_port()
    cmd = [*_libcity(), "serve", "--host", HOST, "--port", str(port),
           "--workers", str(WORKERS), "--threads", str(THREADS)]  # fmt: skip
    with open(home / "serve.log", "wb") as log:
        server = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO,
                                  start_new_session=True)  # fmt: skip
    try:
        _wait_for(port, server, home / "serve.log")
        yield port, lambda: _cpu_seconds(server.pid)
    finally:
        _stop(server)


def _cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of a process and its children (the gunicorn master and
    its workers), from /proc; 0 where there is no /proc."""
    try:
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return 0.0
    total = 0
    for each in [pid, *map(int, kids)]:
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / os.sysconf("SC_CLK_TCK")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _wait_for(port: int, server: subprocess.Popen, log: Path, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"libcity serve exited: {log.read_text()[-800:]}")
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=1):
            time.sleep(1.0)  # every worker booted
            return
        time.sleep(0.2)
    raise RuntimeError("libcity serve did not start listening")


def _stop(server: subprocess.Popen) -> None:
    """SIGTERM to the gunicorn master we started (it stops its workers), then SIGKILL to our
    own process group if it lingers."""
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


# ------------------------------------------------------------------------------------ load


@dataclass
class Sample:
    op: str
    started: float
    seconds: float
    status: int | str


@dataclass
class Desk:
    unit: str
    away: str
    token: str
    cards: list[str]
    samples: list[Sample] = field(default_factory=list)
    out: deque = field(default_factory=deque)  # barcodes lent here, oldest first
    lent: int = 0


def _post(conn: http.client.HTTPConnection, path: str, body: dict, token: str,
          scheduled: float | None):  # fmt: skip
    """POST and time it: from ``scheduled`` (a paced desk's planned start, so a request
    that waited for the previous answer counts that wait) or from now."""
    data = json.dumps(body).encode()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    if not KEEPALIVE:
        headers["Connection"] = "close"
    started = scheduled if scheduled is not None else time.perf_counter()
    if time.perf_counter() - getattr(conn, "answered_at", 0.0) > IDLE_CLOSE:
        conn.close()  # gunicorn drops a connection idle for its keepalive (2 s): do not race it
    try:
        conn.request("POST", path, body=data, headers=headers)
        answer = conn.getresponse()
        answer.read()
        status = answer.status
    except (OSError, http.client.HTTPException) as error:
        conn.close()  # reopened by the next request
        status = type(error).__name__
    conn.answered_at = time.perf_counter()
    return status, started, conn.answered_at - started


def desk_loop(n: int, desk: Desk, shelves: dict[str, deque], port: int, end: float,
              interval: float) -> None:  # fmt: skip
    """Lend from this desk's shelf until ``WINDOW`` loans are out, then take the oldest back
    (here, or at the next desk's unit), until ``end``: as fast as answers come, or (with
    ``interval``) one request every ``interval`` seconds, an open loop."""
    rng = random.Random(SEED * 1000 + n)
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    due = time.perf_counter()
    while time.perf_counter() < end:
        scheduled = None
        if interval:
            due += interval
            time.sleep(max(0.0, due - time.perf_counter()))
            scheduled = due
        if not _step(desk, conn, shelves, rng, scheduled):
            time.sleep(0.01)  # an empty shelf: wait for the neighbour's returns
    conn.close()


def _step(desk: Desk, conn, shelves: dict[str, deque], rng: random.Random,
          scheduled: float | None) -> bool:  # fmt: skip
    """One checkout or one return; False when there was nothing to do."""
    shelf = shelves[desk.unit]
    if len(desk.out) < WINDOW and shelf:
        barcode, card = shelf.popleft(), desk.cards[desk.lent % len(desk.cards)]
        desk.lent += 1
        body = {"item_barcode": barcode, "card_number": card, "unit": desk.unit}
        status, started, seconds = _post(conn, "/api/v1/loans", body, desk.token, scheduled)
        desk.samples.append(Sample("checkout", started, seconds, status))
        if status == 201:
            desk.out.append(barcode)
        return True
    if desk.out:
        barcode = desk.out.popleft()
        at = desk.away if rng.random() < AWAY_SHARE else desk.unit
        body = {"item_barcode": barcode, "unit": at}
        status, started, seconds = _post(conn, "/api/v1/returns", body, desk.token, scheduled)
        desk.samples.append(Sample("return", started, seconds, status))
        if status == 200:
            shelves[at].append(barcode)
        return True
    return False


def load(plan: dict, port: int, rate: float = 0.0, cpu=lambda: 0.0) -> dict:
    """Run every desk in its own thread, as fast as answers come or (``rate``) at that
    many requests per second in all; the figures of the requests started in the measured
    window, with the server's and this client's CPU milliseconds per request in it (``cpu``
    probes the server). The shelves and loans of the plan carry over to the next call."""
    desks = plan.setdefault("running", [Desk(d["unit"], d["away"], d["token"], d["cards"])
                                        for d in plan["desks"]])  # fmt: skip
    shelves = plan.setdefault("shelves", {d["unit"]: deque(d["copies"]) for d in plan["desks"]})
    for desk in desks:
        desk.samples = []
    interval = len(desks) / rate if rate else 0.0
    begin = time.perf_counter()
    window = (begin + WARMUP, begin + WARMUP + SECONDS)
    used = []  # (server, client) CPU seconds at the window's start and end
    probe = threading.Timer(WARMUP, lambda: used.append((cpu(), time.process_time())))
    probe.start()
    previous = sys.getswitchinterval()
    sys.setswitchinterval(0.0005)  # client threads answer their socket promptly
    try:
        threads = [
            threading.Thread(target=desk_loop, args=(n, d, shelves, port, window[1], interval))
            for n, d in enumerate(desks)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(previous)
    used.append((cpu(), time.process_time()))
    samples = [s for d in desks for s in d.samples if window[0] <= s.started < window[1]]
    figures = summarise(samples, SECONDS)
    n = max(1, len(samples))
    figures["server_cpu_ms_per_request"] = round((used[1][0] - used[0][0]) * 1000 / n, 2)
    figures["client_cpu_ms_per_request"] = round((used[1][1] - used[0][1]) * 1000 / n, 2)
    return figures


def percentile(sorted_values: list[float], q: float) -> float | None:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return None
    return sorted_values[max(0, math.ceil(q * len(sorted_values)) - 1)]


def summarise(samples: list[Sample], seconds: float) -> dict:
    figures: dict = {}
    expected = {"checkout": 201, "return": 200}
    for op, ok in expected.items():
        done = sorted(s.seconds * 1000 for s in samples if s.op == op and s.status == ok)
        for q in (50, 95, 99):
            value = percentile(done, q / 100)
            figures[f"{op}_p{q}_ms"] = round(value, 2) if value is not None else None
        figures[f"{op}s_per_s" if op == "return" else "loans_per_s"] = round(len(done) / seconds, 1)
    figures["requests_per_s"] = round(len(samples) / seconds, 1)
    errors = Counter(f"{s.op}:{s.status}" for s in samples if s.status != expected[s.op])
    figures["errors"] = dict(sorted(errors.items()))
    return figures


# ------------------------------------------------------------------------------- a config


def measure(config: str, server: str | None) -> dict:
    engine, scale = config.split("-", 1)
    home = Path(tempfile.mkdtemp(prefix=f"libcity-bench-circ-{config}-"))
    try:
        if engine == "sqlite":
            database = sqlite_database(scale, home)
        else:
            database = pg_database(server, scale, home)
        with database as url:
            env = _env(home, url)
            _run([*_libcity(), "migrate", "--noinput", "-v0"], env)
            prepared = _run([sys.executable, __file__, "prepare", str(CLIENTS)], env)
            plan = json.loads(prepared.strip().splitlines()[-1])
            load_before = os.getloadavg()[0]
            with served(env, home) as (port, cpu):
                figures = load(plan, port, cpu=cpu)
                rate = PACED_SHARE * figures["requests_per_s"]
                paced = load(plan, port, rate, cpu) if rate else {}
        figures.update({f"paced_{key}": value for key, value in paced.items()})
        figures.update(queries_per_checkout=plan["queries_per_checkout"],
                       queries_per_return=plan["queries_per_return"],
                       load_before=round(load_before, 2),
                       load_after=round(os.getloadavg()[0], 2))  # fmt: skip
        return {f"{config}_{key}": value for key, value in figures.items()}
    finally:
        shutil.rmtree(home, ignore_errors=True)


def run() -> dict:
    figures: dict = {"clients": CLIENTS, "seconds": SECONDS, "warmup": WARMUP,
                     "workers": WORKERS, "threads": THREADS, "window": WINDOW,
                     "away_share": AWAY_SHARE}  # fmt: skip
    configs = [c.strip() for c in CONFIGS if c.strip()]
    sqlite = [c for c in configs if c.startswith("sqlite-")]
    pg = [c for c in configs if c.startswith("pg-")]
    for config in sqlite:
        figures.update(measure(config, None))
    if pg:
        with pg_cluster() as server:
            for config in pg:
                figures.update(measure(config, server))
    return figures


# ------------------------------------------------------------------------------ profiling


def profile() -> None:
    """Queries and a cProfile of a checkout and a return, in-process (see the docstring)."""
    import cProfile
    import pstats

    home = Path(tempfile.mkdtemp(prefix="libcity-bench-circ-profile-"))
    if "DATABASE_URL" not in os.environ:
        shutil.copyfile(CACHE / "sqlite-small" / "demo.sqlite3", home / "demo.sqlite3")
        os.environ["DATABASE_URL"] = f"sqlite:///{home / 'demo.sqlite3'}"
    os.environ.update(LIBCITY_HOME=str(home), DJANGO_SETTINGS_MODULE="libcity.config.settings")
    plan = prepare(2)
    print(json.dumps({k: v for k, v in plan.items() if k != "desks"}))
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    desk = plan["desks"][0]
    client = Client(HTTP_HOST=HOST, HTTP_AUTHORIZATION=f"Bearer {desk['token']}")
    copies, cards = desk["copies"][:10], desk["cards"]

    def both(verbose: bool = False) -> None:
        for n, barcode in enumerate(copies):
            for path, body in (("/api/v1/loans", {"item_barcode": barcode, "unit": desk["unit"],
                                                  "card_number": cards[n % len(cards)]}),
                               ("/api/v1/returns", {"item_barcode": barcode,
                                                    "unit": desk["away"]})):  # fmt: skip
                with CaptureQueriesContext(connection) as queries:
                    client.post(path, body, content_type="application/json")
                if verbose and n == 0:
                    print(f"{path}: {len(queries)} queries")
                    for query in queries:
                        print("   ", query["sql"][:160])

    both(verbose=True)
    copies = desk["copies"][10:20]
    profiler = cProfile.Profile()
    profiler.enable()
    both()
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(60)
    shutil.rmtree(home, ignore_errors=True)


def build(configs: list[str]) -> None:
    """Build the cached demo cities of these configurations, nothing else."""
    home = Path(tempfile.mkdtemp(prefix="libcity-bench-circ-build-"))
    try:
        for config in (c for c in configs if c.startswith("sqlite-")):
            with sqlite_database(config.split("-", 1)[1], home):
                pass
        pg = [c for c in configs if c.startswith("pg-")]
        if pg:
            with pg_cluster() as server:
                for config in pg:
                    with pg_database(server, config.split("-", 1)[1], home):
                        pass
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["prepare"]:
        print(json.dumps(prepare(int(sys.argv[2]))))
    elif sys.argv[1:2] == ["profile"]:
        profile()
    elif sys.argv[1:2] == ["build"]:
        build(sys.argv[2:] or list(CONFIGS))
    else:
        for key, value in run().items():
            print(f"{key}: {value}")
