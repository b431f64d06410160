"""One simulated month of a hold policy, day by day, on a copy of the world.

Each day, in this order:

1. copies in transit arrive: for a hold they go on its pickup point's hold shelf (the hold
   is ready: its wait ends), otherwise onto the shelf there, where a waiting hold may catch
   them;
2. readers collect the copies waiting for them (after 0 to 3 days): loans;
3. loans due back come back, at the reader's library or another in its area (return
   anywhere), and are offered to the title's waiting holds first come first served: onto
   the hold shelf when the reader collects there, else in transit to them; a copy of a kind
   that goes back to its owning library goes home when no hold wants it;
4. readers come: most borrow something on the shelf there (by the titles' popularity);
   some want one title: on the shelf there they borrow it, otherwise some place a hold to
   collect there and the others go away (unmet demand, remembered a fortnight);
5. at night the waiting holds are targeted (``holds.policies.copy_rank``, the targeting's own
   ranking, by the run's policy) over the copies on shelves of units open the next day, and
   the chosen copies sent;
6. with rebalancing, every seventh night idle copies move to where readers went away
   unserved (``logistics.rebalancing.plan_moves``, the staff plan's own solver).

Every move between units is a transit; each day's transits are routed from the depots
(``logistics.vanroutes.plan_routes``) for the kilometres driven.
"""

from __future__ import annotations

import random
from array import array
from bisect import bisect
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from decimal import Decimal

from libcity.demo.simulation.world import (
    HELD,
    ON_LOAN,
    ON_SHELF,
    TRAVELLING,
    World,
    by_depot,
    hold_policy_for,
    vans_capacity,
)
from libcity.holds.policies import copy_rank
from libcity.logistics.policies import rebalance_policy, van_policy
from libcity.logistics.rebalancing import plan_moves
from libcity.logistics.vanroutes import Stop, plan_routes
from libcity.network.policies import network_policy

CENTS = Decimal("100")


@dataclass
class Demand:
    """How readers behave (per day, the scale's loans a year spread over the days)."""

    visits_per_day: int
    wanted_share: float = 0.2  # come for one title (else browse the shelves)
    hold_share: float = 0.6  # place a hold when the title is not on the shelf
    return_elsewhere: float = 0.3  # return at another library of the area
    loan_days: tuple[int, int] = (14, 31)
    collect_days: tuple[int, int] = (0, 3)
    #: 转借: of the borrowers whose title has readers waiting when they are done with it,
    #: the share who pass the copy to the first of them (``sharing.transfer_offer_to_queue``)
    #: instead of returning it to a library.
    pass_on_share: float = 0.0
    #: Days until giver and receiver meet (at a unit or by hand).
    meet_days: tuple[int, int] = (0, 2)


@dataclass
class Hold:
    title: int
    pickup: int
    placed: int
    ready: int | None = None


@dataclass
class Outcome:
    policy: str
    rebalance: bool
    days: int
    pass_on: float = 0.0
    loans: int = 0
    holds_placed: int = 0
    waits: list[int] = field(default_factory=list)
    still_waiting: int = 0
    still_waiting_ages: list[int] = field(default_factory=list)
    transits: int = 0
    passed_on: int = 0
    rebalance_moves: int = 0
    van_km: float = 0.0
    baseline_km: float = 0.0
    unmet: int = 0

    def figures(self) -> dict:
        waits = sorted(self.waits)
        return {
            "policy": self.policy, "rebalance": self.rebalance, "days": self.days,
            "pass_on_share": self.pass_on, "passed_on": self.passed_on,
            "loans": self.loans, "holds_placed": self.holds_placed,
            "holds_ready": len(waits), "holds_still_waiting": self.still_waiting,
            "still_waiting_mean_age_days": round(
                sum(self.still_waiting_ages) / len(self.still_waiting_ages), 1
            ) if self.still_waiting_ages else None,
            "hold_wait_mean_days": round(sum(waits) / len(waits), 2) if waits else None,
            "hold_wait_p90_days": waits[int(0.9 * (len(waits) - 1))] if waits else None,
            "transits": self.transits,
            "transits_per_1000_loans": round(1000 * self.transits / max(1, self.loans), 1),
            "rebalance_moves": self.rebalance_moves, "van_km": round(self.van_km, 1),
            "van_km_one_trip_per_stop": round(self.baseline_km, 1),
            "demand_unmet": self.unmet,
        }  # fmt: skip


