"""Reads of the network: the tree, opening hours, distances and transport costs."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from numbers import Real

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from libcity.core.clock import as_local
from libcity.network import policies
from libcity.network.exceptions import InvalidCoordinates, UnitNotFound
from libcity.network.models import ClosedDate, OpeningHours, TransportCost, Unit, UnitKind

#: The mean radius of the Earth (IUGG), in kilometres.
EARTH_RADIUS_KM = 6371.0088
#: Half the circumference: no two points on Earth are farther apart than this.
HALF_CIRCUMFERENCE_KM = math.pi * EARTH_RADIUS_KM
#: Ids per ``IN (...)`` list, well below SQLite's and PostgreSQL's parameter limits.
_IDS_PER_QUERY = 5000

Timetable = dict[int, list[tuple[dt.time, dt.time]]]
WEEKDAY_NAMES = [
    gettext_lazy("Monday"),
    gettext_lazy("Tuesday"),
    gettext_lazy("Wednesday"),
    gettext_lazy("Thursday"),
    gettext_lazy("Friday"),
    gettext_lazy("Saturday"),
    gettext_lazy("Sunday"),
]


@dataclass(frozen=True)
class TransportQuote:
    """What moving a crate of books from one unit to another costs (yuan) and takes (minutes)."""

    cost: Decimal
    minutes: int
    km: float
    overridden: bool


# --- the tree -------------------------------------------------------------------------------


def unit_get(code: str) -> Unit:
    """The unit with this code (codes are kept in lower case), or UnitNotFound."""
    try:
        return Unit.objects.get(code=str(code).strip().lower())
    except Unit.DoesNotExist:
        raise UnitNotFound(_("There is no such unit."), unit_code=str(code)) from None


def unit_subtree(unit: Unit, *, include_self: bool = True) -> QuerySet[Unit]:
    """The unit and everything below it, at any depth: one ``LIKE '/1/5/%'``."""
    units = Unit.objects.filter(path__startswith=unit.path)
    return units if include_self else units.exclude(pk=unit.pk)


def unit_ancestors(unit: Unit) -> list[Unit]:
    """The units above this one, the root first, read in one query from the ids of the path."""
    ids = [int(part) for part in unit.path.strip("/").split("/")[:-1]]
    if not ids:
        return []
    return list(Unit.objects.filter(pk__in=ids).order_by("depth"))


def unit_children(unit: Unit) -> QuerySet[Unit]:
    return Unit.objects.filter(parent=unit)


def units_public(
    *,
    kind: str | None = None,
    tier: str | None = None,
    within: str | None = None,
    query: str = "",
) -> QuerySet[Unit]:
    """Active units as the public sees them, in tree order, optionally filtered.

    ``within`` is a unit code: only its subtree (an unknown code gives nothing).
    """
    units = Unit.objects.filter(is_active=True).select_related("operator")
    if kind:
        units = units.filter(kind=kind)
    if tier:
        units = units.filter(tier=tier)
    if within:
        root = Unit.objects.filter(code=str(within).strip().lower()).first()
        units = units.filter(path__startswith=root.path) if root else units.none()
    if query.strip():
        text = query.strip()
        units = units.filter(
            Q(code__icontains=text) | Q(name_zh__icontains=text) | Q(name_en__icontains=text)
        )
    return units


def unit_names(codes: Iterable[str], language: str | None = None) -> dict[str, str]:
    """The names of the units with these codes, in ``language``: one query."""
    units = Unit.objects.filter(code__in=set(codes)).only("code", "name_zh", "name_en")
    return {unit.code: unit.name(language) for unit in units}


def units_taking_registrations() -> QuerySet[Unit]:
    """Where a reader may choose to have their card at home: the staffed libraries."""
    return units_public().filter(kind__in=policies.CARD_KEEPING_KINDS)


@dataclass(frozen=True)
class NetworkSummary:
    units: int
    by_kind: list[tuple[str, str, int]]


def network_summary() -> NetworkSummary:
    """Counts for the home page: active units, and units per kind."""
    counts = dict(Unit.objects.filter(is_active=True).values_list("kind").annotate(n=Count("pk")))
    by_kind = [(kind, label, counts.get(kind, 0)) for kind, label in UnitKind.choices]
    return NetworkSummary(units=sum(counts.values()), by_kind=by_kind)


@dataclass
class TreeNode:
    unit: Unit
    children: list[TreeNode] = field(default_factory=list)


def unit_forest(units: QuerySet[Unit]) -> list[TreeNode]:
    """The given units as nested nodes; a unit whose parent is not among them is a root."""
    nodes: dict[int, TreeNode] = {}
    roots: list[TreeNode] = []
    for unit in units.order_by("path"):
        node = nodes[unit.pk] = TreeNode(unit)
        parent = nodes.get(unit.parent_id)
        (parent.children if parent else roots).append(node)
    return roots


# --- opening hours --------------------------------------------------------------------------


def unit_timetable(unit: Unit) -> Timetable:
    """The weekly timetable: weekday (0 = Monday) to its intervals, only days with hours."""
    timetable: Timetable = {}
    rows = OpeningHours.objects.filter(unit=unit).order_by("weekday", "opens")
    for weekday, opens, closes in rows.values_list("weekday", "opens", "closes"):
        timetable.setdefault(weekday, []).append((opens, closes))
    return timetable


def unit_week(unit: Unit) -> list[tuple[str, list[tuple[dt.time, dt.time]]]]:
    """Seven (day name, intervals) pairs from Monday, for a timetable on a page."""
    timetable = unit_timetable(unit)
    return [(str(WEEKDAY_NAMES[day]), timetable.get(day, [])) for day in range(7)]


def unit_upcoming_closed_dates(unit: Unit, since: dt.date | None = None) -> QuerySet[ClosedDate]:
    since = since or as_local(timezone.now()).date()
    return ClosedDate.objects.filter(unit=unit, date__gte=since).order_by("date")[:60]


def unit_is_open(unit: Unit, at: dt.datetime) -> bool:
    """Open at ``at`` (local time): not a closed date, and 24 hours or within an interval.

    An inactive unit is never open.
    """
    return units_open_flags([unit], at)[unit.pk]


def units_open_flags(units: Iterable[Unit], at: dt.datetime) -> dict[int, bool]:
    """``unit_is_open`` for many units at once, in two queries whatever their number."""
    local = as_local(at)
    units = list(units)
    active = [unit.pk for unit in units if unit.is_active]
    closed = _ids_closed_on(active, local.date())
    by_hours = [u.pk for u in units if u.is_active and not u.open_24h and u.pk not in closed]
    open_by_hours = _ids_open_by_hours(by_hours, local)
    return {
        unit.pk: unit.is_active
        and unit.pk not in closed
        and (unit.open_24h or unit.pk in open_by_hours)
        for unit in units
    }


def unit_next_opening(unit: Unit, after: dt.datetime) -> dt.datetime | None:
    """The first moment at or after ``after`` when the unit is open, in local time.

    ``after`` itself when the unit is open then. Looks ``next_opening_horizon_days`` ahead
    (a policy, 366 by default: up to ``after`` plus that many days) and answers None when
    the unit does not open in that time.
    """
    start = as_local(after)
    timetable = {} if unit.open_24h else unit_timetable(unit)
    if not unit.is_active or not (unit.open_24h or timetable):
        return None
    horizon = _horizon(unit)
    days = [start.date() + dt.timedelta(days=n) for n in range(horizon + 1)]
    closed = _closed_dates(unit, days[0], days[-1])
    for day in days:
        moment = None if day in closed else _first_open_moment(unit, timetable, day, start)
        if moment is not None:
            return moment if moment <= start + dt.timedelta(days=horizon) else None
    return None


def _horizon(unit: Unit) -> int:
    return max(0, int(policies.next_opening_horizon_days(unit)))


def _first_open_moment(
    unit: Unit, timetable: Timetable, day: dt.date, start: dt.datetime
) -> dt.datetime | None:
    """The first open moment of ``day`` not before ``start``, ignoring closed dates."""
    floor = start.time() if day == start.date() else dt.time.min
    if unit.open_24h:
        return _local_moment(day, floor)
    for opens, closes in timetable.get(day.weekday(), []):
        if floor < closes:
            return _local_moment(day, max(opens, floor))
    return None


def _local_moment(day: dt.date, time: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, time))


def _closed_dates(unit: Unit, first: dt.date, last: dt.date) -> set[dt.date]:
    rows = ClosedDate.objects.filter(unit=unit, date__range=(first, last))
    return set(rows.values_list("date", flat=True))


def _ids_closed_on(ids: Sequence[int], day: dt.date) -> set[int]:
    found: set[int] = set()
    for chunk in _chunks(ids):
        rows = ClosedDate.objects.filter(unit_id__in=chunk, date=day)
        found.update(rows.values_list("unit_id", flat=True))
    return found


def _ids_open_by_hours(ids: Sequence[int], local: dt.datetime) -> set[int]:
    time = local.time()
    found: set[int] = set()
    for chunk in _chunks(ids):
        rows = OpeningHours.objects.filter(
            unit_id__in=chunk, weekday=local.weekday(), opens__lte=time, closes__gt=time
        )
        found.update(rows.values_list("unit_id", flat=True))
    return found


def _chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), _IDS_PER_QUERY):
        yield ids[start : start + _IDS_PER_QUERY]


# --- distances ------------------------------------------------------------------------------


def coordinates_are_valid(latitude: object, longitude: object) -> bool:
    """Finite numbers with latitude in [-90, 90] and longitude in [-180, 180]."""
    numbers = (latitude, longitude)
    if not all(isinstance(n, Real | Decimal) and not isinstance(n, bool) for n in numbers):
        return False
    lat, lng = float(latitude), float(longitude)  # type: ignore[arg-type]
    return math.isfinite(lat) and math.isfinite(lng) and abs(lat) <= 90 and abs(lng) <= 180


def distance_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """The great-circle distance in kilometres (haversine formula)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    half_dphi = (phi2 - phi1) / 2
    half_dlambda = math.radians(lng2 - lng1) / 2
    h = math.sin(half_dphi) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(half_dlambda) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, h)))


