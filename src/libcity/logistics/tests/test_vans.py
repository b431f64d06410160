"""Van runs: the routing problem on cases whose best answer is known, and a day's plan."""

import datetime as dt

from libcity.catalogue.models import ItemStatus
from libcity.logistics.models import Transit, TransitReason, VanRun
from libcity.logistics.services import transit_send
from libcity.logistics.services.vans import van_runs_plan
from libcity.logistics.vanroutes import Stop, plan_routes
from libcity.network.models import ClosedDate

DAY = (8 * 60, 18 * 60)


def line_of_stops(positions_km, **stop):
    """A depot at 0 and stops along a straight road (kilometres from the depot)."""
    points = [0, *positions_km]
    metres = [[abs(a - b) * 1000 for b in points] for a in points]
    minutes = [[abs(a - b) * 2 for b in points] for a in points]
    defaults = {"load": 1, "opens": 0, "closes": 24 * 60, "handling": 10} | stop
    stops = [Stop(key=n, **defaults) for n in range(1, len(positions_km) + 1)]
    return stops, metres, minutes


def test_one_van_drives_out_along_the_road_and_back():
    stops, metres, minutes = line_of_stops([3, 1, 2])
    plan = plan_routes(stops=stops, metres=metres, minutes=minutes, vans=1, capacity=10, day=DAY)
    (route,) = plan.routes
    order = [key for key, _at in route.stops]
    assert order in ([2, 3, 1], [1, 3, 2])  # 1 km, 2 km, 3 km out, or the same way back
    assert route.metres == 6000 and plan.dropped == []


def test_capacity_splits_the_stops_between_vans():
    stops, metres, minutes = line_of_stops([1, 2, 3, 4], load=5)
    plan = plan_routes(stops=stops, metres=metres, minutes=minutes, vans=2, capacity=10, day=DAY)
    assert sorted(len(r.stops) for r in plan.routes) == [2, 2]
    assert sum(r.metres for r in plan.routes) == 12000  # 1+2 (4 km) and 3+4 (8 km)


def test_a_stop_is_visited_while_it_is_open():
    stops, metres, minutes = line_of_stops([1, 5])
    stops[0] = Stop(key=1, load=1, opens=14 * 60, closes=17 * 60, handling=10)
    plan = plan_routes(stops=stops, metres=metres, minutes=minutes, vans=1, capacity=10, day=DAY)
    arrivals = dict(plan.routes[0].stops)
    assert 14 * 60 <= arrivals[1] <= 17 * 60 - 10


def test_a_stop_out_of_reach_is_dropped_not_the_day():
    stops, metres, minutes = line_of_stops([1, 2])
    stops[1] = Stop(key=2, load=1, opens=6 * 60, closes=7 * 60, handling=10)  # before the vans
    plan = plan_routes(stops=stops, metres=metres, minutes=minutes, vans=1, capacity=10, day=DAY)
    assert plan.dropped == [2] and [k for k, _ in plan.routes[0].stops] == [1]


def test_no_stops_no_routes():
    plan = plan_routes(stops=[], metres=[[0]], minutes=[[0]], vans=2, capacity=10, day=DAY)
    assert plan.routes == [] and plan.dropped == []


def send(library, barcode, source, target):
    copy = library.copy(barcode, owner=source)
    return transit_send(item=copy, from_unit=source, to_unit=target,
                        reason=TransitReason.RETURN, actor=None)  # fmt: skip


def test_a_day_of_transits_is_routed_from_the_depots(library):
    city = library.city  # depots: central, d1 (serves b1, r1), d2 (serves b2)
    there = send(library, "T001", city.b1, city.b2)
    back = send(library, "T002", city.r1, city.b1)
    report = van_runs_plan(day=dt.date(2026, 3, 5))
    assert report.transits == 2 and report.closed == [] and report.dropped == []
    runs = {run.depot.code: run for run in report.runs}
    assert sorted(runs) == ["d1", "d2"]
    assert sorted(stop["unit"] for stop in runs["d1"].stops) == ["b1", "r1"]
    b1 = next(s for s in runs["d1"].stops if s["unit"] == "b1")
    assert (b1["take"], b1["leave"]) == (1, 1)
    there.refresh_from_db()
    back.refresh_from_db()
    assert there.pickup_run == runs["d1"] and there.delivery_run == runs["d2"]
    assert back.pickup_run == runs["d1"] and back.delivery_run == runs["d1"]
    assert 0 < report.km <= report.baseline_km
    assert "van runs for 2026-03-05" in report.line()


def test_a_closed_unit_is_not_visited_and_planning_again_replaces_the_day(library):
    city = library.city
    send(library, "T001", city.b1, city.b2)
    ClosedDate.objects.create(unit=city.b2, date=dt.date(2026, 3, 5))
    report = van_runs_plan(day=dt.date(2026, 3, 5))
    assert report.closed == ["b2"]
    assert [run.depot.code for run in report.runs] == ["d1"]
    van_runs_plan(day=dt.date(2026, 3, 5))
    assert VanRun.objects.count() == 1


def test_received_transits_are_not_planned(library):
    transit = send(library, "T001", library.city.b1, library.city.b2)
    Transit.objects.filter(pk=transit.pk).update(status="received")
    assert van_runs_plan(day=dt.date(2026, 3, 5)).transits == 0
    assert transit.item.status == ItemStatus.IN_TRANSIT
