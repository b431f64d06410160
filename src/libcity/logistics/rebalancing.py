"""Which idle copies should move where readers wait: a minimum-cost flow (OR-Tools), apart
from Django.

The network: the source feeds each depot with as many copies as its vans carry in a day
(``depot_capacity``); a depot feeds the idle copies of its units, by title and unit
(``supplies``); each idle copy may go to any unit where readers wait for the same title
(``needs``), at the transport cost between the two units; each need drains to the sink. The
flow moves as many copies as the needs and the vans allow, and among such plans the
cheapest (``solve_max_flow_with_min_cost``). Copies never cross titles: every path from a
title's supply reaches only needs of that title.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from ortools.graph.python import min_cost_flow

#: A title at a unit.
Key = tuple[int, int]  # (record id, unit id)


@dataclass(frozen=True)
class Move:
    record: int
    from_unit: int
    to_unit: int
    copies: int


def plan_moves(*, supplies: dict[Key, int], needs: dict[Key, int], depot_of: dict[int, int],
               depot_capacity: dict[int, int],
               cost: Callable[[int, int], int]) -> list[Move]:  # fmt: skip
    """The moves (whole copies, integer costs in cents) of the cheapest plan that meets the
    most needs. A unit never sends a title to itself."""
    flow = min_cost_flow.SimpleMinCostFlow()
    nodes: dict[object, int] = {}

    def node(name) -> int:
        return nodes.setdefault(name, len(nodes))

    source, sink = node("source"), node("sink")
    for depot, capacity in depot_capacity.items():
        flow.add_arc_with_capacity_and_unit_cost(source, node(("depot", depot)), capacity, 0)
    needing: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for (record, unit), count in needs.items():
        needing[record].append((unit, count))
        flow.add_arc_with_capacity_and_unit_cost(node(("need", record, unit)), sink, count, 0)
    arcs = []
    for (record, unit), count in supplies.items():
        depot = depot_of.get(unit)
        if depot not in depot_capacity or not needing[record]:
            continue
        here = node(("supply", record, unit))
        flow.add_arc_with_capacity_and_unit_cost(node(("depot", depot)), here, count, 0)
        for target, wanted in needing[record]:
            if target != unit:
                arc = flow.add_arc_with_capacity_and_unit_cost(
                    here, node(("need", record, target)), wanted, cost(unit, target)
                )
                arcs.append((arc, record, unit, target))
    if not arcs:
        return []
    flow.set_node_supply(source, sum(depot_capacity.values()))
    flow.set_node_supply(sink, -sum(needs.values()))
    status = flow.solve_max_flow_with_min_cost()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"the rebalancing flow was not solved: {status}")
    return [Move(record, a, b, flow.flow(arc)) for arc, record, a, b in arcs if flow.flow(arc)]