def units_nearest(
    latitude: float,
    longitude: float,
    *,
    limit: int = 5,
    kinds: Iterable[str] | None = None,
    open_at: dt.datetime | None = None,
    queryset: QuerySet[Unit] | None = None,
) -> list[tuple[Unit, float]]:
    """The ``limit`` active units nearest to a point, with their distance in km, nearest first.

    Looks inside a bounding box that grows fourfold until it holds ``limit`` units within
    its inscribed circle; those are then provably the nearest of all. ``kinds`` keeps only
    those kinds, ``open_at`` only units open at that moment, ``queryset`` restricts the units.
    """
    if not coordinates_are_valid(latitude, longitude):
        raise InvalidCoordinates(_("These coordinates are not on the Earth."))
    if limit <= 0:
        return []
    candidates = _nearest_candidates(queryset, kinds)
    radius = policies.nearest_first_radius_km()
    while True:
        box = _bounding_box(latitude, longitude, radius)
        units = list(candidates if box is None else candidates.filter(box))
        ranked = _ranked(units, latitude, longitude, open_at)
        inside = [pair for pair in ranked if pair[1] <= radius]
        if box is None or len(inside) >= limit:
            return (ranked if box is None else inside)[:limit]
        radius *= 4


def _nearest_candidates(queryset: QuerySet[Unit] | None, kinds: Iterable[str] | None):
    units = (queryset if queryset is not None else Unit.objects.all()).filter(is_active=True)
    return units if kinds is None else units.filter(kind__in=list(kinds))


