"""Writes of the network: operators, units and their place in the tree, hours, transport costs.

Every service owns its transaction, locks the rows it reads before writing them, and writes
one ``NetworkHistory`` row per unit it changed.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _

from libcity.core.exceptions import InvalidInput
from libcity.network.exceptions import (
    InvalidClosedDate,
    InvalidOperator,
    InvalidTimetable,
    InvalidTransportCost,
    InvalidUnit,
    OperatorCodeTaken,
    UnitCodeTaken,
    UnitMoveCycle,
    UnitNotFound,
)
from libcity.network.models import (
    ClosedDate,
    NetworkHistory,
    OpeningHours,
    Operator,
    TransportCost,
    Unit,
)
from libcity.network.selectors import Timetable, coordinates_are_valid, unit_subtree

#: The fields ``unit_update`` may change. The code, the parent and the path are not among them.
UNIT_UPDATABLE_FIELDS = frozenset({
    "name_zh", "name_en", "address_zh", "address_en", "kind", "tier", "operator",
    "latitude", "longitude", "open_24h", "residents", "is_active",
})  # fmt: skip
CENT = Decimal("0.01")
_STRIPPED_FIELDS = ("code", "name_zh", "name_en", "address_zh", "address_en", "contact")


# --- operators ------------------------------------------------------------------------------


def operator_create(
    *,
    code: str,
    name_zh: str,
    name_en: str = "",
    kind: str,
    contact: str = "",
    actor: Any = None,
) -> Operator:
    """Register who runs units: the library system itself or a partner organisation."""
    values = _stripped({"code": code, "name_zh": name_zh, "name_en": name_en, "contact": contact})
    values["code"] = values["code"].lower() if isinstance(values["code"], str) else values["code"]
    operator = Operator(**values, kind=kind)
    _cleaned(operator, values.keys() | {"kind"}, InvalidOperator)
    try:
        with transaction.atomic():
            operator.save()
            _history("operator_created", unit=None, actor=actor, operator=operator.code)
    except IntegrityError:
        if Operator.objects.filter(code=operator.code).exists():
            raise OperatorCodeTaken(_("Another operator already has this code.")) from None
        raise
    return operator


# --- units ----------------------------------------------------------------------------------


def unit_create(
    *,
    code: str,
    name_zh: str,
    name_en: str = "",
    kind: str,
    tier: str,
    parent: Unit | None,
    operator: Operator,
    latitude: float,
    longitude: float,
    address_zh: str = "",
    address_en: str = "",
    open_24h: bool = False,
    residents: int | None = None,
    actor: Any = None,
) -> Unit:
    """Add a unit under ``parent`` (None for a root). Codes are slugs, kept in lower case.

    A code already taken, also by a unit created at the same moment by someone else (the
    unique index answers), raises UnitCodeTaken.
    """
    unit = Unit(
        **_unit_values(
            code=code, name_zh=name_zh, name_en=name_en, kind=kind, tier=tier,
            operator=operator, latitude=latitude, longitude=longitude,
            address_zh=address_zh, address_en=address_en, open_24h=open_24h,
            residents=residents,
        )
    )  # fmt: skip
    _check_saved_unit(parent, "parent", allow_none=True)
    try:
        with transaction.atomic():
            return _unit_insert(unit, parent, actor)
    except IntegrityError:
        if Unit.objects.filter(code=unit.code).exists():
            raise UnitCodeTaken(
                _("Another unit already has this code."), unit_code=unit.code
            ) from None
        raise


def _unit_values(**values: Any) -> dict[str, Any]:
    """The values of a new unit, cleaned, or InvalidUnit naming the bad fields."""
    values = _stripped(values)
    if isinstance(values["code"], str):
        values["code"] = values["code"].lower()
    _check_operator(values["operator"])
    _check_coordinates(values["latitude"], values["longitude"])
    fields = values.keys() - {"operator"}
    return {**values, **_cleaned(Unit(**values), fields, InvalidUnit)}


def _unit_insert(unit: Unit, parent: Unit | None, actor: Any) -> Unit:
    if parent is not None:
        parent.refresh_from_db(from_queryset=Unit.objects.select_for_update())
    unit.parent = parent
    unit.save()
    unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
    unit.depth = parent.depth + 1 if parent else 0
    unit.save(update_fields=["path", "depth"])
    _history(
        "unit_created", unit=unit, actor=actor, code=unit.code, path=unit.path,
        parent=parent.code if parent else None, kind=unit.kind, tier=unit.tier,
        operator=unit.operator.code,
    )  # fmt: skip
    return unit


def unit_update(*, unit: Unit, actor: Any = None, **fields: Any) -> Unit:
    """Change names, addresses, kind, tier, operator, coordinates, hours flag, residents, state.

    Writes ``unit_updated`` (or ``unit_deactivated`` / ``unit_activated`` when ``is_active``
    changes) with every change as ``{field: [old, new]}``; nothing when nothing changed.
    """
    _check_updatable(fields)
    with transaction.atomic():
        _lock(unit)
        values = _update_values(unit, fields)
        changes = {
            name: [_jsonable(getattr(unit, name)), _jsonable(value)]
            for name, value in values.items()
            if getattr(unit, name) != value
        }
        if not changes:
            return unit
        for name in changes:
            setattr(unit, name, values[name])
        unit.save(update_fields=list(changes))
        _history(_update_action(changes), unit=unit, actor=actor, changes=changes)
    return unit


def _check_updatable(fields: dict[str, Any]) -> None:
    refused = sorted(set(fields) - UNIT_UPDATABLE_FIELDS)
    if refused:
        raise InvalidUnit(
            _("These fields cannot be changed here: %(fields)s.") % {"fields": ", ".join(refused)},
            fields=refused,
        )


def _update_values(unit: Unit, fields: dict[str, Any]) -> dict[str, Any]:
    values = _stripped(dict(fields))
    if "operator" in values:
        _check_operator(values["operator"])
    if "latitude" in values or "longitude" in values:
        _check_coordinates(
            values.get("latitude", unit.latitude), values.get("longitude", unit.longitude)
        )
    scratch = Unit(**values)
    return {**values, **_cleaned(scratch, values.keys() - {"operator"}, InvalidUnit)}


def _update_action(changes: dict[str, list[Any]]) -> str:
    if "is_active" in changes:
        return "unit_activated" if changes["is_active"][1] else "unit_deactivated"
    return "unit_updated"


def unit_move(*, unit: Unit, new_parent: Unit | None, actor: Any = None) -> Unit:
    """Put ``unit`` and its whole subtree under ``new_parent`` (None: make it a root).

    The paths and depths of the subtree are rewritten by one UPDATE, whatever its size.
    The subtree is locked first, so a unit created under it meanwhile gets the new path.
    """
    _check_saved_unit(unit, "unit")
    _check_saved_unit(new_parent, "new_parent", allow_none=True)
    with transaction.atomic():
        _lock_move(unit, new_parent)
        if new_parent is not None and new_parent.path.startswith(unit.path):
            raise UnitMoveCycle(
                _("A unit cannot be moved under itself or under one of its own units."),
                unit=unit.code,
                new_parent=new_parent.code,
            )
        if unit.parent_id == (new_parent.pk if new_parent else None):
            return unit
        old_path, old_parent = unit.path, unit.parent
        moved = _rewrite_subtree(unit, new_parent)
        Unit.objects.filter(pk=unit.pk).update(parent=new_parent)
        unit.refresh_from_db()
        _history(
            "unit_moved", unit=unit, actor=actor, old_path=old_path, new_path=unit.path,
            old_parent=old_parent.code if old_parent else None,
            new_parent=new_parent.code if new_parent else None, units_moved=moved,
        )  # fmt: skip
    return unit


def _lock_move(unit: Unit, new_parent: Unit | None) -> None:
    """Lock the unit and the new parent (in id order, against deadlocks), then the subtree."""
    ids = sorted({unit.pk, new_parent.pk} if new_parent is not None else {unit.pk})
    list(Unit.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    unit.refresh_from_db()
    if new_parent is not None:
        new_parent.refresh_from_db()
    list(unit_subtree(unit).select_for_update().order_by("pk").values_list("pk"))


def _rewrite_subtree(unit: Unit, new_parent: Unit | None) -> int:
    """Replace the path prefix of every unit of the subtree; return how many units moved."""
    old_prefix = unit.path
    new_prefix = f"{new_parent.path if new_parent else '/'}{unit.pk}/"
    depth_change = (new_parent.depth + 1 if new_parent else 0) - unit.depth
    return unit_subtree(unit).update(
        path=Concat(Value(new_prefix), Substr("path", len(old_prefix) + 1)),
        depth=F("depth") + depth_change,
    )


# --- opening hours and closed dates ---------------------------------------------------------


def unit_set_timetable(*, unit: Unit, timetable: Timetable, actor: Any = None) -> Unit:
    """Replace the weekly timetable (weekday 0 = Monday); ``{}`` means no regular hours.

    Intervals are ``(opens, closes)`` local times, closing after opening, not overlapping
    within a day (touching is fine: 09:00-12:00 and 12:00-18:00). An interval cannot run
    past midnight: split it over two days, or mark the unit ``open_24h``.
    """
    rows = _timetable_rows(timetable)
    with transaction.atomic():
        _lock(unit)
        OpeningHours.objects.filter(unit=unit).delete()
        OpeningHours.objects.bulk_create(
            OpeningHours(unit=unit, weekday=day, opens=opens, closes=closes)
            for day, opens, closes in rows
        )
        _history("timetable_set", unit=unit, actor=actor, timetable=_timetable_json(rows))
    return unit


def _timetable_json(rows: list[tuple[int, dt.time, dt.time]]) -> dict[str, list[list[str]]]:
    hours: dict[str, list[list[str]]] = {}
    for day, opens, closes in rows:
        hours.setdefault(str(day), []).append([opens.isoformat(), closes.isoformat()])
    return hours


def _timetable_rows(timetable: Timetable) -> list[tuple[int, dt.time, dt.time]]:
    """The timetable as sorted rows, or InvalidTimetable naming the faulty day."""
    if not isinstance(timetable, dict):
        raise InvalidTimetable(_("A timetable maps weekdays to opening intervals."))
    rows = []
    for day in sorted(timetable, key=str):
        _check_weekday(day)
        if not isinstance(timetable[day], list | tuple):
            raise InvalidTimetable(
                _("%(day)s: give a list of intervals.") % {"day": WEEKDAYS[day]}, day=day
            )
        intervals = sorted(_check_interval(day, i) for i in timetable[day])
        _check_no_overlap(day, intervals)
        rows.extend((day, opens, closes) for opens, closes in intervals)
    return sorted(rows)


def _check_weekday(day: object) -> None:
    if not isinstance(day, int) or isinstance(day, bool) or not 0 <= day <= 6:
        raise InvalidTimetable(
            _("%(day)s is not a weekday: use 0 (Monday) to 6 (Sunday).") % {"day": day}, day=day
        )


def _check_interval(day: int, interval: object) -> tuple[dt.time, dt.time]:
    name = WEEKDAYS[day]
    if not (isinstance(interval, tuple | list) and len(interval) == 2):
        raise InvalidTimetable(_("%(day)s: give each interval as (opens, closes).") % {"day": name})
    opens, closes = interval
    if not all(isinstance(t, dt.time) and t.tzinfo is None for t in (opens, closes)):
        raise InvalidTimetable(_("%(day)s: give times as local times of day.") % {"day": name})
    if closes <= opens:
        raise InvalidTimetable(
            _("%(day)s: %(closes)s is not after %(opens)s; a unit must close after it opens.")
            % {"day": name, "opens": opens.strftime("%H:%M"), "closes": closes.strftime("%H:%M")},
            day=day,
        )
    return opens, closes


def _check_no_overlap(day: int, intervals: list[tuple[dt.time, dt.time]]) -> None:
    for (_opens, closes), (next_opens, _next_closes) in itertools.pairwise(intervals):
        if next_opens < closes:
            raise InvalidTimetable(
                _("%(day)s: opening intervals overlap at %(time)s.")
                % {"day": WEEKDAYS[day], "time": next_opens.strftime("%H:%M")},
                day=day,
            )


def unit_add_closed_date(
    *,
    unit: Unit,
    date: dt.date,
    reason: str = "",
    actor: Any = None,
    include_descendants: bool = False,
) -> list[ClosedDate]:
    """Close the unit (and, if asked, every unit below it) on ``date``, whatever its hours.

    Units already closed that day keep their row and reason. Returns the rows added; each
    unit that got one has a ``closed_date_added`` history row.
    """
    reason = _check_closed_date(date, reason)
    with transaction.atomic():
        _lock(unit)
        units = list(unit_subtree(unit) if include_descendants else [unit])
        already = set(
            ClosedDate.objects.filter(unit__in=units, date=date).values_list("unit_id", flat=True)
        )
        added = [ClosedDate(unit=u, date=date, reason=reason) for u in units if u.pk not in already]
        ClosedDate.objects.bulk_create(added, ignore_conflicts=True)
        _history_many(
            "closed_date_added", [row.unit for row in added], actor, date=date.isoformat(),
            reason=reason, requested_at=unit.code,
        )  # fmt: skip
    return added


def _check_closed_date(date: object, reason: str) -> str:
    if not isinstance(date, dt.date) or isinstance(date, dt.datetime):
        raise InvalidClosedDate(_("A closed date is a calendar date."))
    reason = (reason or "").strip()
    if len(reason) > ClosedDate._meta.get_field("reason").max_length:
        raise InvalidClosedDate(_("The reason for closing is too long."))
    return reason


def unit_remove_closed_date(*, unit: Unit, date: dt.date, actor: Any = None) -> bool:
    """Open the unit again on ``date`` as its timetable says. False if it was not closed then."""
    _check_closed_date(date, "")
    with transaction.atomic():
        _lock(unit)
        removed, _per_model = ClosedDate.objects.filter(unit=unit, date=date).delete()
        if removed:
            _history("closed_date_removed", unit=unit, actor=actor, date=date.isoformat())
    return bool(removed)


# --- transport costs ------------------------------------------------------------------------


def transport_cost_set(
    *, from_unit: Unit, to_unit: Unit, cost: Decimal, minutes: int, actor: Any = None
) -> TransportCost:
    """Fix the cost (yuan per crate) and time of moving books from one unit to another.

    The override is for this direction only; the way back keeps its own.
    """
    _check_saved_unit(from_unit, "from_unit")
    _check_saved_unit(to_unit, "to_unit")
    cost = _check_transport(from_unit, to_unit, cost, minutes)
    with transaction.atomic():
        before = (
            TransportCost.objects.select_for_update()
            .filter(from_unit=from_unit, to_unit=to_unit)
            .values("cost", "minutes")
            .first()
        )
        row, _created = TransportCost.objects.update_or_create(
            from_unit=from_unit, to_unit=to_unit, defaults={"cost": cost, "minutes": minutes}
        )
        _history(
            "transport_cost_set", unit=from_unit, actor=actor, to_unit=to_unit.code,
            cost=str(cost), minutes=minutes, previous=_jsonable(before),
        )  # fmt: skip
    return row


def _check_transport(from_unit: Unit, to_unit: Unit, cost: Decimal, minutes: int) -> Decimal:
    if from_unit.pk == to_unit.pk:
        raise InvalidTransportCost(_("Books do not travel from a unit to itself."))
    if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes < 0:
        raise InvalidTransportCost(_("The time of a transport is a whole number of minutes."))
    try:
        amount = Decimal(str(cost))
    except InvalidOperation:
        raise InvalidTransportCost(_("The cost of a transport is an amount in yuan.")) from None
    if not amount.is_finite() or not Decimal(0) <= amount < Decimal(1_000_000):
        raise InvalidTransportCost(_("The cost of a transport is 0 to 999,999.99 yuan."))
    if amount != amount.quantize(CENT):
        raise InvalidTransportCost(_("The cost of a transport is in yuan and fen (0.01)."))
    return amount.quantize(CENT)


def transport_cost_clear(*, from_unit: Unit, to_unit: Unit, actor: Any = None) -> bool:
    """Go back to the cost derived from distance. False if there was no override."""
    with transaction.atomic():
        removed, _per_model = TransportCost.objects.filter(
            from_unit=from_unit, to_unit=to_unit
        ).delete()
        if removed:
            _history("transport_cost_cleared", unit=from_unit, actor=actor, to_unit=to_unit.code)
    return bool(removed)


# --- shared ---------------------------------------------------------------------------------


def _lock(unit: Unit) -> None:
    """Lock the unit's row and refresh the caller's instance from it."""
    _check_saved_unit(unit, "unit")
    try:
        unit.refresh_from_db(from_queryset=Unit.objects.select_for_update())
    except Unit.DoesNotExist:
        raise UnitNotFound(_("There is no such unit."), unit_code=unit.code) from None


def _stripped(values: dict[str, Any]) -> dict[str, Any]:
    return {
        name: value.strip() if name in _STRIPPED_FIELDS and isinstance(value, str) else value
        for name, value in values.items()
    }


def _cleaned(instance: Any, fields: Any, error: type[InvalidInput]) -> dict[str, Any]:
    """Run the model's field validation on ``fields``; return the cleaned values."""
    excluded = [f.name for f in instance._meta.fields if f.name not in fields]
    try:
        instance.clean_fields(exclude=excluded)
    except ValidationError as invalid:
        problems = {name: [str(m) for m in msgs] for name, msgs in invalid.message_dict.items()}
        raise error(
            _("Check these fields: %(fields)s.") % {"fields": ", ".join(sorted(problems))},
            fields=problems,
        ) from None
    return {name: getattr(instance, name) for name in fields}


