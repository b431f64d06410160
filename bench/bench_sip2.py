"""A thousand SIP2 connections at once on these 2 cores: checkout, return and patron
information, on SQLite and on PostgreSQL.

For each configuration (``sqlite-small``, ``pg-small``) a copy of the demo city (the caches of
``bench_circulation``: built once) is served by ``libcity sip2`` (``PROCESSES``: processes on
one port, each with ``WORKERS`` threads) and one
client process opens ``CONNECTIONS`` connections, each a kiosk signed in (93) with one of
``TERMINALS`` terminal accounts at the units with the most lendable copies. Each kiosk has a
card and ``POOL`` copies standing at its unit, and repeats: check out the next copy (11),
ask the card's patron information (63), take the oldest loan back (09), so the mix is one
third each. Requests are encoded and answers decoded by pysip2 (an independent codec).

First every kiosk sends as soon as its answer came (a closed loop): the most messages a
second the server gives; latency is then mostly queueing (1,000 messages waiting). Then
(``every_<N>s_*``) each kiosk sends one message every N seconds of ``KIOSK_SECONDS``, each on
its own clock (an open loop; a late answer's wait counts): the latency at a given load.

What load is real: the city of DOMAIN.md lends about 50 M books a year over about 3,000
service points. Were every loan made at a kiosk, a service point would lend 46 a day, about
5 an hour over ten opening hours; each loan is a checkout and a return, and one patron
information per reader's visit of about three books, so about 11 messages an hour; a Saturday
afternoon is several times the average (say 4): 43 messages an hour, one every 84 seconds. A
kiosk sending every 60 seconds is therefore a busy Saturday with margin (1,000 kiosks: 17
messages a second), every 20 seconds three times that (50 a second).

After ``WARMUP`` seconds the messages started in the next ``SECONDS`` are counted (in a
paced run at least long enough for each kiosk to send three, the whole mix):
p50/p99 latency per message and in all, messages per second, answers that said no (there
should be none) and connections lost (none). The server's CPU seconds over the counted
window (not the sign-ins before it nor the returns after) per message counted, from /proc.
The client shares the 2 cores with the server: its own CPU is reported too.

Settings: ``LIBCITY_BENCH_SIP2`` (configurations), ``LIBCITY_BENCH_SIP2_CONNECTIONS`` (1000),
``LIBCITY_BENCH_SIP2_PROCESSES`` (2), ``LIBCITY_BENCH_SIP2_WORKERS`` (1, per process),
``LIBCITY_BENCH_SIP2_KIOSK_SECONDS`` (``60,20``), ``LIBCITY_BENCH_SECONDS`` (25),
``LIBCITY_BENCH_WARMUP`` (5).
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CONFIGS = tuple(os.environ.get("LIBCITY_BENCH_SIP2", "sqlite-small,pg-small").split(","))
CONNECTIONS = int(os.environ.get("LIBCITY_BENCH_SIP2_CONNECTIONS", "1000"))
WORKERS = int(os.environ.get("LIBCITY_BENCH_SIP2_WORKERS", "1"))
#: Server processes on the one port (docs/operations.md): one per core.
PROCESSES = int(os.environ.get("LIBCITY_BENCH_SIP2_PROCESSES", "2"))
#: The paced runs: each kiosk sends a message every this many seconds (see above).
KIOSK_SECONDS = tuple(
    float(n) for n in os.environ.get("LIBCITY_BENCH_SIP2_KIOSK_SECONDS", "60,20").split(",") if n
)
SECONDS = float(os.environ.get("LIBCITY_BENCH_SECONDS", "25"))
WARMUP = float(os.environ.get("LIBCITY_BENCH_WARMUP", "5"))
#: The server logs messages slower than this; the log is kept at ``LIBCITY_BENCH_SIP2_LOG``.
SLOW_MS = float(os.environ.get("LIBCITY_BENCH_SIP2_SLOW_MS", "1000"))
KEEP_LOG = os.environ.get("LIBCITY_BENCH_SIP2_LOG", "")
TERMINALS, POOL, SECRET = 20, 4, "bench-secret"
HOST = "127.0.0.1"


def _circulation():
    """The circulation benchmark's helpers: its cached demo cities and subprocess tools."""
    path = REPO / "bench" / "bench_circulation.py"
    spec = importlib.util.spec_from_file_location("bench_circulation", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_circulation"] = module
    spec.loader.exec_module(module)
    return module


# ------------------------------------------------------------------- preparing (subprocess)


def prepare(connections: int) -> dict:
    """(In a subprocess with the run's DATABASE_URL.) Terminals at the busiest units, and for
    each connection its terminal, card and copies."""
    import django

    django.setup()
    from libcity.selfservice.services import terminal_create

    circulation = _circulation()
    units = circulation._busiest_units(TERMINALS)
    terminals = []
    for n, unit in enumerate(units):
        terminal_create(login=f"bench-{n:02d}", unit=unit, actor=None, secret=SECRET)
        terminals.append({"login": f"bench-{n:02d}", "copies": _copies(unit, connections)})
    cards = circulation._free_cards(connections)
    kiosks = []
    for n in range(connections):
        terminal = terminals[n % len(terminals)]
        mine = terminal["copies"][(n // len(terminals)) * POOL :][:POOL]
        kiosks.append({"login": terminal["login"], "card": cards[n], "copies": mine})
    return {"kiosks": [k for k in kiosks if len(k["copies"]) == POOL]}


def _copies(unit, connections: int) -> list[str]:
    from libcity.catalogue.models import Item

    wanted = (connections // TERMINALS + 1) * POOL
    copies = Item.objects.filter(location=unit, status="available",
                                 item_type__in=("book", "children", "local"))  # fmt: skip
    return list(copies.order_by("pk").values_list("barcode", flat=True)[:wanted])


# ------------------------------------------------------------------------------- the client


def _stamp() -> str:
    return time.strftime("%Y%m%d    %H%M%S")


def _requests():
    import pysip2

    def login(kiosk):
        return pysip2.LoginRequest(
            uid_algorithm="0",
            pwd_algorithm="0",
            login_user_id=kiosk["login"],
            login_password=SECRET,
        )

    def checkout(kiosk, barcode):
        return pysip2.CheckoutRequest(
            sc_renewal_policy="Y",
            no_block="N",
            transaction_date=_stamp(),
            nb_due_date=_stamp(),
            institution_id="",
            patron_identifier=kiosk["card"],
            item_identifier=barcode,
            terminal_password="",
        )

    def checkin(barcode):
        return pysip2.CheckinRequest(
            no_block="N",
            transaction_date=_stamp(),
            return_date=_stamp(),
            current_location="",
            institution_id="",
            item_identifier=barcode,
            terminal_password="",
        )

    def patron(kiosk):
        return pysip2.PatronInformationRequest(
            language="019",
            transaction_date=_stamp(),
            summary=" " * 10,
            institution_id="",
            patron_identifier=kiosk["card"],
        )

    return login, checkout, checkin, patron  # fmt: skip


class Kiosk:
    def __init__(self, plan: dict) -> None:
        self.plan = plan
        self.shelf = list(plan["copies"])
        self.out: list[str] = []
        self.step = 0
        self.sequence = 0
        self.reader = self.writer = None

    async def open(self, port: int, requests) -> None:
        self.reader, self.writer = await asyncio.open_connection(HOST, port, limit=1 << 16)
        answer = await self.send(requests[0](self.plan))
        if not answer.startswith(b"941"):
            raise RuntimeError(f"sign-in refused: {answer[:20]!r}")

    async def send(self, message) -> bytes:
        import pysip2

        frame = pysip2.encode_message(message, sequence_number=self.sequence, checksum=True,
                                      encoding="utf-8")  # fmt: skip
        self.sequence = (self.sequence + 1) % 10
        self.writer.write(frame)
        await self.writer.drain()
        answer = await self.reader.readuntil(b"\r")
        pysip2.decode_message(answer, encoding="utf-8")  # a frame pysip2 can read
        return answer

    def next_message(self, requests):
        """11, 63, 09 in turn (a checkout when there is a copy left on the shelf)."""
        _login, checkout, checkin, patron = requests
        kind = ("checkout", "patron", "checkin")[self.step % 3]
        self.step += 1
        if kind == "checkout" and self.shelf:
            barcode = self.shelf.pop(0)
            self.out.append(barcode)
            return kind, checkout(self.plan, barcode)
        if kind == "checkin" and self.out:
            barcode = self.out.pop(0)
            self.shelf.append(barcode)
            return kind, checkin(barcode)
        return "patron", patron(self.plan)


async def _kiosk_loop(kiosk: Kiosk, requests, end: float, samples: list, lost: Counter,
                      interval: float) -> None:  # fmt: skip
    loop = asyncio.get_running_loop()
    start = loop.time() + random.random() * (interval or 0.0)
    while True:
        if interval:
            await asyncio.sleep(max(0.0, start - loop.time()))
        if loop.time() >= end:
            return
        kind, message = kiosk.next_message(requests)
        began = loop.time()
        try:
            answer = await asyncio.wait_for(kiosk.send(message), 60)
        except (TimeoutError, ConnectionError, asyncio.IncompleteReadError) as error:
            lost[type(error).__name__] += 1
            return
        samples.append((began, kind, loop.time() - began, _said_yes(kind, answer)))
        start = max(start + interval, began) if interval else start


def _said_yes(kind: str, answer: bytes) -> bool | str:
    """True, or what the screen said (AF) when the answer was no."""
    yes = b"BLY" in answer if kind == "patron" else answer[2:3] == b"1"
    if yes:
        return True
    screen = [f[2:] for f in answer.decode("utf-8", "replace").split("|") if f.startswith("AF")]
    return f"{kind}: {screen[0] if screen else answer[:2].decode('ascii', 'replace')}"


def window(rate: float, kiosks: int) -> float:
    """Seconds counted: ``SECONDS``, or in a paced run long enough for every kiosk to send
    three messages (the whole mix), whatever the rate."""
    return max(SECONDS, 3 * kiosks / rate) if rate else SECONDS


async def _load(plans: list[dict], port: int, rate: float, server_pid: int) -> dict:
    requests = _requests()
    kiosks = [Kiosk(plan) for plan in plans]
    for start in range(0, len(kiosks), 100):  # sign in 100 at a time
        await asyncio.gather(*(k.open(port, requests) for k in kiosks[start : start + 100]))
    loop = asyncio.get_running_loop()
    begin = loop.time()
    counted = window(rate, len(kiosks))
    end = begin + WARMUP + counted
    interval = len(kiosks) / rate if rate else 0.0
    samples: list = []
    lost: Counter = Counter()
    cpu = asyncio.create_task(_server_cpu(server_pid, begin + WARMUP, end))
    await asyncio.gather(*(_kiosk_loop(k, requests, end, samples, lost, interval)
                           for k in kiosks))  # fmt: skip
    server_cpu = await cpu
    await asyncio.gather(*(_tidy(k, requests) for k in kiosks))
    return {"samples": samples, "lost": lost, "from": begin + WARMUP, "seconds": counted,
            "server_cpu": server_cpu}  # fmt: skip


async def _server_cpu(pid: int, start: float, end: float) -> float:
    """The server's CPU seconds between ``start`` and ``end`` (loop time): the counted
    window only, not the sign-ins before it nor the returns after."""
    loop, seconds = asyncio.get_running_loop(), _circulation()._cpu_seconds
    await asyncio.sleep(max(0.0, start - loop.time()))
    before = seconds(pid)
    await asyncio.sleep(max(0.0, end - loop.time()))
    return seconds(pid) - before


async def _tidy(kiosk: Kiosk, requests) -> None:
    """Take back what the kiosk has out (not counted), so the next run finds the copies on
    their shelves; then hang up."""
    checkin = requests[2]
    try:
        for barcode in kiosk.out:
            await asyncio.wait_for(kiosk.send(checkin(barcode)), 120)
    except (TimeoutError, ConnectionError, asyncio.IncompleteReadError):
        pass
    kiosk.writer.close()


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    return values[min(len(values) - 1, int(q * len(values)))]


def summarise(run: dict) -> dict:
    seconds, start = run["seconds"], run["from"]
    counted = [s for s in run["samples"] if start <= s[0] < start + seconds]
    by_kind = defaultdict(list)
    for _began, kind, took, _ok in counted:
        by_kind[kind].append(took * 1000)
    every = sorted(ms for values in by_kind.values() for ms in values)
    figures = {
        "seconds_counted": round(seconds, 1),
        "messages_per_s": round(len(counted) / seconds, 1),
        "p50_ms": round(percentile(every, 0.5) or 0, 1),
        "p99_ms": round(percentile(every, 0.99) or 0, 1),
        "refused": sum(1 for s in counted if s[3] is not True),
        "refusals": dict(Counter(s[3] for s in counted if s[3] is not True).most_common(5)),
        "connections_lost": sum(run["lost"].values()),
        "server_cpu_ms_per_message": round(1000 * run["server_cpu"] / max(len(counted), 1), 1),
    }
    for kind, values in sorted(by_kind.items()):
        values.sort()
        figures[f"{kind}_p50_ms"] = round(percentile(values, 0.5), 1)
        figures[f"{kind}_p99_ms"] = round(percentile(values, 0.99), 1)
    return figures


def client(plan_file: str, port: str, rate: str, server_pid: str) -> None:
    """(In its own process.) Run the kiosks; print the figures as JSON."""
    plans = json.loads(Path(plan_file).read_text())["kiosks"][:CONNECTIONS]
    started = resource.getrusage(resource.RUSAGE_SELF)
    run = asyncio.run(_load(plans, int(port), float(rate), int(server_pid)))
    used = resource.getrusage(resource.RUSAGE_SELF)
    figures = summarise(run)
    figures["connections"] = len(plans)
    figures["client_cpu_s"] = round(used.ru_utime + used.ru_stime
                                    - started.ru_utime - started.ru_stime, 1)  # fmt: skip
    print(json.dumps(figures))


# ------------------------------------------------------------------------------ the server


def _serve(env: dict, home: Path, processes: int):
    circulation = _circulation()
    port = circulation._free_port()
    log = open(home / "sip2.log", "w")  # noqa: SIM115 (closed with the server)
    server = subprocess.Popen(
        [*circulation._libcity(), "sip2", "--host", HOST, "--port", str(port), "--workers",
         str(WORKERS), "--processes", str(processes), "--login-seconds", "120",
         "--slow-ms", str(SLOW_MS)],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while "SIP2 server on" not in (home / "sip2.log").read_text():
        if server.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError((home / "sip2.log").read_text()[-2000:])
        time.sleep(0.2)
    return server, port, log


def _measure_load(env, plan_file: Path, port: int, server, rate: float) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "client", str(plan_file), str(port), str(rate),
         str(server.pid)],
        env=env, capture_output=True, text=True, check=True,
        timeout=window(rate, CONNECTIONS) * 10 + 600,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(config: str, server_url: str | None) -> dict:
    circulation = _circulation()
    engine, scale = config.split("-", 1)
    home = Path(tempfile.mkdtemp(prefix=f"libcity-bench-sip2-{config}-"))
    try:
        database = (circulation.sqlite_database(scale, home) if engine == "sqlite"
                    else circulation.pg_database(server_url, scale, home))  # fmt: skip
        with database as url:
            env = circulation._env(home, url)
            circulation._run([*circulation._libcity(), "migrate", "--noinput", "-v0"], env)
            prepared = circulation._run([sys.executable, __file__, "prepare",
                                         str(CONNECTIONS)], env)  # fmt: skip
            plan_file = home / "plan.json"
            plan_file.write_text(prepared.strip().splitlines()[-1])
            server, port, log = _serve(env, home, PROCESSES)
            try:
                closed = _measure_load(env, plan_file, port, server, 0.0)
                paced = {seconds: _measure_load(env, plan_file, port, server,
                                                CONNECTIONS / seconds)
                         for seconds in KIOSK_SECONDS}  # fmt: skip
            finally:
                circulation._stop(server)
                log.close()
                if KEEP_LOG:
                    shutil.copy(home / "sip2.log", f"{KEEP_LOG}.{config}")
        figures = dict(closed)
        for seconds, run in paced.items():
            figures.update({f"every_{seconds:g}s_{key}": value for key, value in run.items()})
        return {f"{config}_{key}": value for key, value in figures.items()}
    finally:
        shutil.rmtree(home, ignore_errors=True)


def run() -> dict:
    figures: dict = {"connections": CONNECTIONS, "processes": PROCESSES, "workers": WORKERS,
                     "seconds": SECONDS, "warmup": WARMUP, "terminals": TERMINALS,
                     "kiosk_seconds": list(KIOSK_SECONDS)}  # fmt: skip
    configs = [c.strip() for c in CONFIGS if c.strip()]
    for config in (c for c in configs if c.startswith("sqlite-")):
        figures.update(measure(config, None))
    pg = [c for c in configs if c.startswith("pg-")]
    if pg:
        with _circulation().pg_cluster() as server:
            for config in pg:
                figures.update(measure(config, server))
    return figures


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "prepare":
        print(json.dumps(prepare(int(sys.argv[2]))))
    elif command == "client":
        client(*sys.argv[2:6])
    else:
        print(json.dumps(run(), indent=2))
