"""Start-up costs: ``libcity migrate`` on a fresh SQLite database, and ``django.setup()``.

Every figure comes from a fresh subprocess with ``LIBCITY_HOME`` in a temporary folder, so
nothing is cached between measurements and the developer's ``var/`` is untouched.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPEATS = 7
SETUP_SNIPPET = """\
import time
started = time.perf_counter()
import django
django.setup()
print(time.perf_counter() - started)
"""


def _env(home: Path) -> dict[str, str]:
    env = dict(os.environ, LIBCITY_HOME=str(home), DJANGO_SETTINGS_MODULE="libcity.config.settings")
    env.pop("DATABASE_URL", None)
    return env


def _libcity() -> list[str]:
    beside = Path(sys.executable).parent / "libcity"
    return [str(beside)] if beside.exists() else [sys.executable, "-m", "libcity.config.cli"]


def _timed(cmd: list[str], env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-5:])
        raise RuntimeError(f"{' '.join(cmd)} exited {done.returncode}:\n{tail}")
    return time.perf_counter() - started, done.stdout


def measure_migrate(home: Path) -> dict:
    env = _env(home)
    fresh, output = _timed([*_libcity(), "migrate", "--noinput"], env)
    noop, _ = _timed([*_libcity(), "migrate", "--noinput"], env)
    return {
        "migrate_fresh_seconds": round(fresh, 3),
        "migrate_noop_seconds": round(noop, 3),
        "migrations_applied": output.count("Applying "),
    }


def measure_setup(home: Path) -> dict:
    env = _env(home)
    in_process, whole = [], []
    _timed([sys.executable, "-c", SETUP_SNIPPET], env)  # warm-up: bytecode caches written
    for _ in range(REPEATS):
        seconds, output = _timed([sys.executable, "-c", SETUP_SNIPPET], env)
        in_process.append(float(output.strip().splitlines()[-1]))
        whole.append(seconds)
    return {
        "django_setup_seconds_median": round(statistics.median(in_process), 4),
        "django_setup_seconds_min": round(min(in_process), 4),
        "process_with_setup_seconds_median": round(statistics.median(whole), 4),
        "repeats": REPEATS,
    }


def run() -> dict:
    home = Path(tempfile.mkdtemp(prefix="libcity-bench-"))
    try:
        return {**measure_migrate(home), **measure_setup(home)}
    finally:
        shutil.rmtree(home, ignore_errors=True)
