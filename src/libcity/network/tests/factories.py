"""Helpers that build operators and units through the services, as the app itself does."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from libcity.network import services
from libcity.network.models import Operator, Unit

_numbers = itertools.count(1)

#: Guangzhou Library, Zhujiang New Town (广州图书馆).
GUANGZHOU_LIBRARY = (23.1167, 113.3245)
#: Sun Yat-sen Library of Guangdong Province, Wenming Road (广东省立中山图书馆).
SUN_YAT_SEN_LIBRARY = (23.1266, 113.2778)
#: Panyu District Library (番禺区图书馆).
PANYU_LIBRARY = (22.9375, 113.3846)
#: Nansha District Library (南沙区图书馆).
NANSHA_LIBRARY = (22.8016, 113.5250)
#: Baiyun District Library (白云区图书馆).
BAIYUN_LIBRARY = (23.1648, 113.2735)


def an_operator(**overrides: Any) -> Operator:
    n = next(_numbers)
    values: dict[str, Any] = {"code": f"op-{n}", "name_zh": f"运营方{n}", "kind": "library_system"}
    return services.operator_create(**{**values, **overrides})


def a_unit(
    *, parent: Unit | None = None, operator: Operator | None = None, **overrides: Any
) -> Unit:
    n = next(_numbers)
    latitude, longitude = overrides.pop("at", GUANGZHOU_LIBRARY)
    values: dict[str, Any] = {
        "code": f"unit-{n}",
        "name_zh": f"分馆{n}",
        "kind": "library",
        "tier": "branch",
        "latitude": latitude,
        "longitude": longitude,
    }
    return services.unit_create(
        parent=parent, operator=operator or an_operator(), **{**values, **overrides}
    )


def a_chain(length: int, *, operator: Operator | None = None) -> list[Unit]:
    """``length`` units, each the parent of the next: a tree ``length`` levels deep."""
    operator = operator or an_operator()
    units: list[Unit] = []
    for _level in range(length):
        units.append(a_unit(parent=units[-1] if units else None, operator=operator))
    return units


def office_hours() -> dict[int, list[tuple[dt.time, dt.time]]]:
    """Monday to Friday 09:00-12:00 and 14:00-18:00; closed at the weekend."""
    day = [(dt.time(9), dt.time(12)), (dt.time(14), dt.time(18))]
    return {weekday: list(day) for weekday in range(5)}


def paths() -> dict[int, tuple[str, int, int | None]]:
    """Every unit's (path, depth, parent id), to show that a refused change changed nothing."""
    return {u.pk: (u.path, u.depth, u.parent_id) for u in Unit.objects.all()}


def tree_problems() -> list[str]:
    """Units whose path or depth does not follow from their parent's; [] for a sound tree.

    A child's path is strictly longer than its parent's, so a sound tree has no cycle.
    """
    units = {u.pk: u for u in Unit.objects.all()}
    problems = []
    for unit in units.values():
        parent = units.get(unit.parent_id)
        path = f"{parent.path if parent else '/'}{unit.pk}/"
        depth = parent.depth + 1 if parent else 0
        if (unit.path, unit.depth) != (path, depth):
            problems.append(f"{unit.pk}: {unit.path} depth {unit.depth}, expected {path} {depth}")
    return problems
