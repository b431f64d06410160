"""A year of circulation in the demo city, day by day, as ``LoanPlan``s: pure decisions made
from a ``random.Random``, nothing written (``writing`` does that).

**How much, where, when.** Each unit lends in proportion to a weight for its kind and tier (the
central library most, district libraries next, branches by the residents they serve; 24-hour
study rooms, lockers, micro-branches and partners' spaces little), on the days it is open,
shaped by the weekday (libraries are busiest at the weekend, school libraries lend on school
days only) and the season (the summer holidays up, the Spring Festival down). The weights are
scaled so that the year comes to about the loans asked for.

**Who.** A visit is one reader borrowing one to eight copies. Readers borrow mostly near home:
at a unit, most visitors live in its branch's area, many elsewhere in its district, a few
anywhere in the city (everyone at the central library); some read a lot, a quarter not at all.
A reader at a limit (``max_items``, ``max_items_of_type``) is not served.

**What.** Copies on the unit's shelf (a locker or a van stop lends from the library above it)
that its rule lends and that were published by then. A copy returned is lent again from the day
after it is back on a shelf: where it was returned, or where the routing rule sent it.

**How long.** Most copies come back before the due date, some after one renewal, a few late,
a few very late; loans whose return would fall on or after today are still out, and those past
their due date are overdue now. A reader never holds three overdue loans at once, never loses
so much credit that the card would be blocked, and never owes fines over the limit: the
simulation makes such a loan come back on time instead, so the city has no blocked readers.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from libcity.circulation import policies
from libcity.demo.activity.loans import LoanPlan, Planner
from libcity.demo.activity.world import Borrower, Place, World
from libcity.network.models import UnitKind, UnitTier
from libcity.readers import policies as reader_policies

DAYS = 365
#: Copies a reader takes home in one visit, with weights (about 2.3 on average).
PER_VISIT: tuple[tuple[int, float], ...] = (
    (1, 34), (2, 26), (3, 17), (4, 10), (5, 7), (6, 3), (8, 3),
)  # fmt: skip
MEAN_PER_VISIT = sum(n * w for n, w in PER_VISIT) / sum(w for _n, w in PER_VISIT)
#: Loans on an open day, relative to one another, by (kind, tier) or kind.
WEIGHT: dict[tuple[str, str] | str, float] = {
    (UnitKind.LIBRARY, UnitTier.CENTRAL): 60.0,
    (UnitKind.LIBRARY, UnitTier.DISTRICT): 16.0,
    (UnitKind.LIBRARY, UnitTier.BRANCH): 4.5,
    (UnitKind.LIBRARY, UnitTier.COMMUNITY): 1.0,
    UnitKind.LIBRARY: 1.0,
    UnitKind.STUDY_ROOM_24H: 1.1,
    UnitKind.LOCKER: 0.5,
    UnitKind.MICRO_BRANCH: 0.45,
    UnitKind.VAN_STOP: 2.0,  # one or two stops a week, busy while the van is there
    UnitKind.SCHOOL_LIBRARY: 0.7,
    UnitKind.PARTNER_SPACE: 0.45,
}
#: Monday to Sunday, by kind.
WEEKDAY: dict[str, tuple[float, ...]] = {
    UnitKind.LIBRARY: (0.6, 1.0, 1.0, 1.0, 1.1, 1.8, 1.7),
    UnitKind.STUDY_ROOM_24H: (0.9, 0.9, 0.9, 0.9, 1.0, 1.4, 1.4),
    UnitKind.LOCKER: (1.0, 1.0, 1.0, 1.0, 1.0, 1.1, 1.1),
    UnitKind.MICRO_BRANCH: (1.0, 1.0, 1.0, 1.0, 1.0, 0.6, 0.6),
    UnitKind.VAN_STOP: (1.0,) * 7,
    UnitKind.SCHOOL_LIBRARY: (1.0, 1.0, 1.0, 1.0, 0.9, 0.0, 0.0),
    UnitKind.PARTNER_SPACE: (0.8, 0.8, 0.8, 0.8, 1.0, 1.5, 1.5),
}
#: The season by month (summer holidays), and the Spring Festival week (new year's day).
MONTH = (1.0, 0.95, 0.95, 0.95, 1.0, 0.95, 1.25, 1.3, 0.95, 0.95, 1.0, 1.0)
SPRING_FESTIVAL = {2025: dt.date(2025, 1, 29), 2026: dt.date(2026, 2, 17),
                   2027: dt.date(2027, 2, 6), 2028: dt.date(2028, 1, 26)}  # fmt: skip
#: Where a unit's visitors live: its branch's area, the rest of its district, the city.
FROM_AREA, FROM_DISTRICT = 0.6, 0.28
#: Readers who borrow nothing all year; the spread of the others' appetite.
IDLE_READERS, APPETITE_SIGMA = 0.25, 1.0
APPETITE_BY_CATEGORY = {"child": 1.3, "student": 1.1, "adult": 1.0, "senior": 0.8,
                        "visually_impaired": 0.4}  # fmt: skip
#: What happens to a visit's loans (a tenth of the copies go their own way).
FATES = (("early", 0.63), ("renewed", 0.21), ("late", 0.13), ("very_late", 0.03))
OWN_WAY = 0.1
#: Where copies come back: the unit that lent them, the reader's home library, a 24-hour unit
#: of the reader's district, another library of the district.
RETURN_AT = (("issuing", 0.55), ("home", 0.2), ("self_service", 0.13), ("district", 0.12))
FAR = dt.date.max


@dataclass(slots=True)
class _Out:
    """A copy a reader holds (or held): until it is back, and when it is overdue."""

    until: dt.date  # the day it comes back (FAR: after today)
    item_type: str
    late_from: dt.date | None = None  # first day it is overdue
    late_to: dt.date | None = None  # last day (the day it comes back)


@dataclass(slots=True)
class _Account:
    """What the simulation keeps about a reader's year."""

    out: list[_Out] = field(default_factory=list)
    credit_spent: int = 0  # credit lost to late returns
    fines: object = 0  # fines charged (Decimal)


