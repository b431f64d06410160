"""The plan of the demo network: operators, units, hours, closed days and transport costs.

Pure data made from a ``random.Random``: the same seed and scale give the same plan, unit for
unit. ``build`` turns the plan into rows through the network services.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field
from decimal import Decimal

from libcity.demo.places import (
    BOOKSTORE_BRANDS,
    CENTRAL,
    CITY_RESIDENTS,
    COMMUNITY_SUFFIXES,
    DISTRICTS,
    HOTEL_BRANDS,
    INDUSTRIES,
    ROAD_SUFFIXES,
    SCHOOL_TYPES,
    SITES,
    WORDS,
    District,
    Street,
)
from libcity.network.models import OperatorKind, UnitKind, UnitTier

Timetable = dict[int, list[tuple[dt.time, dt.time]]]

LIBRARY_SYSTEM = "gz-library-system"
BOOKSTORE_CHAIN = "op-yangcheng-books"

# The service units of a district, in the order they are planned, with their code prefix and
# their share of the units beyond the one each district gets of every kind.
BRANCH, COMMUNITY = "branch", "community"
SHARES: tuple[tuple[str, str, float], ...] = (
    (BRANCH, "br", 0.10),
    (COMMUNITY, "cr", 0.28),
    (UnitKind.STUDY_ROOM_24H, "sr", 0.08),
    (UnitKind.LOCKER, "lk", 0.12),
    (UnitKind.MICRO_BRANCH, "mb", 0.16),
    (UnitKind.VAN_STOP, "vs", 0.07),
    (UnitKind.SCHOOL_LIBRARY, "sl", 0.11),
    (UnitKind.PARTNER_SPACE, "ps", 0.08),
)
SPRING_FESTIVAL_2027 = (
    (dt.date(2027, 2, 5), "除夕 Spring Festival Eve"),
    (dt.date(2027, 2, 6), "春节 Spring Festival"),
    (dt.date(2027, 2, 7), "春节 Spring Festival"),
)


@dataclass(frozen=True)
class Scale:
    name: str
    units_per_million: float  # service units per million residents
    readers: int
    bulk: bool  # readers as bulk rows rather than one service call each
    records: int = 0  # generated bibliographic records (editions)
    items: int = 0  # their copies, about four a record
    loans: int = 0  # loans over the year before the build (``demo.activity``)


SCALES: dict[str, Scale] = {
    "small": Scale("small", 10.5, 2_000, bulk=False, records=5_000, items=20_000, loans=30_000),
    "district": Scale(
        "district", 16.0, 100_000, bulk=True, records=250_000, items=1_000_000, loans=500_000
    ),
    "city": Scale(
        "city", 160.0, 1_000_000, bulk=True, records=2_500_000, items=10_000_000, loans=5_000_000
    ),
}


@dataclass
class OperatorPlan:
    code: str
    name_zh: str
    name_en: str
    kind: str
    contact: str = ""


@dataclass
class UnitPlan:
    code: str
    name_zh: str
    name_en: str
    kind: str
    tier: str
    parent: str | None
    operator: str
    latitude: float
    longitude: float
    address_zh: str = ""
    address_en: str = ""
    open_24h: bool = False
    residents: int | None = None
    timetable: Timetable = field(default_factory=dict)
    district: str | None = None  # slug of the district the unit belongs to
    street: Street | None = None  # for branches: the street or town it serves


@dataclass(frozen=True)
class ClosedPlan:
    unit: str
    date: dt.date
    reason: str
    include_descendants: bool = False


@dataclass(frozen=True)
class TransportPlan:
    from_unit: str
    to_unit: str
    cost: Decimal
    minutes: int


@dataclass
class CityPlan:
    operators: list[OperatorPlan] = field(default_factory=list)
    units: list[UnitPlan] = field(default_factory=list)  # every parent before its children
    closed: list[ClosedPlan] = field(default_factory=list)
    transport: list[TransportPlan] = field(default_factory=list)


# --- hours ----------------------------------------------------------------------------------


def _t(text: str) -> dt.time:
    hours, minutes = text.split(":")
    return dt.time(int(hours), int(minutes))


def _hours(days: range | tuple[int, ...], *intervals: str) -> Timetable:
    """``_hours(range(1, 7), "09:00-12:00")`` → Tuesday to Sunday, 9 to 12."""
    pairs = []
    for interval in intervals:
        opens, closes = interval.split("-")
        pairs.append((_t(opens), _t(closes)))
    return {day: list(pairs) for day in days}


TUE_SUN, MON_FRI, EVERY_DAY = range(1, 7), range(5), range(7)
HOURS = {
    "central": {0: [(_t("14:00"), _t("21:00"))], **_hours(TUE_SUN, "09:00-21:00")},
    "district": _hours(TUE_SUN, "09:00-21:00"),
    "branch": _hours(TUE_SUN, "09:00-12:00", "14:00-17:30"),
    "community": {
        **_hours(range(1, 5), "14:30-17:30"),
        **_hours((5, 6), "09:30-12:00", "14:30-17:30"),
    },
    "office": _hours(MON_FRI, "09:00-18:00"),
    "school": _hours(MON_FRI, "07:50-17:00"),
    "community_micro": _hours(range(6), "09:00-12:00", "14:30-17:30"),
    "bookstore": _hours(EVERY_DAY, "10:00-22:00"),
    "hotel": _hours(EVERY_DAY, "07:00-23:00"),
}


def _van_hours(rng: random.Random) -> Timetable:
    """One or two short stops a week."""
    days = sorted(rng.sample(range(7), rng.choice((1, 1, 2))))
    timetable: Timetable = {}
    for day in days:
        start = rng.choice((9, 10, 14, 15, 16))
        minutes = rng.choice((60, 90, 120))
        opens = dt.time(start, 0)
        closes = dt.datetime.combine(dt.date(2000, 1, 1), opens) + dt.timedelta(minutes=minutes)
        timetable[day] = [(opens, closes.time())]
    return timetable


# --- counting -------------------------------------------------------------------------------


def kind_counts(district: District, scale: Scale) -> dict[str, int]:
    """How many units of each kind a district gets: one of each, the rest by population."""
    total = max(len(SHARES), round(scale.units_per_million * district.residents / 1e6))
    extra = total - len(SHARES)
    wanted = {kind: share * extra for kind, _prefix, share in SHARES}
    counts = {kind: 1 + math.floor(value) for kind, value in wanted.items()}
    left = total - sum(counts.values())
    by_remainder = sorted(wanted, key=lambda k: (-(wanted[k] - math.floor(wanted[k])), k))
    for kind in by_remainder[:left]:
        counts[kind] += 1
    overflow = max(0, counts[BRANCH] - len(district.streets))
    counts[BRANCH] -= overflow
    counts[COMMUNITY] += overflow
    return counts


# --- places ---------------------------------------------------------------------------------


class _Namer:
    """Unique draws from a district's pools of names, and addresses and contacts."""

    def __init__(self, rng: random.Random, district: District) -> None:
        self.rng = rng
        self.district = district
        self._drawn: dict[str, set] = {}
        self._counters: dict[str, int] = {}

    def count(self, name: str) -> int:
        """1, 2, 3... per name: the numbers of codes."""
        self._counters[name] = self._counters.get(name, 0) + 1
        return self._counters[name]

    def unique(self, pool: str, candidates) -> tuple:
        seen = self._drawn.setdefault(pool, set())
        for _attempt in range(200):
            pick = tuple(self.rng.choice(c) for c in candidates)
            if pick not in seen:
                seen.add(pick)
                return pick
        raise RuntimeError(f"The name pool {pool} of {self.district.slug} is exhausted.")

    def community(self) -> tuple[str, str]:
        (w_zh, w_en), (s_zh, s_en) = self.unique("community", (WORDS, COMMUNITY_SUFFIXES))
        return f"{w_zh}{s_zh}", f"{w_en}{s_en}"

    def site(self) -> tuple[str, str]:
        (w_zh, w_en), (s_zh, s_en) = self.unique("site", (WORDS, SITES))
        return s_zh.format(w=w_zh), s_en.format(w=w_en)

    def word(self, pool: str) -> tuple[str, str]:
        ((w_zh, w_en),) = self.unique(pool, (WORDS,))
        return w_zh, w_en

    def school(self) -> tuple[str, str]:
        (w_zh, w_en), (t_zh, t_en) = self.unique("school", (WORDS, SCHOOL_TYPES))
        d = self.district
        return f"{d.name_zh}{w_zh}{t_zh}", f"{d.en} {w_en} {t_en}"

    def address(self) -> tuple[str, str]:
        (w_zh, w_en), (r_zh, r_en) = self.rng.choice(WORDS), self.rng.choice(ROAD_SUFFIXES)
        number = self.rng.randint(1, 399)
        d = self.district
        return (
            f"广州市{d.name_zh}{w_zh}{r_zh}{number}号",
            f"{number} {w_en} {r_en}, {d.name_en}, Guangzhou",
        )

    def contact(self) -> str:
        return f"020-{self.rng.randint(2000, 8999)}{self.rng.randint(0, 9999):04d}"


