"""How long ``libcity demo`` takes to build a city, and what it builds, per scale.

Each scale is built by a fresh subprocess into a fresh SQLite database (``DATABASE_URL``)
under a temporary ``LIBCITY_HOME``, after ``libcity migrate``; the rows are then counted
with the sqlite3 module. ``city`` (a million readers and ten million items: the better part of
an hour) is left out unless ``LIBCITY_BENCH_DEMO_SCALES`` names it, e.g.
``small,district,city``. The catalogue phases (generated books, real MARC files, search index)
and the year of loans are timed from the build's progress lines.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCALES = tuple(os.environ.get("LIBCITY_BENCH_DEMO_SCALES", "small,district").split(","))
SEED = 1
TABLES = {
    "units": "network_unit",
    "operators": "network_operator",
    "opening_hours": "network_openinghours",
    "closed_dates": "network_closeddate",
    "transport_costs": "network_transportcost",
    "network_history": "network_networkhistory",
    "readers": "readers_reader",
    "cards": "readers_card",
    "reader_history": "readers_readerhistory",
    "users": "auth_user",
    "staff_assignments": "staff_staffassignment",
    "records": "catalogue_record",
    "items": "catalogue_item",
    "record_isbns": "catalogue_recordisbn",
    "catalogue_history": "catalogue_cataloguehistory",
    "item_history": "catalogue_itemhistory",
    "loans": "circulation_loan",
    "loan_history": "circulation_loanhistory",
    "charges": "circulation_charge",
}
_BUILT = re.compile(r"Demo city built: .*?([0-9.]+) s\.")
# Progress lines (stderr) that close a phase of the catalogue, with its seconds.
_PHASES = {
    "catalogue_generated_seconds": re.compile(
        r"catalogue: \d+ records, \d+ items generated \(([0-9.]+) s\)"
    ),
    "catalogue_marc_seconds": re.compile(
        r"real MARC records: \d+ records, .* files \(([0-9.]+) s\)"
    ),
    "catalogue_index_seconds": re.compile(r"search index: \d+ records indexed \(([0-9.]+) s\)"),
    "activity_seconds": re.compile(r"activity: \d+ loans over \d+ days, .* \(([0-9.]+) s\)"),
}


def _libcity() -> list[str]:
    beside = Path(sys.executable).parent / "libcity"
    return [str(beside)] if beside.exists() else [sys.executable, "-m", "libcity.config.cli"]


def _run(args: list[str], env: dict[str, str]) -> tuple[float, str, str]:
    started = time.perf_counter()
    done = subprocess.run(
        [*_libcity(), *args], env=env, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-5:])
        raise RuntimeError(f"libcity {' '.join(args)} exited {done.returncode}:\n{tail}")
    return seconds, done.stdout, done.stderr


def _counts(database: Path) -> dict[str, int]:
    with sqlite3.connect(database) as db:
        present = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
        return {
            name: db.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
            for name, table in TABLES.items()
            if table in present
        }


def measure(scale: str) -> dict:
    home = Path(tempfile.mkdtemp(prefix=f"libcity-bench-demo-{scale}-"))
    database = home / "demo.sqlite3"
    env = dict(
        os.environ,
        LIBCITY_HOME=str(home),
        DATABASE_URL=f"sqlite:///{database}",
        DJANGO_SETTINGS_MODULE="libcity.config.settings",
    )
    try:
        _run(["migrate", "--noinput", "-v0"], env)
        seconds, output, progress = _run(["demo", "--scale", scale, "--seed", str(SEED)], env)
        built = _BUILT.search(output)
        phases = {
            name: float(found.group(1))
            for name, pattern in _PHASES.items()
            if (found := pattern.search(progress))
        }
        counts = _counts(database)  # closing the last connection folds the WAL in
        size = sum(p.stat().st_size for p in home.glob(f"{database.name}*"))
        figures = {
            "seconds": round(seconds, 2),
            "build_seconds": float(built.group(1)) if built else None,
            **phases,
            **counts,
            "database_mb": round(size / 2**20, 1),
        }
        return {f"{scale}_{name}": value for name, value in figures.items()}
    finally:
        shutil.rmtree(home, ignore_errors=True)


def run() -> dict:
    figures: dict = {"seed": SEED}
    for scale in SCALES:
        figures.update(measure(scale.strip()))
    return figures


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key}: {value}")