class _Pool:
    """Readers to draw from, by appetite."""

    def __init__(self, readers: list[Borrower], weights: list[float]) -> None:
        self.readers = readers
        self.cumulative = list(itertools.accumulate(weights))

    def draw(self, rng: random.Random) -> Borrower | None:
        if not self.readers or self.cumulative[-1] <= 0:
            return None
        return self.readers[bisect.bisect(self.cumulative, rng.random() * self.cumulative[-1])]


class Year:
    """The year before ``planner.today``: ``plans()`` yields every loan in checkout order."""

    def __init__(self, world: World, planner: Planner, *, seed: int, loans: int,
                 days: int = DAYS, favourite: int | None = None) -> None:  # fmt: skip
        self.world, self.planner = world, planner
        self.rng = random.Random(f"libcity-demo-activity-{seed}")
        self.first = planner.today - dt.timedelta(days=days)
        self.days = days
        self.target = loans
        self.accounts: dict[int, _Account] = {}
        self.back_on_shelf: dict[dt.date, list[tuple[int, int]]] = {}
        self._pools(favourite)
        self._returns()
        self._shape()
        self.rate = self._rate()
        self.per_visit = (
            [n for n, _w in PER_VISIT],
            list(itertools.accumulate(w for _n, w in PER_VISIT)),
        )

    # --- the shape ----------------------------------------------------------------------

    def _shape(self) -> None:
        """Each lending unit's weight for each weekday (0 on the days it is closed)."""
        size = _sizes(self.world.places.values())
        self.week: dict[int, tuple[float, ...]] = {}
        for place in self.lenders():
            base = WEIGHT.get((place.kind, place.tier), WEIGHT.get(place.kind, 0.0))
            days = WEEKDAY.get(place.kind, (1.0,) * 7)
            self.week[place.pk] = tuple(
                base * size[place.pk] * days[wd] if _opens_on(place, wd) else 0.0 for wd in range(7)
            )

    def _rate(self) -> float:
        """Visits per unit of weight, so that the year comes to ``target`` loans."""
        total = sum(w for _day, _place, w in self._busy())
        return self.target / MEAN_PER_VISIT / total if total else 0.0

    def _busy(self) -> Iterator[tuple[dt.date, Place, float]]:
        """Every (day, unit, weight) the unit lends on, in order."""
        lenders = self.lenders()
        for day in self.calendar():
            weekday, factor = day.weekday(), season(day)
            for place in lenders:
                w = self.week[place.pk][weekday]
                if w and day not in place.closed:
                    yield day, place, w * factor

    def calendar(self) -> Iterator[dt.date]:
        for n in range(self.days):
            yield self.first + dt.timedelta(days=n)

    def lenders(self) -> list[Place]:
        return [p for p in self.world.places.values() if p.stock is not None and p.active]

    # --- the year -----------------------------------------------------------------------

    def plans(self) -> Iterator[LoanPlan]:
        rng, rate, shelves = self.rng, self.rate, self.world.shelves
        shelved = self.first - dt.timedelta(days=1)
        for day, place, weight in self._busy():
            while shelved < day:  # the copies back on a shelf this morning
                shelved += dt.timedelta(days=1)
                for unit, item in self.back_on_shelf.pop(shelved, ()):
                    shelves.put(unit, item)
                if shelved.day == 1:
                    self._forget(shelved)
            expected = weight * rate
            visits = int(expected) + (rng.random() < expected - int(expected))
            for _ in range(visits):
                yield from self._visit(place, day)

    def _visit(self, place: Place, day: dt.date) -> list[LoanPlan]:
        rng = self.rng
        wanted = self.per_visit[0][
            bisect.bisect(self.per_visit[1], rng.random() * self.per_visit[1][-1])
        ]
        for _attempt in range(4):
            reader = self._visitor(place)
            if reader is not None and self._may_borrow(reader, day):
                break
        else:
            return []
        at = self.planner.at(place, day, rng)
        fate = _draw(rng, FATES)
        back_place = self._return_place(place, reader)
        plans = []
        for item in self._take(place, reader, day, wanted):
            plan = self.planner.checkout(item=item, reader=reader, unit=place, day=day,
                                         rng=rng, at=at)  # fmt: skip
            own = rng.random() < OWN_WAY
            self._fate(plan, _draw(rng, FATES) if own else fate,
                       self._return_place(place, reader) if own else back_place)  # fmt: skip
            plans.append(plan)
        return plans

    # --- readers ------------------------------------------------------------------------

    def _pools(self, favourite: int | None) -> None:
        rng = random.Random(self.rng.random())
        appetite = {}
        for reader in self.world.readers:
            idle = rng.random() < IDLE_READERS or not reader.active
            taste = rng.lognormvariate(0, APPETITE_SIGMA)
            appetite[reader.pk] = (
                0.0 if idle else taste * APPETITE_BY_CATEGORY.get(reader.category, 1.0)
            )
            if reader.pk == favourite and reader.active:
                appetite[reader.pk] = max(appetite[reader.pk], 4.0)
        places = self.world.places
        by: dict[tuple[str, int | None], list[Borrower]] = {}
        for reader in self.world.readers:
            home = places[reader.home]
            by.setdefault(("area", home.area), []).append(reader)
            by.setdefault(("district", home.district), []).append(reader)
            by.setdefault(("city", None), []).append(reader)
        self.pools = {
            key: _Pool(readers, [appetite[r.pk] for r in readers]) for key, readers in by.items()
        }
        self.empty = _Pool([], [])

    def _visitor(self, place: Place) -> Borrower | None:
        draw = self.rng.random()
        if place.tier == UnitTier.CENTRAL or place.district is None:
            key = ("city", None)
        elif draw < FROM_AREA:
            key = ("area", place.area)
        elif draw < FROM_AREA + FROM_DISTRICT:
            key = ("district", place.district)
        else:
            key = ("city", None)
        return self.pools.get(key, self.empty).draw(self.rng) or self.pools.get(
            ("district", place.district), self.empty
        ).draw(self.rng)

    def _forget(self, day: dt.date) -> None:
        """Drop the loans back before ``day`` from every account (a city has a million)."""
        for account in self.accounts.values():
            account.out = [o for o in account.out if o.until >= day]

    def _account(self, reader: Borrower) -> _Account:
        account = self.accounts.get(reader.pk)
        if account is None:
            account = self.accounts[reader.pk] = _Account()
        return account

    def _may_borrow(self, reader: Borrower, day: dt.date) -> bool:
        """Active, and fewer than ``OVERDUE_BLOCK_ITEMS`` loans overdue (never so by design)."""
        if not reader.active:
            return False
        account = self._account(reader)
        account.out = [o for o in account.out if o.until >= day]
        late = sum(1 for o in account.out if o.late_from and o.late_from <= day <= o.late_to)
        return late < policies.OVERDUE_BLOCK_ITEMS

    def _within_limits(self, reader: Borrower, terms, item_type: str, taking: list[str]) -> bool:
        """The checks of ``loan_checkout``, counting every copy not yet back as running."""
        out = self._account(reader).out
        running = len(out) + len(taking)
        of_type = sum(1 for o in out if o.item_type == item_type) + taking.count(item_type)
        return running < terms.max_items and of_type < terms.max_items_of_type

    # --- copies -------------------------------------------------------------------------

    def _take(self, place: Place, reader: Borrower, day: dt.date, wanted: int) -> list[int]:
        """Up to ``wanted`` copies from the shelf the unit lends from, each one its rule
        lends to this reader here and published by then; taken off the shelf."""
        shelves = self.world.shelves
        shelf = shelves.on_shelf.get(place.stock)
        taken: list[int] = []
        types: list[str] = []
        rng, book = self.rng, self.world.book
        for _attempt in range(wanted * 4):
            if len(taken) == wanted or not shelf:
                break
            i = rng.randrange(len(shelf))
            item = shelf[i]
            item_type = shelves.type_of(item)
            terms = book.terms(place, reader.category_id, item_type)
            if not terms.loanable or shelves.year[item] > day.year:
                continue
            if not self._within_limits(reader, terms, item_type, types):
                break
            shelf[i] = shelf[-1]
            shelf.pop()
            taken.append(item)
            types.append(item_type)
        return taken

    # --- what becomes of a loan ---------------------------------------------------------

    def _returns(self) -> None:
        """The places a reader of each district may bring copies back to."""
        self.self_service: dict[int | None, list[Place]] = {}
        self.libraries: dict[int | None, list[Place]] = {}
        for place in self.world.places.values():
            if place.kind in (UnitKind.STUDY_ROOM_24H, UnitKind.LOCKER):
                self.self_service.setdefault(place.district, []).append(place)
            elif place.kind == UnitKind.LIBRARY and place.tier != UnitTier.CENTRAL:
                self.libraries.setdefault(place.district, []).append(place)

    def _return_place(self, issuing: Place, reader: Borrower) -> Place:
        rng = self.rng
        where = _draw(rng, RETURN_AT)
        home = self.world.places[reader.home]
        if where == "home":
            return home
        if where == "self_service" and self.self_service.get(home.district):
            return rng.choice(self.self_service[home.district])
        if where == "district" and self.libraries.get(home.district):
            return rng.choice(self.libraries[home.district])
        return issuing

    def _fate(self, plan: LoanPlan, fate: str, place: Place) -> None:
        rng, planner = self.rng, self.planner
        span = max(1, (plan.due_on - plan.out_on).days)
        if fate == "renewed":
            day = max(plan.out_on + dt.timedelta(days=1),
                      plan.due_on - dt.timedelta(days=rng.randint(0, 6)))  # fmt: skip
            desk = plan.unit if rng.random() < 0.25 and plan.unit.is_open(day) else None
            planner.renew(plan, day, rng, desk)
            fate = "late" if rng.random() < 0.12 else "early"
            start = plan.renewed_on or plan.out_on
            span = max(1, (plan.final_due - start).days)
        else:
            start = plan.out_on
        if fate == "early":
            back = start + dt.timedelta(days=max(1, round(rng.triangular(1, span, span * 0.6))))
        elif fate == "late":
            back = plan.final_due + dt.timedelta(days=1 + min(59, int(rng.expovariate(1 / 6))))
        else:
            back = plan.final_due + dt.timedelta(days=rng.randint(25, 160))
        back, place = _open_day(place, back, plan.unit)
        if not self._may_be_late(plan, back):
            back, place = _on_time(plan)
        planner.give_back(plan, place, back, rng, transit_days=self._transit_days(plan, place))
        self._remember(plan, back)
        if plan.back_on is None:
            return
        free = planner.copy_free_on(plan)
        self.back_on_shelf.setdefault(free[1], []).append((free[0], plan.item))

    def _transit_days(self, plan: LoanPlan, here: Place) -> int:
        owner = self.world.places[plan.owner]
        near = owner.district == here.district
        return (1 if near else 2) + (self.rng.random() < 0.3)

    def _may_be_late(self, plan: LoanPlan, back: dt.date) -> bool:
        """Late only if the reader stays clear of every block: overdue loans, credit, fines."""
        late = policies.days_late(plan.final_due, back)
        if late == 0:
            return True
        account = self._account(plan.reader)
        first = plan.final_due + dt.timedelta(days=1)
        if _most_at_once(account.out, first, back) + 1 >= policies.OVERDUE_BLOCK_ITEMS:
            return False
        if back >= self.planner.today:
            return True  # not back yet: nothing charged so far
        penalty = policies.credit_penalty(plan.terms, late)
        credit = plan.reader.credit - account.credit_spent - penalty
        fines = account.fines + policies.overdue_fine(plan.terms, late)
        return not reader_policies.credit_is_blocking(credit) and (
            fines <= policies.FINES_BLOCK_LIMIT
        )

    def _remember(self, plan: LoanPlan, back: dt.date) -> None:
        account = self._account(plan.reader)
        until = plan.back_on or FAR
        out = _Out(until, plan.item_type)
        if plan.final_due < back:
            out.late_from, out.late_to = plan.final_due + dt.timedelta(days=1), max(back, until)
        account.out.append(out)
        if plan.back_on is not None:
            account.credit_spent += policies.credit_penalty(plan.terms, plan.days_late)
            account.fines = account.fines + plan.fine