def _near(rng: random.Random, lat: float, lng: float, radius: float) -> tuple[float, float]:
    """A point uniformly within ``radius`` degrees (of latitude) of a centre."""
    r = radius * math.sqrt(rng.random())
    theta = 2 * math.pi * rng.random()
    d_lat = r * math.sin(theta)
    d_lng = r * math.cos(theta) / math.cos(math.radians(lat))
    return round(lat + d_lat, 6), round(lng + d_lng, 6)


# --- the plan -------------------------------------------------------------------------------


def city_plan(scale: Scale, seed: int) -> CityPlan:
    rng = random.Random(seed)
    plan = CityPlan()
    plan.operators.append(
        OperatorPlan(LIBRARY_SYSTEM, "广州市公共图书馆体系", "Guangzhou Public Library System",
                     OperatorKind.LIBRARY_SYSTEM, "020-83853333")
    )  # fmt: skip
    plan.operators.append(
        OperatorPlan(BOOKSTORE_CHAIN, "羊城书店连锁有限公司", "Yangcheng Books Chain Co., Ltd.",
                     OperatorKind.BOOKSTORE, "020-87654321")
    )  # fmt: skip
    plan.units.append(
        UnitPlan(**CENTRAL, kind=UnitKind.LIBRARY, tier=UnitTier.CENTRAL, parent=None,
                 operator=LIBRARY_SYSTEM, residents=CITY_RESIDENTS, timetable=HOURS["central"])
    )  # fmt: skip
    for district in DISTRICTS:
        _plan_district(plan, rng, district, kind_counts(district, scale))
    _plan_closed_dates(plan, rng)
    _plan_transport(plan)
    return plan


