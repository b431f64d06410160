"""What the network's services share: locks, validation helpers and the history writer."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from libcity.core.exceptions import InvalidInput
from libcity.network.exceptions import (
    InvalidUnit,
    UnitNotFound,
)
from libcity.network.models import (
    NetworkHistory,
    Operator,
    Unit,
)
from libcity.network.selectors import coordinates_are_valid

_STRIPPED_FIELDS = ("code", "name_zh", "name_en", "address_zh", "address_en", "contact")


# --- shared ---------------------------------------------------------------------------------


def lock_unit(unit: Unit) -> None:
    """Lock the unit's row and refresh the caller's instance from it."""
    check_saved_unit(unit, "unit")
    try:
        unit.refresh_from_db(from_queryset=Unit.objects.select_for_update())
    except Unit.DoesNotExist:
        raise UnitNotFound(_("There is no such unit."), unit_code=unit.code) from None


def stripped(values: dict[str, Any]) -> dict[str, Any]:
    return {
        name: value.strip() if name in _STRIPPED_FIELDS and isinstance(value, str) else value
        for name, value in values.items()
    }


def cleaned(instance: Any, fields: Any, error: type[InvalidInput]) -> dict[str, Any]:
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


def check_operator(operator: object) -> None:
    if not isinstance(operator, Operator) or operator.pk is None:
        raise InvalidUnit(_("A unit needs an operator."), fields={"operator": ["required"]})


def check_saved_unit(unit: object, name: str, *, allow_none: bool = False) -> None:
    if unit is None and allow_none:
        return
    if not isinstance(unit, Unit) or unit.pk is None:
        raise InvalidUnit(_("%(field)s must be a saved unit.") % {"field": name}, fields=[name])


def check_coordinates(latitude: object, longitude: object) -> None:
    if not coordinates_are_valid(latitude, longitude):
        raise InvalidUnit(
            _("Latitude must be between -90 and 90 and longitude between -180 and 180."),
            fields={"latitude": [str(latitude)], "longitude": [str(longitude)]},
        )


def jsonable(value: Any) -> Any:
    if isinstance(value, Operator):
        return value.code
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    return value


def write_history(action: str, *, unit: Unit | None, actor: Any, **details: Any) -> NetworkHistory:
    return NetworkHistory.objects.create(
        action=action, unit=unit, actor=history_actor(actor), details=details
    )


def write_history_many(action: str, units: list[Unit], actor: Any, **details: Any) -> None:
    NetworkHistory.objects.bulk_create(
        NetworkHistory(action=action, unit=unit, actor=history_actor(actor), details=details)
        for unit in units
    )


def history_actor(actor: Any) -> Any:
    """Anonymous users are no actor: the row records the system."""
    return actor if getattr(actor, "is_authenticated", False) else None
