"""Daily van runs: the day's transits routed from the depots (OR-Tools, ``vanroutes``).

Each unit is served by its depot, the nearest depot at or above it in the tree (district
libraries and the central library by default: ``logistics.policies``). A transit is a copy to
take at its unit and a copy to leave at its destination; copies travel between depots on the
trunk line (not planned here). A stop is a unit with copies to take or leave that day; units
closed that day are not visited (their transits wait). Planning a day again replaces its runs.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction

from libcity.core import clock
from libcity.logistics.models import Transit, TransitStatus, VanRun
from libcity.logistics.policies import unit_is_depot, van_policy
from libcity.logistics.vanroutes import Stop, plan_routes
from libcity.network.models import OpeningHours, Unit
from libcity.network.policies import network_policy
from libcity.network.selectors import TransportTable, units_open_on

_WAITING = (TransitStatus.CREATED, TransitStatus.PACKED)


@dataclass
class VanPlanReport:
    day: dt.date
    runs: list[VanRun] = field(default_factory=list)
    transits: int = 0
    closed: list[str] = field(default_factory=list)  # stops not visited: closed that day
    dropped: list[str] = field(default_factory=list)  # stops no van could reach in time
    seconds: float = 0.0

    @property
    def km(self) -> float:
        return round(sum(run.km for run in self.runs), 1)

    @property
    def baseline_km(self) -> float:
        return round(sum(run.baseline_km for run in self.runs), 1)

    @property
    def saved_km(self) -> float:
        return round(self.baseline_km - self.km, 1)

    def line(self) -> str:
        return (
            f"van runs for {self.day}: {len(self.runs)} vans, {self.transits} transits, "
            f"{self.km} km against {self.baseline_km} km one trip per stop "
            f"({self.saved_km} km saved); {len(self.closed)} stops closed, "
            f"{len(self.dropped)} out of reach ({self.seconds:.1f} s)"
        )


@dataclass
class _Stop:
    take: list[int] = field(default_factory=list)  # transit ids
    leave: list[int] = field(default_factory=list)


def van_runs_plan(*, day: dt.date | None = None) -> VanPlanReport:
    """Plan the day's van runs from every depot over the transits waiting to be sent."""
    started = time.monotonic()
    day = day or clock.today()
    report = VanPlanReport(day=day)
    planner = _Planner(day)
    by_depot = planner.stops(report)
    with transaction.atomic():
        VanRun.objects.filter(day=day).delete()
        for depot_id, stops in sorted(by_depot.items()):
            report.runs += planner.plan(depot_id, stops, report)
    report.seconds = time.monotonic() - started
    return report


class _Planner:
    def __init__(self, day: dt.date) -> None:
        self.day, self.policy, self.network = day, van_policy(), network_policy()
        self.table = TransportTable()
        self.depot_of = depots_of_units(self.table.units)
        self.open = units_open_on(day)

    def stops(self, report: VanPlanReport) -> dict[int, dict[int, _Stop]]:
        """The stops of each depot: units (not the depot) with copies to take or leave."""
        end = clock.start_of_day(self.day + dt.timedelta(days=1))
        rows = Transit.objects.filter(status__in=_WAITING, created_at__lt=end).values_list(
            "pk", "from_unit_id", "to_unit_id"
        )
        by_depot: dict[int, dict[int, _Stop]] = defaultdict(lambda: defaultdict(_Stop))
        for pk, source, target in rows:
            report.transits += 1
            for unit_id, side in ((source, "take"), (target, "leave")):
                depot = self.depot_of.get(unit_id)
                if depot is not None and depot != unit_id:
                    getattr(by_depot[depot][unit_id], side).append(pk)
        return by_depot

    def plan(self, depot_id: int, stops: dict[int, _Stop], report: VanPlanReport) -> list[VanRun]:
        visiting = {pk: s for pk, s in stops.items() if pk in self.open}
        report.closed += [self.table.units[pk].code for pk in stops if pk not in visiting]
        keys = sorted(visiting)
        hours = _hours(keys, self.day.weekday())
        nodes = [depot_id, *keys]
        plan = plan_routes(
            stops=[self._stop(pk, visiting[pk], hours) for pk in keys],
            metres=[[round(self._road_km(a, b) * 1000) for b in nodes] for a in nodes],
            minutes=[[self._minutes(a, b) for b in nodes] for a in nodes],
            vans=self.policy.vans_per_depot, capacity=self.policy.van_capacity,
            day=(_minute(self.policy.day_start), _minute(self.policy.day_end)),
            seconds=self.policy.seconds_per_depot,
        )  # fmt: skip
        report.dropped += [self.table.units[pk].code for pk in plan.dropped]
        return [self._save(depot_id, route, visiting) for route in plan.routes]

    def _stop(self, pk: int, stop: _Stop, hours: dict[int, tuple[int, int]]) -> Stop:
        unit = self.table.units[pk]
        opens, closes = (0, 24 * 60) if unit.open_24h else hours.get(pk, (0, 0))
        return Stop(key=pk, load=len(stop.take) + len(stop.leave), opens=opens, closes=closes,
                    handling=self.network.handling_minutes)  # fmt: skip

    def _road_km(self, a: int, b: int) -> float:
        return 0.0 if a == b else self.table.km(a, b) * self.network.road_factor

    def _minutes(self, a: int, b: int) -> int:
        return round(self._road_km(a, b) / self.network.van_speed_kmh * 60)

    def _save(self, depot_id: int, route, visiting: dict[int, _Stop]) -> VanRun:
        stops = [
            {"unit": self.table.units[pk].code, "arrive": f"{at // 60:02d}:{at % 60:02d}",
             "take": len(visiting[pk].take), "leave": len(visiting[pk].leave)}
            for pk, at in route.stops
        ]  # fmt: skip
        baseline = sum(2 * self._road_km(depot_id, pk) for pk, _at in route.stops)
        run = VanRun.objects.create(
            day=self.day, depot_id=depot_id, van=route.van, stops=stops,
            km=round(route.metres / 1000, 1), baseline_km=round(baseline, 1),
            minutes=route.back_at - _minute(self.policy.day_start), planned_at=clock.now(),
        )  # fmt: skip
        for pk, _at in route.stops:
            Transit.objects.filter(pk__in=visiting[pk].take).update(pickup_run=run)
            Transit.objects.filter(pk__in=visiting[pk].leave).update(delivery_run=run)
        return run


def depots_of_units(units: dict[int, Unit]) -> dict[int, int]:
    """Each unit's depot: the nearest depot at or above it (none above: no depot)."""
    depots = {pk for pk, unit in units.items() if unit_is_depot(unit)}
    found = {}
    for pk, unit in units.items():
        chain = [int(p) for p in unit.path.strip("/").split("/") if p] or [pk]
        above = [p for p in reversed(chain) if p in depots]
        if above:
            found[pk] = above[0]
    return found


def _hours(ids: list[int], weekday: int) -> dict[int, tuple[int, int]]:
    """Each unit's day on ``weekday``: from its first opening to its last closing."""
    found: dict[int, tuple[int, int]] = {}
    rows = OpeningHours.objects.filter(unit_id__in=ids, weekday=weekday)
    for unit_id, opens, closes in rows.values_list("unit_id", "opens", "closes"):
        first, last = found.get(unit_id, (24 * 60, 0))
        found[unit_id] = (min(first, _minute(opens)), max(last, _minute(closes)))
    return found


def _minute(moment: dt.time) -> int:
    return moment.hour * 60 + moment.minute
