"""What the demo city's year of circulation is made from, read once from the database: the units
with their calendars and where their copies come from, the readers, the copies on the shelves
and the loan rules.

``Place`` answers the questions the services ask the database one loan at a time (is the unit
open that day, when is a loan due, where does a returned copy go) from what it read once; the
tests compare each answer with the service's own (``_due_on``, ``return_route``).
"""

from __future__ import annotations

import datetime as dt
from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field

from libcity.catalogue.models import Item, ItemStatus, ItemType
from libcity.circulation import policies
from libcity.circulation.models import FloatGroup, LoanRule, ReturnTo
from libcity.circulation.policies import Terms
from libcity.network.models import ClosedDate, OpeningHours, Unit, UnitTier
from libcity.network.policies import next_opening_horizon_days, unit_keeps_shelves
from libcity.readers.models import Reader, ReaderStatus

Hours = dict[int, tuple[tuple[dt.time, dt.time], ...]]
#: Item types by a small number, for the arrays that describe millions of copies.
ITEM_TYPES: tuple[str, ...] = tuple(ItemType.values)
_TYPE_INDEX = {t: i for i, t in enumerate(ITEM_TYPES)}


@dataclass(eq=False, slots=True)
class Place:
    """A unit as the year sees it."""

    unit: Unit
    pk: int
    code: str
    kind: str
    tier: str
    chain: tuple[int, ...]  # the path: the root first, the unit itself last
    active: bool
    open_24h: bool
    shelves: bool  # returned copies may stay here (``unit_keeps_shelves``)
    hours: Hours  # weekday → intervals, only days with hours
    closed: frozenset[dt.date]
    residents: int
    horizon: int  # ``next_opening_horizon_days``
    district: int | None = None  # the district library above or at it
    area: int | None = None  # the nearest branch above or at it, else the district
    stock: int | None = None  # where the copies it lends stand: itself, or the library above
    onward: int | None = None  # the nearest library above that keeps shelves
    rule_key: tuple[int, ...] = ()  # the units of its chain that have loan rules

    def is_open(self, day: dt.date) -> bool:
        if not self.active or day in self.closed:
            return False
        return self.open_24h or day.weekday() in self.hours

    def due_on(self, start: dt.date, days: int) -> dt.date:
        """What ``circulation.services.loans._due_on`` answers for this unit: ``days`` after
        ``start``, moved to the first day the unit opens within its horizon."""
        due = policies.due_date(start, days)
        if not self.active or not (self.open_24h or self.hours):
            return due
        for n in range(self.horizon + 1):
            day = due + dt.timedelta(days=n)
            if day in self.closed:
                continue
            if self.open_24h:
                return day
            intervals = self.hours.get(day.weekday())
            if intervals:
                opens = intervals[0][0]
                # The first open moment must lie within the horizon (a morning opening on
                # its very last day is past it): then the plain date.
                return day if n < self.horizon or opens == dt.time.min else due
        return due


@dataclass(slots=True)
class Borrower:
    pk: int
    category_id: int
    category: str
    home: int
    keeps_history: bool
    credit: int
    active: bool  # may borrow all year (an active card that does not expire meanwhile)


@dataclass
class Shelves:
    """The copies that stand on a shelf, by the unit they stand at, with what a loan needs to
    know of each (arrays indexed by item id: a city has ten million copies)."""

    on_shelf: dict[int, array] = field(default_factory=dict)  # unit pk → item ids
    item_type: array = field(default_factory=lambda: array("b"))
    year: array = field(default_factory=lambda: array("h"))
    owner: array = field(default_factory=lambda: array("l"))

    def type_of(self, item: int) -> str:
        return ITEM_TYPES[self.item_type[item]]

    def put(self, unit: int, item: int) -> None:
        self.on_shelf.setdefault(unit, array("q")).append(item)

    def __len__(self) -> int:
        return sum(len(ids) for ids in self.on_shelf.values())


class TermsBook:
    """``policies.rule_for`` once per cell: units whose chains hold the same rule-bearing
    units get the same terms, so one unit answers for all of them."""

    def __init__(self, places: Iterable[Place]) -> None:
        with_rules = set(
            LoanRule.objects.filter(is_active=True, unit__isnull=False).values_list(
                "unit_id", flat=True
            )
        )
        for place in places:
            place.rule_key = tuple(pk for pk in place.chain if pk in with_rules)
        self._cache: dict[tuple, Terms] = {}
        self._json: dict[int, dict] = {}

    def terms(self, place: Place, category_id: int, item_type: str) -> Terms:
        key = (place.rule_key, category_id, item_type)
        found = self._cache.get(key)
        if found is None:
            answer = policies.rule_for(unit=place.unit, category_id=category_id,
                                       item_type=item_type)  # fmt: skip
            found = self._cache[key] = answer.terms
        return found

    def as_json(self, terms: Terms) -> dict:
        """``terms.as_json()``, made once per terms (every loan stores it)."""
        found = self._json.get(id(terms))
        if found is None:
            found = self._json[id(terms)] = terms.as_json()
        return found


