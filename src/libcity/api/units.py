"""Units: a public listing and page data, and staff changes to the tree and timetables."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from libcity.api.auth import STAFF_AUTH
from libcity.core import clock
from libcity.network import selectors, services
from libcity.network.models import Unit, UnitKind
from libcity.staff.policies import NETWORK_CHANGE
from libcity.staff.selectors import access_unit

router = Router(tags=["units"])


class UnitOut(Schema):
    code: str
    name_zh: str
    name_en: str
    kind: str
    tier: str
    parent: str | None
    latitude: float
    longitude: float
    open_24h: bool
    open_now: bool


class UnitList(Schema):
    count: int
    results: list[UnitOut]


class Interval(Schema):
    opens: dt.time
    closes: dt.time


class DayHours(Schema):
    weekday: int = Field(ge=0, le=6, description="0 = Monday")
    intervals: list[Interval]


class UnitDetail(UnitOut):
    operator: str
    operator_is_partner: bool
    address_zh: str
    address_en: str
    ancestors: list[str]
    next_opening: dt.datetime | None
    timetable: list[DayHours]
    closed_dates: list[dt.date]


class UnitFilters(Schema):
    kind: UnitKind | None = None
    within: str | None = Field(None, description="Only units in the subtree of this code")
    limit: int = Field(500, ge=1, le=5000)
    offset: int = Field(0, ge=0)


class MoveIn(Schema):
    parent: str = Field(description="Code of the new parent unit")


class TimetableIn(Schema):
    days: list[DayHours]


def _unit_out(unit: Unit, open_now: bool, parent_codes: dict[int, str]) -> dict:
    return {
        "code": unit.code,
        "name_zh": unit.name_zh,
        "name_en": unit.name_en,
        "kind": unit.kind,
        "tier": unit.tier,
        "parent": parent_codes.get(unit.parent_id),
        "latitude": unit.latitude,
        "longitude": unit.longitude,
        "open_24h": unit.open_24h,
        "open_now": open_now,
    }


@router.get("/units", response=UnitList, auth=None, summary="List the network's units")
def list_units(request: HttpRequest, filters: Query[UnitFilters]):
    units = selectors.units_public(kind=filters.kind, within=filters.within)
    count = units.count()
    page = list(units[filters.offset : filters.offset + filters.limit])
    flags = selectors.units_open_flags(page, clock.now())
    parents = dict(
        Unit.objects.filter(pk__in={u.parent_id for u in page}).values_list("pk", "code")
    )
    return {"count": count, "results": [_unit_out(u, flags[u.pk], parents) for u in page]}


@router.get("/units/{code}", response=UnitDetail, auth=None, summary="One unit with its hours")
def get_unit(request: HttpRequest, code: str):
    unit = selectors.unit_get(code)
    return _unit_detail(unit)


def _unit_detail(unit: Unit) -> dict:
    moment = clock.now()
    ancestors = selectors.unit_ancestors(unit)
    parents = {a.pk: a.code for a in ancestors}
    timetable = selectors.unit_timetable(unit)
    return {
        **_unit_out(unit, selectors.unit_is_open(unit, moment), parents),
        "operator": unit.operator.name_zh,
        "operator_is_partner": unit.operator.is_partner,
        "address_zh": unit.address_zh,
        "address_en": unit.address_en,
        "ancestors": [a.code for a in ancestors if a.pk != unit.pk],
        "next_opening": selectors.unit_next_opening(unit, moment),
        "timetable": [
            {"weekday": day, "intervals": [{"opens": o, "closes": c} for o, c in spans]}
            for day, spans in sorted(timetable.items())
        ],
        "closed_dates": [d.date for d in unit.closed_dates.filter(date__gte=clock.today())[:60]],
    }


@router.post(
    "/units/{code}/move",
    response=UnitDetail,
    auth=STAFF_AUTH,
    summary="Move a unit (and its subtree) under another parent",
)
def move_unit(request: HttpRequest, code: str, payload: MoveIn):
    unit = access_unit(request.auth, code, NETWORK_CHANGE)
    parent = access_unit(request.auth, payload.parent, NETWORK_CHANGE)
    services.unit_move(unit=unit, new_parent=parent, actor=request.auth)
    unit.refresh_from_db()
    return _unit_detail(unit)


@router.put(
    "/units/{code}/timetable",
    response=UnitDetail,
    auth=STAFF_AUTH,
    summary="Replace a unit's weekly timetable",
)
def set_timetable(request: HttpRequest, code: str, payload: TimetableIn):
    unit = access_unit(request.auth, code, NETWORK_CHANGE)
    timetable: dict[int, list[tuple[dt.time, dt.time]]] = {}
    for day in payload.days:
        timetable.setdefault(day.weekday, []).extend((i.opens, i.closes) for i in day.intervals)
    services.unit_set_timetable(unit=unit, timetable=timetable, actor=request.auth)
    return _unit_detail(unit)
