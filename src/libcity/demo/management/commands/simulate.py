"""``libcity simulate``: a month of synthetic demand on the demo city, for each hold policy.

Runs every combination of the targeting policies (``nearest``, ``owner_first``) with and
without rebalancing, then each policy with readers passing copies on to the next reader
waiting (转借, ``--pass-on`` of them), on the same world and the same readers, and reports
the mean and p90 hold wait (placed → ready for pickup, or handed over), transits per 1,000
loans and van kilometres. Nothing
is written to the database: the world is made by the demo's generators, in memory.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from libcity.demo.plan import SCALES
from libcity.demo.simulation.engine import Demand, Simulation
from libcity.demo.simulation.report import chart, run_name, table
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
        parser.add_argument(
            "--pass-on", type=float, default=0.5,
            help="In the passing-on runs, the share of borrowers whose title has readers "
            "waiting who pass the copy to the first of them (0 leaves those runs out).",
        )  # fmt: skip

    def handle(self, *args, days: int, scale: str, seed: int, records: int | None,
               json: str | None, chart: str | None, pass_on: float, **options):  # fmt: skip
        if not 1 <= days <= 366:
            raise CommandError("--days must be between 1 and 366.")
        if records is not None and records < 1:
            raise CommandError("--records must be at least 1.")
        if not 0 <= pass_on <= 1:
            raise CommandError("--pass-on must be between 0 and 1.")
        started = time.monotonic()
        self.stderr.write(f"simulate: building the {scale} world (seed {seed})")
        world = build_world(scale, seed, records)
        self.stderr.write(f"simulate: {len(world.title)} copies of {len(world.copies_of)} "
                          f"titles over {len(world.units)} units "
                          f"({time.monotonic() - started:.0f} s)")  # fmt: skip
        demand = Demand(visits_per_day=max(1, round(SCALES[scale].loans / 365 * 1.2)))
        plans = [(targeting, rebalance, 0.0) for targeting in TARGETINGS
                 for rebalance in (False, True)]  # fmt: skip
        if pass_on:
            plans += [(targeting, False, pass_on) for targeting in TARGETINGS]
        runs = [self._run(world, demand, plan, days, seed) for plan in plans]
        self.stdout.write(table(runs))
        self._write(runs, scale, days, seed, json, chart)

    def _run(self, world, demand: Demand, plan: tuple, days: int, seed: int) -> dict:
        targeting, rebalance, pass_on = plan
        began = time.monotonic()
        outcome = Simulation(world, replace(demand, pass_on_share=pass_on), targeting=targeting,
                             rebalance=rebalance, days=days, seed=seed).run()  # fmt: skip
        figures = outcome.figures() | {"seconds": round(time.monotonic() - began, 1)}
        self.stderr.write(f"simulate: {run_name(figures)} done ({figures['seconds']} s)")
        return figures

    def _write(self, runs, scale, days, seed, json_path, chart_path) -> None:
        header = {"scale": scale, "days": days, "seed": seed, "runs": runs}
        if json_path:
            Path(json_path).write_text(json.dumps(header, indent=1) + "\n")
        if chart_path:
            title = f"libcity simulate --scale {scale} --days {days} --seed {seed}"
            Path(chart_path).write_text(chart(runs, title))