@dataclass
class World:
    places: dict[int, Place]
    readers: list[Borrower]
    shelves: Shelves
    book: TermsBook
    float_groups: dict[str, frozenset[int]]

    def route(self, terms: Terms, owner: int, here: Place) -> tuple[bool, Place, str]:
        """What ``routing.return_route`` answers: (stays, destination, reason)."""
        places = self.places
        if terms.return_to == ReturnTo.OWNER:
            if owner == here.pk:
                return True, here, "home"
            return False, places[owner], "owner_only"
        if terms.return_to == ReturnTo.FLOAT_GROUP and not (
            terms.float_group and here.pk in self.float_groups.get(terms.float_group, ())
        ):
            return False, places[owner], "outside_float_group"
        if not here.shelves:
            return False, places[here.onward or owner], "no_shelves_here"
        return True, here, "returned_anywhere"


# --- reading it ---------------------------------------------------------------------------


def world_read(*, today: dt.date, last_day: dt.date | None = None) -> World:
    """Everything the year needs. Readers whose card is not active, or expires before
    ``last_day`` (today by default), borrow nothing."""
    places = places_read()
    book = TermsBook(places.values())
    groups = {
        g.code: frozenset(g.units.values_list("pk", flat=True))
        for g in FloatGroup.objects.prefetch_related("units")
    }
    return World(places, readers_read(last_day or today), shelves_read(places), book, groups)


def places_read() -> dict[int, Place]:
    units = list(Unit.objects.order_by("pk"))
    hours: dict[int, dict[int, list]] = {}
    rows = OpeningHours.objects.order_by("unit", "weekday", "opens")
    for unit_id, weekday, opens, closes in rows.values_list("unit", "weekday", "opens", "closes"):
        hours.setdefault(unit_id, {}).setdefault(weekday, []).append((opens, closes))
    closed: dict[int, set[dt.date]] = {}
    for unit_id, date in ClosedDate.objects.values_list("unit", "date"):
        closed.setdefault(unit_id, set()).add(date)
    places = {}
    for unit in units:
        timetable = {day: tuple(pairs) for day, pairs in hours.get(unit.pk, {}).items()}
        places[unit.pk] = Place(
            unit=unit, pk=unit.pk, code=unit.code, kind=unit.kind, tier=unit.tier,
            chain=tuple(int(p) for p in unit.path.strip("/").split("/") if p),
            active=unit.is_active, open_24h=unit.open_24h, shelves=unit_keeps_shelves(unit),
            hours={} if unit.open_24h else timetable,
            closed=frozenset(closed.get(unit.pk, ())), residents=unit.residents or 0,
            horizon=max(0, int(next_opening_horizon_days(unit))),
        )  # fmt: skip
    for place in places.values():
        _place_in_tree(place, places)
    return places


def _place_in_tree(place: Place, places: dict[int, Place]) -> None:
    above = [places[pk] for pk in reversed(place.chain[:-1]) if pk in places]  # nearest first
    place.onward = next((p.pk for p in above if p.shelves), None)
    place.stock = place.pk if place.shelves else place.onward
    mine = [place, *above]
    place.district = next((p.pk for p in mine if p.tier == UnitTier.DISTRICT), None)
    branch = next((p.pk for p in mine if p.tier == UnitTier.BRANCH), None)
    place.area = branch or place.district


def readers_read(last_day: dt.date) -> list[Borrower]:
    rows = Reader.objects.order_by("pk").values_list(
        "pk", "category_id", "category__code", "home_unit_id", "keeps_reading_history",
        "credit_score", "status", "expires_on",
    )  # fmt: skip
    readers = []
    for pk, category_id, code, home, keeps, credit, status, expires in rows.iterator(10_000):
        active = status == ReaderStatus.ACTIVE and expires >= last_day
        readers.append(Borrower(pk, category_id, code, home, keeps, credit, active))
    return readers


def shelves_read(places: dict[int, Place]) -> Shelves:
    """The copies on a shelf now (``available``), by where they stand."""
    shelves = Shelves()
    rows = (
        Item.objects.filter(status=ItemStatus.AVAILABLE)
        .order_by("pk")
        .values_list("pk", "location_id", "owner_id", "item_type", "record__year")
    )
    last = Item.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    shelves.item_type = array("b", bytes(last + 1))
    shelves.year = array("h", bytes(2 * (last + 1)))
    shelves.owner = array("l", [0]) * (last + 1)
    for pk, location, owner, item_type, year in rows.iterator(20_000):
        shelves.item_type[pk] = _TYPE_INDEX.get(item_type, 0)
        shelves.year[pk] = year or 0
        shelves.owner[pk] = owner
        if location in places:
            shelves.put(location, pk)
    return shelves