def _check_operator(operator: object) -> None:
    if not isinstance(operator, Operator) or operator.pk is None:
        raise InvalidUnit(_("A unit needs an operator."), fields={"operator": ["required"]})


def _check_saved_unit(unit: object, name: str, *, allow_none: bool = False) -> None:
    if unit is None and allow_none:
        return
    if not isinstance(unit, Unit) or unit.pk is None:
        raise InvalidUnit(_("%(field)s must be a saved unit.") % {"field": name}, fields=[name])


def _check_coordinates(latitude: object, longitude: object) -> None:
    if not coordinates_are_valid(latitude, longitude):
        raise InvalidUnit(
            _("Latitude must be between -90 and 90 and longitude between -180 and 180."),
            fields={"latitude": [str(latitude)], "longitude": [str(longitude)]},
        )


def _jsonable(value: Any) -> Any:
    if isinstance(value, Operator):
        return value.code
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    return value


def _history(action: str, *, unit: Unit | None, actor: Any, **details: Any) -> NetworkHistory:
    return NetworkHistory.objects.create(
        action=action, unit=unit, actor=_actor(actor), details=details
    )


def _history_many(action: str, units: list[Unit], actor: Any, **details: Any) -> None:
    NetworkHistory.objects.bulk_create(
        NetworkHistory(action=action, unit=unit, actor=_actor(actor), details=details)
        for unit in units
    )


def _actor(actor: Any) -> Any:
    """Anonymous users are no actor: the row records the system."""
    return actor if getattr(actor, "is_authenticated", False) else None