def _ranked(
    units: list[Unit], latitude: float, longitude: float, open_at: dt.datetime | None
) -> list[tuple[Unit, float]]:
    if open_at is not None:
        flags = units_open_flags(units, open_at)
        units = [unit for unit in units if flags[unit.pk]]
    pairs = [(u, distance_km(latitude, longitude, u.latitude, u.longitude)) for u in units]
    return sorted(pairs, key=lambda pair: (pair[1], pair[0].pk))


def _bounding_box(latitude: float, longitude: float, radius_km: float) -> Q | None:
    """A filter holding every point within ``radius_km`` of the given one; None for the globe.

    The longitude half-width is asin(sin d / cos lat), not d / cos lat, which is too narrow
    far from the equator (J. P. Matuschek, "Finding Points Within a Distance of a
    Latitude/Longitude Using Bounding Coordinates").
    """
    delta = (radius_km * (1 + 1e-9) + 1e-6) / EARTH_RADIUS_KM
    if radius_km >= HALF_CIRCUMFERENCE_KM:
        return None
    lat = math.radians(latitude)
    low, high = lat - delta, lat + delta
    if low <= -math.pi / 2 or high >= math.pi / 2:  # a pole is inside: every longitude
        return Q(latitude__gte=math.degrees(max(low, -math.pi / 2))) & Q(
            latitude__lte=math.degrees(min(high, math.pi / 2))
        )
    half_width = math.degrees(math.asin(math.sin(delta) / math.cos(lat)))
    lat_range = Q(latitude__gte=math.degrees(low), latitude__lte=math.degrees(high))
    return lat_range & _longitude_range(longitude - half_width, longitude + half_width)