class Simulation:
    def __init__(self, world: World, demand: Demand, *, targeting: str, rebalance: bool,
                 days: int, seed: int, first_weekday: int = 0) -> None:  # fmt: skip
        self.w, self.demand, self.days = world, demand, days
        self.policy = hold_policy_for(targeting)
        self.rebalance = rebalance
        self.rng = random.Random(f"libcity-simulate-run-{seed}")
        self.first_weekday = first_weekday
        self.location = array("h", world.location)
        self.status = array("b", world.status)
        self.last_lent = array("h", world.last_lent)
        self.out = Outcome(policy=targeting, rebalance=rebalance, days=days,
                           pass_on=demand.pass_on_share)  # fmt: skip
        self.queues: dict[int, deque[Hold]] = defaultdict(deque)
        self.arrivals: dict[int, list[tuple[int, int, Hold | None]]] = defaultdict(list)
        self.collections: dict[int, list[tuple[int, Hold]]] = defaultdict(list)
        self.returns: dict[int, list[tuple[int, int]]] = defaultdict(list)
        self.handovers: dict[int, list[tuple[int, Hold]]] = defaultdict(list)
        self.stops: dict[int, set[int]] = defaultdict(set)
        self.unmet: dict[int, Counter] = defaultdict(Counter)  # day → (title, unit) → count
        self.shelf = _Shelves(world, self.status, self.location)

    # --- the month ---------------------------------------------------------------------

    def run(self) -> Outcome:
        for day in range(self.days):
            self._arrive(day)
            self._collect(day)
            self._hand_over(day)
            self._return(day)
            self._visits(day)
            self._target(day)
            if self.rebalance and day % 7 == 6:
                self._rebalance(day)
        ages = [self.days - h.placed for q in self.queues.values() for h in q]
        self.out.still_waiting, self.out.still_waiting_ages = len(ages), ages
        self._drive()
        return self.out

    def _arrive(self, day: int) -> None:
        for copy, unit, hold in self.arrivals.pop(day, []):
            self.location[copy] = unit
            if hold is not None:
                self._ready(hold, copy, day)
            else:
                self._free(copy, unit, day)

    def _ready(self, hold: Hold, copy: int, day: int) -> None:
        hold.ready = day
        self.out.waits.append(day - hold.placed)
        self.status[copy] = HELD
        self.location[copy] = hold.pickup
        low, high = self.demand.collect_days
        self.collections[day + self.rng.randint(low, high)].append((copy, hold))

    def _collect(self, day: int) -> None:
        for copy, hold in self.collections.pop(day, []):
            self._lend(copy, hold.pickup, day)

    def _lend(self, copy: int, unit: int, day: int) -> None:
        if self.status[copy] == ON_SHELF:
            self.shelf.take(copy)
        self.status[copy] = ON_LOAN
        self.last_lent[copy] = day
        self.out.loans += 1
        low, high = self.demand.loan_days
        back_at = unit
        if self.rng.random() < self.demand.return_elsewhere:
            area = self.w.units[unit].depot
            back_at = self.rng.choice(self._area_service(area))
        self.returns[day + self.rng.randint(low, high)].append((copy, back_at))

    def _area_service(self, depot: int) -> list[int]:
        if not hasattr(self, "_areas"):
            self._areas = defaultdict(list)
            for unit in self.w.service_units:
                self._areas[self.w.units[unit].depot].append(unit)
        return self._areas[depot]

    def _return(self, day: int) -> None:
        for copy, unit in self.returns.pop(day, []):
            if self._passes_on(copy, day):
                continue
            self.location[copy] = unit
            self._free(copy, unit, day)

    def _passes_on(self, copy: int, day: int) -> bool:
        """转借: the borrower, done with a copy others wait for, may pass it to the first
        of them instead of bringing it back; they meet within ``meet_days`` (the hold's
        wait ends then), with no transit."""
        share = self.demand.pass_on_share
        queue = self.queues.get(self.w.title[copy]) if share else None
        if not queue or self.rng.random() >= share:  # no draw without passing on: the
            return False  # runs without it replay the same readers as before
        hold = queue.popleft()
        low, high = self.demand.meet_days
        self.handovers[day + self.rng.randint(low, high)].append((copy, hold))
        return True

    def _hand_over(self, day: int) -> None:
        for copy, hold in self.handovers.pop(day, []):
            hold.ready = day
            self.out.waits.append(day - hold.placed)
            self.out.passed_on += 1
            self.location[copy] = hold.pickup
            self._lend(copy, hold.pickup, day)

    def _free(self, copy: int, unit: int, day: int) -> None:
        """A copy at ``unit`` and nobody's: the first waiting hold of its title, else its
        shelf here (or home, for the kinds that go back to their owner)."""
        queue = self.queues.get(self.w.title[copy])
        if queue:
            hold = queue.popleft()
            if hold.pickup == unit:
                self._ready(hold, copy, day)
            else:
                self._send(copy, unit, hold.pickup, day, hold)
            return
        owner = self.w.owner[copy]
        if self.w.owner_returns[copy] and owner != unit:
            self._send(copy, unit, owner, day, None)
            return
        self.status[copy] = ON_SHELF
        self.shelf.put(copy)

    def _send(self, copy: int, source: int, target: int, day: int, hold: Hold | None) -> None:
        if self.status[copy] == ON_SHELF:
            self.shelf.take(copy)
        self.status[copy] = TRAVELLING
        self.out.transits += 1
        leaves, arrives = day + 1, day + self.w.travel_days(source, target)
        self.stops[leaves].add(source)
        self.stops[arrives].add(target)
        self.arrivals[arrives].append((copy, target, hold))

    # --- readers -------------------------------------------------------------------------

    def _visits(self, day: int) -> None:
        weekday = (self.first_weekday + day) % 7
        pairs = [(u, weight) for u, weight in zip(self.w.service_units, self.w.service_weights,
                                                  strict=True)
                 if weekday in self.w.units[u].weekdays]  # fmt: skip
        units, weights = [u for u, _w in pairs], [w for _u, w in pairs]
        for unit in self.rng.choices(units, weights=weights, k=self.demand.visits_per_day):
            if self.rng.random() < self.demand.wanted_share:
                self._want(self._title(), unit, day)
            else:
                self._browse(unit, day)

    def _title(self) -> int:
        cumulative = self.w.popularity
        return bisect(cumulative, self.rng.random() * cumulative[-1])

    def _browse(self, unit: int, day: int) -> None:
        copy = self.shelf.pick(unit, self.rng)
        if copy is not None:
            self._lend(copy, unit, day)

    def _want(self, title: int, unit: int, day: int) -> None:
        for copy in self.w.copies_of[title]:
            if self.status[copy] == ON_SHELF and self.location[copy] == unit:
                self._lend(copy, unit, day)
                return
        self.out.unmet += 1
        self.unmet[day][(title, unit)] += 1
        if self.rng.random() < self.demand.hold_share and self.w.copies_of[title]:
            self.queues[title].append(Hold(title=title, pickup=unit, placed=day))
            self.out.holds_placed += 1

    # --- nights ----------------------------------------------------------------------------

    def _target(self, day: int) -> None:
        tomorrow = (self.first_weekday + day + 1) % 7
        for title, queue in list(self.queues.items()):
            while queue:
                copy = self._best(title, queue[0].pickup, tomorrow)
                if copy is None:
                    break
                hold = queue.popleft()
                self._send(copy, self.location[copy], hold.pickup, day, hold)
            if not queue:
                del self.queues[title]

    def _best(self, title: int, pickup: int, weekday: int) -> int | None:
        """The copy ``copy_rank`` puts first among those on open units' shelves."""
        w, best, best_rank = self.w, None, None
        shelved = [c for c in w.copies_of[title] if self.status[c] == ON_SHELF]
        there = Counter(self.location[c] for c in shelved)
        for copy in shelved:
            unit = self.location[copy]
            if weekday not in w.units[unit].weekdays:
                continue
            rank = copy_rank(cost=w.cost(unit, pickup), last_on_shelf=there[unit] <= 1,
                             at_pickup=unit == pickup,
                             owned_there=w.owner[copy] in w.units[pickup].chain,
                             copy_id=copy, policy=self.policy)  # fmt: skip
            if best_rank is None or rank < best_rank:
                best, best_rank = copy, rank
        return best

    def _rebalance(self, day: int) -> None:
        wanted: Counter = Counter()
        for past in range(max(0, day - 13), day + 1):
            wanted.update(self.unmet.get(past, {}))
        needs = {key: 1 for key, count in wanted.items() if count >= 2
                 and not self.shelf.has(key[0], key[1], self)}  # fmt: skip
        idle_before = day - rebalance_policy().idle_days
        supplies: dict[tuple[int, int], list[int]] = defaultdict(list)
        for title in {t for t, _u in needs}:
            for copy in self.w.copies_of[title]:
                if self.status[copy] == ON_SHELF and self.last_lent[copy] <= idle_before:
                    supplies[(title, self.location[copy])].append(copy)
        depots = {u.index: u.depot for u in self.w.units}
        moves = plan_moves(
            supplies={k: len(v) for k, v in supplies.items()}, needs=needs, depot_of=depots,
            depot_capacity=dict.fromkeys(set(depots.values()), vans_capacity()),
            cost=lambda a, b: int(self.w.cost(a, b) * CENTS),
        )  # fmt: skip
        for move in moves:
            for copy in supplies[(move.record, move.from_unit)][: move.copies]:
                self._send(copy, move.from_unit, move.to_unit, day, None)
                self.out.rebalance_moves += 1

    # --- vans ------------------------------------------------------------------------------

    def _drive(self) -> None:
        """Each day's stops routed from their depots, as the van planner routes them."""
        policy, network = van_policy(), network_policy()
        day_window = (policy.day_start.hour * 60, policy.day_end.hour * 60)
        for day in sorted(self.stops):
            for depot, stops in by_depot(self.w.units, self.stops[day]).items():
                nodes = [depot, *stops]
                km = [[self.w.road_km(a, b) for b in nodes] for a in nodes]
                plan = plan_routes(
                    stops=[Stop(key=s, load=1, opens=0, closes=24 * 60,
                                handling=network.handling_minutes) for s in stops],
                    metres=[[round(k * 1000) for k in row] for row in km],
                    minutes=[[round(k / network.van_speed_kmh * 60) for k in row] for row in km],
                    vans=policy.vans_per_depot, capacity=policy.van_capacity, day=day_window,
                    seconds=0.1,
                )  # fmt: skip
                self.out.van_km += sum(r.metres for r in plan.routes) / 1000
                self.out.baseline_km += sum(2 * km[0][n] for n in range(1, len(nodes)))


class _Shelves:
    """The copies on each unit's shelves, for drawing one at random in constant time."""

    def __init__(self, world: World, status: array, location: array) -> None:
        self.w, self.location = world, location
        self.on: dict[int, list[int]] = defaultdict(list)
        self.at: dict[int, int] = {}
        for copy in range(len(status)):
            if status[copy] == ON_SHELF:
                self.put(copy)

    def put(self, copy: int) -> None:
        shelf = self.on[self.location[copy]]
        self.at[copy] = len(shelf)
        shelf.append(copy)

    def take(self, copy: int) -> None:
        position = self.at.pop(copy)
        shelf = self.on[self.location[copy]]
        last = shelf.pop()
        if last != copy:
            shelf[position] = last
            self.at[last] = position

    def pick(self, unit: int, rng: random.Random) -> int | None:
        shelf = self.on.get(unit)
        return rng.choice(shelf) if shelf else None

    def has(self, title: int, unit: int, sim: Simulation) -> bool:
        return any(sim.status[c] == ON_SHELF and sim.location[c] == unit
                   for c in self.w.copies_of[title])  # fmt: skip