def _plan_district(plan: CityPlan, rng: random.Random, d: District, counts: dict) -> None:
    namer = _Namer(rng, d)
    library = UnitPlan(
        f"gz-{d.slug}", f"{d.name_zh}图书馆", f"{d.name_en} Library", UnitKind.LIBRARY,
        UnitTier.DISTRICT, CENTRAL["code"], LIBRARY_SYSTEM, d.latitude, d.longitude,
        *namer.address(), residents=d.residents, timetable=HOURS["district"], district=d.slug,
    )  # fmt: skip
    plan.units.append(library)
    branches = _plan_branches(plan, rng, namer, library, counts[BRANCH])
    prefixes = {kind: prefix for kind, prefix, _share in SHARES}

    def code(kind: str) -> str:
        return f"gz-{d.slug}-{prefixes[kind]}{namer.count(prefixes[kind]):03d}"

    for _ in range(counts[COMMUNITY]):
        plan.units.append(_community(rng, namer, code(COMMUNITY), rng.choice(branches)))
    for kind, _prefix, _share in SHARES[2:]:
        for _ in range(counts[kind]):
            make = _SERVICE_POINTS[kind]
            plan.units.append(make(plan, rng, namer, code(kind), library, branches))


def _plan_branches(plan, rng, namer: _Namer, library: UnitPlan, count: int) -> list[UnitPlan]:
    d = namer.district
    streets = rng.sample(d.streets, count)
    weights = [rng.uniform(0.6, 1.4) for _ in streets]
    shares = [int(d.residents * w / sum(weights)) for w in weights]
    shares[-1] += d.residents - sum(shares)
    branches = []
    for number, (street, residents) in enumerate(zip(streets, shares, strict=True), start=1):
        lat, lng = _near(rng, d.latitude, d.longitude, d.radius)
        branch = UnitPlan(
            f"gz-{d.slug}-br{number:03d}", f"{d.name_zh}图书馆{street.zh}分馆",
            f"{d.name_en} Library {street.en} Branch", UnitKind.LIBRARY, UnitTier.BRANCH,
            library.code, LIBRARY_SYSTEM, lat, lng, *namer.address(), residents=residents,
            timetable=HOURS["branch"], district=d.slug, street=street,
        )  # fmt: skip
        plan.units.append(branch)
        branches.append(branch)
    return branches


def _around(rng: random.Random, d: District, parent: UnitPlan) -> tuple[float, float]:
    """Near the parent, and still within the district's circle."""
    for _attempt in range(20):
        lat, lng = _near(rng, parent.latitude, parent.longitude, d.radius / 3)
        dx = (lng - d.longitude) * math.cos(math.radians(d.latitude))
        if math.hypot(lat - d.latitude, dx) <= d.radius:
            return lat, lng
    return _near(rng, d.latitude, d.longitude, d.radius)


