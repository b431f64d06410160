"""Operators and units: create, update, and move within the tree."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from libcity.network.exceptions import (
    InvalidOperator,
    InvalidUnit,
    OperatorCodeTaken,
    UnitCodeTaken,
    UnitMoveCycle,
)
from libcity.network.models import (
    Operator,
    Unit,
)
from libcity.network.selectors import unit_subtree
from libcity.network.services.common import (
    check_coordinates,
    check_operator,
    check_saved_unit,
    cleaned,
    jsonable,
    lock_unit,
    stripped,
    write_history,
)

#: The fields ``unit_update`` may change. The code, the parent and the path are not among them.
UNIT_UPDATABLE_FIELDS = frozenset({
    "name_zh", "name_en", "address_zh", "address_en", "kind", "tier", "operator",
    "latitude", "longitude", "open_24h", "residents", "is_active",
})  # fmt: skip


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
    values = stripped({"code": code, "name_zh": name_zh, "name_en": name_en, "contact": contact})
    values["code"] = values["code"].lower() if isinstance(values["code"], str) else values["code"]
    operator = Operator(**values, kind=kind)
    cleaned(operator, values.keys() | {"kind"}, InvalidOperator)
    try:
        with transaction.atomic():
            operator.save()
            write_history("operator_created", unit=None, actor=actor, operator=operator.code)
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
    check_saved_unit(parent, "parent", allow_none=True)
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
    values = stripped(values)
    if isinstance(values["code"], str):
        values["code"] = values["code"].lower()
    check_operator(values["operator"])
    check_coordinates(values["latitude"], values["longitude"])
    fields = values.keys() - {"operator"}
    return {**values, **cleaned(Unit(**values), fields, InvalidUnit)}


def _unit_insert(unit: Unit, parent: Unit | None, actor: Any) -> Unit:
    if parent is not None:
        parent.refresh_from_db(from_queryset=Unit.objects.select_for_update())
    unit.parent = parent
    unit.save()
    unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
    unit.depth = parent.depth + 1 if parent else 0
    unit.save(update_fields=["path", "depth"])
    write_history(
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
        lock_unit(unit)
        values = _update_values(unit, fields)
        changes = {
            name: [jsonable(getattr(unit, name)), jsonable(value)]
            for name, value in values.items()
            if getattr(unit, name) != value
        }
        if not changes:
            return unit
        for name in changes:
            setattr(unit, name, values[name])
        unit.save(update_fields=list(changes))
        write_history(_update_action(changes), unit=unit, actor=actor, changes=changes)
    return unit


def _check_updatable(fields: dict[str, Any]) -> None:
    refused = sorted(set(fields) - UNIT_UPDATABLE_FIELDS)
    if refused:
        raise InvalidUnit(
            _("These fields cannot be changed here: %(fields)s.") % {"fields": ", ".join(refused)},
            fields=refused,
        )


def _update_values(unit: Unit, fields: dict[str, Any]) -> dict[str, Any]:
    values = stripped(dict(fields))
    if "operator" in values:
        check_operator(values["operator"])
    if "latitude" in values or "longitude" in values:
        check_coordinates(
            values.get("latitude", unit.latitude), values.get("longitude", unit.longitude)
        )
    scratch = Unit(**values)
    return {**values, **cleaned(scratch, values.keys() - {"operator"}, InvalidUnit)}


def _update_action(changes: dict[str, list[Any]]) -> str:
    if "is_active" in changes:
        return "unit_activated" if changes["is_active"][1] else "unit_deactivated"
    return "unit_updated"


def unit_move(*, unit: Unit, new_parent: Unit | None, actor: Any = None) -> Unit:
    """Put ``unit`` and its whole subtree under ``new_parent`` (None: make it a root).

    The paths and depths of the subtree are rewritten by one UPDATE, whatever its size.
    The subtree is locked first, so a unit created under it meanwhile gets the new path.
    """
    check_saved_unit(unit, "unit")
    check_saved_unit(new_parent, "new_parent", allow_none=True)
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
        write_history(
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