def _longitude_range(west: float, east: float) -> Q:
    """Longitudes between ``west`` and ``east``, split in two across the antimeridian."""
    if west < -180:
        return Q(longitude__gte=west + 360) | Q(longitude__lte=east)
    if east > 180:
        return Q(longitude__gte=west) | Q(longitude__lte=east - 360)
    return Q(longitude__gte=west, longitude__lte=east)


# --- transport ------------------------------------------------------------------------------


def transport_cost(from_unit: Unit, to_unit: Unit) -> TransportQuote:
    """The staff override for this ordered pair if any, else a cost derived from distance."""
    if from_unit.pk == to_unit.pk:
        return TransportQuote(cost=Decimal("0.00"), minutes=0, km=0.0, overridden=False)
    km = distance_km(from_unit.latitude, from_unit.longitude, to_unit.latitude, to_unit.longitude)
    override = (
        TransportCost.objects.filter(from_unit=from_unit, to_unit=to_unit)
        .values_list("cost", "minutes")
        .first()
    )
    if override is not None:
        return TransportQuote(cost=override[0], minutes=override[1], km=km, overridden=True)
    cost, minutes = policies.transport_derived(from_unit, to_unit, km)
    return TransportQuote(cost=cost, minutes=minutes, km=km, overridden=False)


def units_open_on(day: dt.date, ids: Sequence[int] | None = None) -> set[int]:
    """The active units (of ``ids``, or all) open at some time on ``day``: not closed that
    date, and open 24 hours or with opening hours on its weekday. Three queries."""
    units = Unit.objects.filter(is_active=True)
    if ids is not None:
        units = units.filter(pk__in=list(ids))
    rows = list(units.values_list("pk", "open_24h"))
    closed = _ids_closed_on([pk for pk, _h in rows], day)
    by_hours = [pk for pk, all_day in rows if not all_day and pk not in closed]
    with_hours: set[int] = set()
    for chunk in _chunks(by_hours):
        found = OpeningHours.objects.filter(unit_id__in=chunk, weekday=day.weekday())
        with_hours.update(found.values_list("unit_id", flat=True))
    return {pk for pk, all_day in rows if pk not in closed and (all_day or pk in with_hours)}


class TransportTable:
    """Transport costs between many units, for planners that ask again and again (targeting
    holds, rebalancing, van runs): the units and the staff overrides are read once, every
    other pair is derived from distance as ``transport_cost`` derives it, and remembered."""

    def __init__(self, units: Iterable[Unit] | None = None) -> None:
        chosen = list(units) if units is not None else list(Unit.objects.all())
        self.units = {unit.pk: unit for unit in chosen}
        overrides = TransportCost.objects.values_list("from_unit_id", "to_unit_id", "cost")
        self._overrides = {(a, b): cost for a, b, cost in overrides}
        self._memo: dict[tuple[int, int], Decimal] = {}
        self._policy = policies.network_policy()

    def km(self, from_id: int, to_id: int) -> float:
        a, b = self.units[from_id], self.units[to_id]
        return distance_km(a.latitude, a.longitude, b.latitude, b.longitude)

    def cost(self, from_id: int, to_id: int) -> Decimal:
        """Yuan per crate from one unit to another (nothing to stay put)."""
        if from_id == to_id:
            return Decimal("0.00")
        key = (from_id, to_id)
        found = self._memo.get(key)
        if found is None:
            found = self._overrides.get(key)
            if found is None:
                found, _minutes = policies.transport_derived(
                    self.units[from_id], self.units[to_id], self.km(from_id, to_id), self._policy
                )
            self._memo[key] = found
        return found
