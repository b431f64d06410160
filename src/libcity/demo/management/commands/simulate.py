"""``libcity simulate``: a month of synthetic demand on the demo city, for each hold policy.

Runs every combination of the targeting policies (``nearest``, ``owner_first``) with and
without rebalancing on the same world and the same readers, and reports the mean and p90
hold wait (placed → ready for pickup), transits per 1,000 loans and van kilometres. Nothing
is written to the database: the world is made by the demo's generators, in memory.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from libcity.demo.plan import SCALES
from libcity.demo.simulation.engine import Demand, Simulation
from libcity.demo.simulation.report import chart, table
from libcity.demo.simulation.world import build_world
from libcity.holds.policies import TARGETINGS


class Command(BaseCommand):
    help = "Replay a month of synthetic demand on the demo city for each hold policy."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=30)
        parser.add_argument("--scale", default="small", choices=sorted(SCALES))
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--records", type=int, help="Fewer titles than the scale's.")
        parser.add_argument("--json", help="Write the figures to this file.")
        parser.add_argument("--chart", help="Write an SVG chart to this file.")

    def handle(self, *args, days: int, scale: str, seed: int, records: int | None,
               json: str | None, chart: str | None, **options):  # fmt: skip
        if not 1 <= days <= 366:
            raise CommandError("--days must be between 1 and 366.")
        if records is not None and records < 1:
            raise CommandError("--records must be at least 1.")
        started = time.monotonic()
        self.stderr.write(f"simulate: building the {scale} world (seed {seed})")
        world = build_world(scale, seed, records)
        self.stderr.write(f"simulate: {len(world.title)} copies of {len(world.copies_of)} "
                          f"titles over {len(world.units)} units "
                          f"({time.monotonic() - started:.0f} s)")  # fmt: skip
        demand = Demand(visits_per_day=max(1, round(SCALES[scale].loans / 365 * 1.2)))
        runs = []
        for targeting in TARGETINGS:
            for rebalance in (False, True):
                began = time.monotonic()
                outcome = Simulation(world, demand, targeting=targeting, rebalance=rebalance,
                                     days=days, seed=seed).run()  # fmt: skip
                runs.append(outcome.figures() | {"seconds": round(time.monotonic() - began, 1)})
                self.stderr.write(f"simulate: {targeting}{' + rebalancing' if rebalance else ''}"
                                  f" done ({runs[-1]['seconds']} s)")  # fmt: skip
        self.stdout.write(table(runs))
        self._write(runs, scale, days, seed, json, chart)

    def _write(self, runs, scale, days, seed, json_path, chart_path) -> None:
        header = {"scale": scale, "days": days, "seed": seed, "runs": runs}
        if json_path:
            Path(json_path).write_text(json.dumps(header, indent=1) + "\n")
        if chart_path:
            title = f"libcity simulate --scale {scale} --days {days} --seed {seed}"
            Path(chart_path).write_text(chart(runs, title))
