#!/usr/bin/env python3
"""Run the benchmarks: every ``bench/bench_*.py`` (or the names given) and keep the figures.

Usage: ``python bench/run.py [NAME ...]`` (``make bench``). Each ``bench_NAME.py`` exposes
``run() -> dict`` of figures; this writes ``bench/results/NAME.json``::

    {"name": ..., "measured_at": ..., "machine": {"cores": ..., "python": ...}, "figures": {...}}
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
import platform
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"


def discover(names: list[str]) -> list[Path]:
    found = sorted(BENCH_DIR.glob("bench_*.py"))
    if names:
        wanted = {n.removeprefix("bench_").removesuffix(".py") for n in names}
        found = [p for p in found if p.stem.removeprefix("bench_") in wanted]
        missing = wanted - {p.stem.removeprefix("bench_") for p in found}
        if missing:
            raise SystemExit(f"no such benchmark: {', '.join(sorted(missing))}")
    return found


def load(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def machine() -> dict:
    return {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
    }


def write_result(name: str, figures: dict) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    record = {
        "name": name,
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "figures": figures,
    }
    target = RESULTS_DIR / f"{name}.json"
    partial = target.with_suffix(".json.tmp")
    partial.write_text(json.dumps(record, indent=2, sort_keys=False) + "\n")
    partial.replace(target)
    return target


def main(argv: list[str]) -> int:
    failed = []
    for path in discover(argv):
        name = path.stem.removeprefix("bench_")
        print(f"==== bench {name}", flush=True)
        started = time.monotonic()
        try:
            figures = load(path).run()
        except Exception as error:
            print(f"bench {name} failed: {error.__class__.__name__}: {error}", file=sys.stderr)
            failed.append(name)
            continue
        target = write_result(name, figures)
        for key, value in figures.items():
            print(f"  {key}: {value}")
        print(f"  -> {target.relative_to(BENCH_DIR.parent)} ({time.monotonic() - started:.1f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
