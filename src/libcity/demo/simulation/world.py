"""The demo city as the simulation sees it, made from the demo's own generators (no
database): its units, every copy of its catalogue, and its readers' home libraries.

Copies are kept in arrays (a district city has a million): the title, the owning and the
current unit, the status, the item type and the last day it was lent.
"""

from __future__ import annotations

import math
import random
from array import array
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from libcity.circulation.policies import OWNER_RETURN_TYPES
from libcity.demo.catalogue.books import book_maker
from libcity.demo.plan import SCALES, city_plan
from libcity.holds.policies import HoldPolicy
from libcity.logistics.policies import van_policy
from libcity.network.models import UnitKind, UnitTier
from libcity.network.policies import NO_SHELF_KINDS, network_policy, transport_derived
from libcity.network.selectors import distance_km

ON_SHELF, ON_LOAN, TRAVELLING, HELD = 0, 1, 2, 3
#: Unit kinds where readers of the simulation borrow and collect holds.
SERVICE_KINDS = (UnitKind.LIBRARY, UnitKind.STUDY_ROOM_24H)


@dataclass
class Unit:
    index: int
    code: str
    kind: str
    lat: float
    lng: float
    chain: frozenset[int]  # itself and the units above it
    depot: int
    weekdays: frozenset[int]  # days it opens (0 = Monday)
    residents: int
    shelves: bool


@dataclass
class World:
    units: list[Unit]
    title: array  # per copy
    owner: array
    location: array
    status: array
    owner_returns: bytearray  # 1: its item type goes back to its owning library
    last_lent: array  # day of the last loan (negative: before the simulation)
    copies_of: list[list[int]]  # per title
    popularity: list[float]  # cumulative weights of the titles, for drawing
    service_units: list[int]
    service_weights: list[float]
    _costs: dict = field(default_factory=dict)

    def cost(self, a: int, b: int) -> Decimal:
        """Yuan per crate from unit ``a`` to ``b``, as ``network.policies`` derives it."""
        if a == b:
            return Decimal("0.00")
        key = (a, b)
        if key not in self._costs:
            self._costs[key] = transport_derived(None, None, self.km(a, b))[0]
        return self._costs[key]

    def km(self, a: int, b: int) -> float:
        ua, ub = self.units[a], self.units[b]
        return distance_km(ua.lat, ua.lng, ub.lat, ub.lng)

    def road_km(self, a: int, b: int) -> float:
        return self.km(a, b) * network_policy().road_factor

    def travel_days(self, a: int, b: int) -> int:
        """A van takes a copy within its depot's area overnight; across areas, by the trunk
        line, a day more."""
        return 1 if self.units[a].depot == self.units[b].depot else 2


def build_world(scale_name: str, seed: int, records: int | None = None) -> World:
    scale = SCALES[scale_name]
    plan = city_plan(scale, seed)
    units = _units(plan)
    index = {u.code: u.index for u in units}
    rng = random.Random(f"libcity-simulate-{seed}")
    count = records or scale.records
    owner_returns = {str(t) for t in OWNER_RETURN_TYPES}
    title, owner, location, status = array("i"), array("h"), array("h"), array("b")
    returns_home, last_lent = bytearray(), array("h")
    copies_of: list[list[int]] = []
    for number, book in enumerate(book_maker(plan, seed).books(count, count * 4)):
        mine = []
        for code, _status in book.copies:
            if code not in index:
                continue
            mine.append(len(title))
            title.append(number)
            owner.append(index[code])
            location.append(index[code])
            status.append(ON_SHELF)
            returns_home.append(1 if book.item_type in owner_returns else 0)
            last_lent.append(-int(rng.expovariate(1 / 200)) - 1)
        copies_of.append(mine)
    service = [u.index for u in units if u.kind in SERVICE_KINDS]
    return World(
        units=units, title=title, owner=owner, location=location, status=status,
        owner_returns=returns_home, last_lent=last_lent, copies_of=copies_of,
        popularity=_popularity(len(copies_of), rng),
        service_units=service, service_weights=_weights(units, service),
    )  # fmt: skip


def _units(plan) -> list[Unit]:
    by_code = {}
    depots = set()
    found = []
    for number, p in enumerate(plan.units):
        parent = by_code.get(p.parent)
        chain = frozenset({number} | (parent.chain if parent else set()))
        if p.tier in (UnitTier.CENTRAL, UnitTier.DISTRICT):
            depots.add(number)
        depot = number if number in depots else (parent.depot if parent else number)
        days = frozenset(range(7)) if p.open_24h else frozenset(p.timetable)
        unit = Unit(index=number, code=p.code, kind=p.kind, lat=p.latitude, lng=p.longitude,
                    chain=chain, depot=depot, weekdays=days, residents=p.residents or 0,
                    shelves=p.kind not in NO_SHELF_KINDS)  # fmt: skip
        by_code[p.code] = unit
        found.append(unit)
    return found


def _popularity(titles: int, rng: random.Random) -> list[float]:
    """Cumulative Zipf weights (exponent 1) over the titles in a shuffled order: a few titles
    are asked for often, most rarely."""
    order = list(range(titles))
    rng.shuffle(order)
    weights = [0.0] * titles
    for rank, number in enumerate(order, start=1):
        weights[number] = 1 / rank
    total, cumulative = 0.0, []
    for weight in weights:
        total += weight
        cumulative.append(total)
    return cumulative


def _weights(units: list[Unit], service: list[int]) -> list[float]:
    """Where readers borrow: libraries by the residents they serve (at least a little)."""
    return [max(1.0, math.sqrt(units[i].residents or 1)) for i in service]


def vans_capacity() -> int:
    policy = van_policy()
    return policy.vans_per_depot * policy.van_capacity


def hold_policy_for(targeting: str) -> HoldPolicy:
    return HoldPolicy(targeting=targeting)


def by_depot(units: list[Unit], stops: set[int]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = defaultdict(list)
    for stop in sorted(stops):
        depot = units[stop].depot
        if stop != depot:
            found[depot].append(stop)
    return found