def _unit(rng, namer: _Namer, parent: UnitPlan, **values) -> UnitPlan:
    d = namer.district
    lat, lng = _around(rng, d, parent)
    address_zh, address_en = namer.address()
    values.setdefault("operator", LIBRARY_SYSTEM)
    values.setdefault("tier", UnitTier.SERVICE_POINT)
    return UnitPlan(
        parent=parent.code, latitude=lat, longitude=lng, address_zh=address_zh,
        address_en=address_en, district=d.slug, **values,
    )  # fmt: skip


def _community(rng, namer: _Namer, code: str, branch: UnitPlan) -> UnitPlan:
    name_zh, name_en = namer.community()
    street = branch.street
    return _unit(
        rng, namer, branch, code=code, name_zh=f"{street.zh}{name_zh}社区图书室",
        name_en=f"{name_en} Community Library Room, {street.en}", kind=UnitKind.LIBRARY,
        tier=UnitTier.COMMUNITY, timetable=HOURS["community"],
    )  # fmt: skip


def _study_room(plan, rng, namer: _Namer, code, library, branches) -> UnitPlan:
    d = namer.district
    place_zh, place_en = namer.site()
    return _unit(
        rng, namer, library, code=code, name_zh=f"{d.name_zh}{place_zh}城市书房",
        name_en=f"{d.en} {place_en} City Study Room", kind=UnitKind.STUDY_ROOM_24H,
        open_24h=True,
    )  # fmt: skip


def _locker(plan, rng, namer: _Namer, code, library, branches) -> UnitPlan:
    d = namer.district
    place_zh, place_en = namer.site()
    return _unit(
        rng, namer, rng.choice(branches), code=code,
        name_zh=f"{d.name_zh}{place_zh}自助借还柜",
        name_en=f"{place_en} Self-service Lending Locker, {d.en}", kind=UnitKind.LOCKER,
        open_24h=True,
    )  # fmt: skip


def _operator(plan: CityPlan, namer: _Namer, kind: str, name_zh: str, name_en: str) -> str:
    """A partner organisation of the district: ``op-yuexiu-company-03``."""
    number = namer.count(kind)
    code = f"op-{namer.district.slug}-{kind}-{number:02d}"
    plan.operators.append(OperatorPlan(code, name_zh, name_en, kind, namer.contact()))
    return code


def _micro_branch(plan, rng, namer: _Namer, code, library, branches) -> UnitPlan:
    """A small stock in a company, a school or a community, run by its host."""
    host = rng.choices(("company", "school", "community"), weights=(5, 2, 3))[0]
    if host == "company":
        (w_zh, w_en), (i_zh, i_en) = namer.unique("company", (WORDS, INDUSTRIES))
        host_zh, host_en = f"广州{w_zh}{i_zh}有限公司", f"Guangzhou {w_en} {i_en} Co., Ltd."
        kind, hours = OperatorKind.COMPANY, HOURS["office"]
        name_zh, name_en = f"{host_zh}微分馆", f"{host_en} Micro-branch"
    elif host == "school":
        host_zh, host_en = namer.school()
        kind, hours = OperatorKind.SCHOOL, HOURS["school"]
        name_zh, name_en = f"{host_zh}微分馆", f"{host_en} Micro-branch"
    else:
        c_zh, c_en = namer.community()
        host_zh, host_en = f"{c_zh}社区居委会", f"{c_en} Residents' Committee"
        kind, hours = OperatorKind.COMMUNITY, HOURS["community_micro"]
        name_zh, name_en = f"{c_zh}社区微分馆", f"{c_en} Community Micro-branch"
    operator = _operator(plan, namer, kind, host_zh, host_en)
    return _unit(
        rng, namer, rng.choice(branches), code=code, name_zh=name_zh, name_en=name_en,
        kind=UnitKind.MICRO_BRANCH, operator=operator, timetable=hours,
    )  # fmt: skip


def _van_stop(plan, rng, namer: _Namer, code, library, branches) -> UnitPlan:
    w_zh, w_en = namer.word("village")
    return _unit(
        rng, namer, library, code=code, name_zh=f"流动图书车{w_zh}村站",
        name_en=f"Mobile Library Van {w_en} Village Stop ({namer.district.en})",
        kind=UnitKind.VAN_STOP, timetable=_van_hours(rng),
    )  # fmt: skip