# --- helpers ------------------------------------------------------------------------------


def season(day: dt.date) -> float:
    festival = SPRING_FESTIVAL.get(day.year)
    if festival and -1 <= (day - festival).days <= 6:
        return 0.45
    return MONTH[day.month - 1]


def _opens_on(place: Place, weekday: int) -> bool:
    return place.active and (place.open_24h or weekday in place.hours)


def _sizes(places) -> dict[int, float]:
    """Libraries of one tier lend by the residents they serve (within half and twice the
    tier's mean); everything else by its kind alone."""
    by_tier: dict[str, list[int]] = {}
    for p in places:
        if p.kind == UnitKind.LIBRARY and p.residents:
            by_tier.setdefault(p.tier, []).append(p.residents)
    means = {tier: sum(r) / len(r) for tier, r in by_tier.items()}
    sizes = {}
    for p in places:
        mean = means.get(p.tier) if p.kind == UnitKind.LIBRARY and p.residents else None
        sizes[p.pk] = min(2.0, max(0.5, (p.residents / mean) ** 0.5)) if mean else 1.0
    return sizes


def _draw(rng: random.Random, choices: tuple[tuple[str, float], ...]) -> str:
    pick = rng.random()
    for name, share in choices:
        if pick < share:
            return name
        pick -= share
    return choices[-1][0]


def _open_day(place: Place, day: dt.date, fallback: Place) -> tuple[dt.date, Place]:
    """The first day from ``day`` that ``place`` is open (within a fortnight), else the
    first ``fallback`` is."""
    for candidate in (place, fallback):
        for n in range(15):
            when = day + dt.timedelta(days=n)
            if candidate.is_open(when):
                return when, candidate
    return day, fallback


def _on_time(plan: LoanPlan) -> tuple[dt.date, Place]:
    """Back at the lending unit on the last open day up to the due date."""
    day = plan.final_due
    first = plan.renewed_on or plan.out_on
    while day > first:
        if plan.unit.is_open(day):
            return day, plan.unit
        day -= dt.timedelta(days=1)
    return _open_day(plan.unit, first + dt.timedelta(days=1), plan.unit)


def _most_at_once(out: list[_Out], first: dt.date, last: dt.date) -> int:
    """The most of these loans overdue on one day between ``first`` and ``last``."""
    spans = [(o.late_from, o.late_to) for o in out if o.late_from and o.late_from <= last
             and o.late_to >= first]  # fmt: skip
    points = {first} | {start for start, _end in spans if start >= first}
    return max((sum(1 for s, e in spans if s <= p <= e) for p in points), default=0)
