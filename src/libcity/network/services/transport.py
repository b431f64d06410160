"""Staff overrides of the cost and time of moving books between two units."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from libcity.network.exceptions import (
    InvalidTransportCost,
)
from libcity.network.models import (
    TransportCost,
    Unit,
)
from libcity.network.services.common import (
    check_saved_unit,
    jsonable,
    write_history,
)

CENT = Decimal("0.01")


# --- transport costs ------------------------------------------------------------------------


def transport_cost_set(
    *, from_unit: Unit, to_unit: Unit, cost: Decimal, minutes: int, actor: Any = None
) -> TransportCost:
    """Fix the cost (yuan per crate) and time of moving books from one unit to another.

    The override is for this direction only; the way back keeps its own.
    """
    check_saved_unit(from_unit, "from_unit")
    check_saved_unit(to_unit, "to_unit")
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
        write_history(
            "transport_cost_set", unit=from_unit, actor=actor, to_unit=to_unit.code,
            cost=str(cost), minutes=minutes, previous=jsonable(before),
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
            write_history(
                "transport_cost_cleared", unit=from_unit, actor=actor, to_unit=to_unit.code
            )
    return bool(removed)