def _school_library(plan, rng, namer: _Namer, code, library, branches) -> UnitPlan:
    school_zh, school_en = namer.school()
    operator = _operator(plan, namer, OperatorKind.SCHOOL, school_zh, school_en)
    return _unit(
        rng, namer, rng.choice(branches), code=code, name_zh=f"{school_zh}图书馆",
        name_en=f"{school_en} Library", kind=UnitKind.SCHOOL_LIBRARY, operator=operator,
        timetable=HOURS["school"],
    )  # fmt: skip


def _partner_space(plan, rng, namer: _Namer, code, library, branches) -> UnitPlan:
    d = namer.district
    host = rng.choices(("chain", "bookstore", "hotel"), weights=(3, 3, 4))[0]
    w_zh, w_en = namer.word("partner")
    if host == "chain":
        operator, hours = BOOKSTORE_CHAIN, HOURS["bookstore"]
        name_zh, name_en = (
            f"羊城书店{d.zh}{w_zh}店阅读空间",
            f"Yangcheng Books {w_en} Reading Space",
        )
    elif host == "bookstore":
        brand_zh, brand_en = rng.choice(BOOKSTORE_BRANDS)
        store_zh, store_en = brand_zh.format(w=w_zh), brand_en.format(w=w_en)
        operator = _operator(plan, namer, OperatorKind.BOOKSTORE, store_zh, store_en)
        name_zh, name_en, hours = (
            f"{store_zh}阅读空间",
            f"{store_en} Reading Space",
            HOURS["bookstore"],
        )
    else:
        brand_zh, brand_en = rng.choice(HOTEL_BRANDS)
        hotel_zh, hotel_en = brand_zh.format(w=w_zh), brand_en.format(w=w_en)
        operator = _operator(plan, namer, OperatorKind.HOTEL, hotel_zh, hotel_en)
        name_zh, name_en, hours = f"{hotel_zh}悦读吧", f"{hotel_en} Reading Bar", HOURS["hotel"]
    return _unit(
        rng, namer, library, code=code, name_zh=name_zh, name_en=name_en,
        kind=UnitKind.PARTNER_SPACE, operator=operator, timetable=hours,
    )  # fmt: skip


_SERVICE_POINTS = {
    UnitKind.STUDY_ROOM_24H: _study_room,
    UnitKind.LOCKER: _locker,
    UnitKind.MICRO_BRANCH: _micro_branch,
    UnitKind.VAN_STOP: _van_stop,
    UnitKind.SCHOOL_LIBRARY: _school_library,
    UnitKind.PARTNER_SPACE: _partner_space,
}


# --- closed days and transport --------------------------------------------------------------


def _plan_closed_dates(plan: CityPlan, rng: random.Random) -> None:
    """The Spring Festival of 2027 at the central library and a third of the branches."""
    for date, reason in SPRING_FESTIVAL_2027[:2]:
        plan.closed.append(ClosedPlan(CENTRAL["code"], date, reason))
    branches = [u for u in plan.units if u.tier == UnitTier.BRANCH]
    for branch in rng.sample(branches, max(1, len(branches) // 3)):
        for date, reason in SPRING_FESTIVAL_2027:
            plan.closed.append(ClosedPlan(branch.code, date, reason))
    # A whole district closes on the first day of the year (its units included).
    plan.closed.append(ClosedPlan("gz-conghua", dt.date(2027, 2, 6), "春节 Spring Festival", True))
    works = rng.choice(branches)
    plan.closed.append(ClosedPlan(works.code, dt.date(2026, 12, 15), "设备检修 Maintenance"))


# Routes where the van's real trip differs from the straight-line estimate: expressway tolls
# and the long way round the river to the outer districts, a shared van in the old city.
_TRANSPORT = (
    ("gz-yuexiu", Decimal("8.00"), 25, False),
    ("gz-huadu", Decimal("46.50"), 75, True),
    ("gz-nansha", Decimal("68.00"), 100, True),
    ("gz-conghua", Decimal("72.00"), 110, True),
    ("gz-zengcheng", Decimal("60.00"), 95, True),
)


def _plan_transport(plan: CityPlan) -> None:
    central = CENTRAL["code"]
    for district, cost, minutes, both_ways in _TRANSPORT:
        plan.transport.append(TransportPlan(central, district, cost, minutes))
        if both_ways:
            plan.transport.append(TransportPlan(district, central, cost, minutes))
