"""The van routing problem of one depot on one day, solved with OR-Tools, apart from Django.

Vans leave the depot at the start of the day and come back by its end. Each stop is a unit
with copies to take (its transits out) and to leave (its transits in, brought from the depot
hub); a van visits it once, while the unit is open, and spends the handling minutes there.
The capacity counts both (a van never carries more than the copies it leaves plus the copies
it takes), a safe bound without tracking the load stop by stop. The search minimises the
kilometres driven, for at most ``seconds`` (less for a few stops: a tenth of a second and
a fiftieth a stop, as guided local search runs to its time limit). A stop no van can reach
in its opening hours is dropped (and reported) rather than making the day impossible.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ortools.constraint_solver import pywrapcp, routing_enums_pb2

#: Cost of leaving a stop out, in metres: far more than any detour.
DROP_PENALTY = 10_000_000


@dataclass(frozen=True)
class Stop:
    key: int  # the unit's id
    load: int  # copies taken and left
    opens: int  # minutes after midnight
    closes: int
    handling: int  # minutes spent there


@dataclass
class Route:
    van: int
    stops: list[tuple[int, int]] = field(default_factory=list)  # (stop key, arrival minute)
    metres: int = 0
    back_at: int = 0  # minute the van is back at the depot


@dataclass
class Plan:
    routes: list[Route]
    dropped: list[int]  # stop keys no van could serve


def plan_routes(*, stops: list[Stop], metres: list[list[int]], minutes: list[list[int]],
                vans: int, capacity: int, day: tuple[int, int],
                seconds: float = 2.0) -> Plan:  # fmt: skip
    """Routes for ``vans`` vans from node 0 (the depot) over ``stops`` (nodes 1..n);
    ``metres`` and ``minutes`` are the (n+1)×(n+1) driving matrices."""
    start, end = day
    closed = [s.key for s in stops if _window(s, start, end) is None]
    if closed:
        keep = [0] + [n for n, s in enumerate(stops, start=1) if s.key not in closed]
        stops = [stops[n - 1] for n in keep[1:]]
        metres = [[metres[a][b] for b in keep] for a in keep]
        minutes = [[minutes[a][b] for b in keep] for a in keep]
    if not stops:
        return Plan(routes=[], dropped=closed)
    manager = pywrapcp.RoutingIndexManager(len(stops) + 1, vans, 0)
    model = pywrapcp.RoutingModel(manager)
    node = manager.IndexToNode

    def distance(i: int, j: int) -> int:
        return metres[node(i)][node(j)]

    def travel(i: int, j: int) -> int:
        here = node(i)
        return minutes[here][node(j)] + (stops[here - 1].handling if here else 0)

    model.SetArcCostEvaluatorOfAllVehicles(model.RegisterTransitCallback(distance))
    time = _time_dimension(model, manager, model.RegisterTransitCallback(travel), stops, day)
    load = model.RegisterUnaryTransitCallback(lambda i: stops[node(i) - 1].load if node(i) else 0)
    model.AddDimensionWithVehicleCapacity(load, 0, [capacity] * vans, True, "Load")
    for position in range(1, len(stops) + 1):
        model.AddDisjunction([manager.NodeToIndex(position)], DROP_PENALTY)
    solution = model.SolveWithParameters(_parameters(min(seconds, 0.1 + 0.02 * len(stops))))
    if solution is None:
        return Plan(routes=[], dropped=closed + [s.key for s in stops])
    plan = _read(model, manager, solution, time, stops, vans)
    plan.dropped = closed + plan.dropped
    return plan


def _window(stop: Stop, start: int, end: int) -> tuple[int, int] | None:
    """When a van may arrive at ``stop`` within the day: open, with time to hand over."""
    first, last = max(start, stop.opens), min(end, stop.closes) - stop.handling
    return (first, last) if first <= last else None


def _time_dimension(model, manager, callback: int, stops: list[Stop], day: tuple[int, int]):
    start, end = day
    model.AddDimension(callback, end - start, end, False, "Time")
    time = model.GetDimensionOrDie("Time")
    for position, stop in enumerate(stops, start=1):
        time.CumulVar(manager.NodeToIndex(position)).SetRange(*_window(stop, start, end))
    for van in range(manager.GetNumberOfVehicles()):
        time.CumulVar(model.Start(van)).SetRange(start, end)
        time.CumulVar(model.End(van)).SetRange(start, end)
    return time


def _parameters(seconds: float):
    parameters = pywrapcp.DefaultRoutingSearchParameters()
    parameters.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    parameters.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    parameters.time_limit.FromMilliseconds(max(1, int(seconds * 1000)))
    return parameters


def _read(model, manager, solution, time, stops: list[Stop], vans: int) -> Plan:
    routes, served = [], set()
    for van in range(vans):
        route = Route(van=van + 1)
        index = model.Start(van)
        while not model.IsEnd(index):
            following = solution.Value(model.NextVar(index))
            here = manager.IndexToNode(index)
            if here:
                route.stops.append((stops[here - 1].key, solution.Min(time.CumulVar(index))))
                served.add(here)
            route.metres += model.GetArcCostForVehicle(index, following, van)
            index = following
        route.back_at = solution.Min(time.CumulVar(index))
        if route.stops:
            routes.append(route)
    dropped = [stops[p - 1].key for p in range(1, len(stops) + 1) if p not in served]
    return Plan(routes=routes, dropped=dropped)
