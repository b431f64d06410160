"""Reads of logistics: a unit's pick list, what it must send and what is coming, overdue
transits."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from libcity.catalogue.models import Item, ItemStatus
from libcity.core import clock
from libcity.holds.models import Hold, HoldStatus
from libcity.logistics.models import OPEN, Transit, TransitStatus
from libcity.network.models import Unit


def pick_list(unit: Unit) -> QuerySet[Hold]:
    """The copies to take from ``unit``'s shelves for holds, by call number: each hold with
    its chosen copy (``hold.copy``), pickup point and title."""
    return (
        Hold.objects.filter(status=HoldStatus.TARGETED, copy__location=unit,
                            copy__status=ItemStatus.AVAILABLE)
        .select_related("copy", "record", "pickup_unit")
        .order_by("copy__call_number", "copy__barcode")
    )  # fmt: skip


def transits_to_send(unit: Unit) -> QuerySet[Transit]:
    """Transits leaving ``unit`` not yet on the road (to pack, to hand to the van)."""
    waiting = (TransitStatus.CREATED, TransitStatus.PACKED)
    return _rows().filter(from_unit=unit, status__in=waiting).order_by("to_unit__code", "pk")


def transits_to_receive(unit: Unit) -> QuerySet[Transit]:
    """Transits coming to ``unit``."""
    return _rows().filter(to_unit=unit, status__in=OPEN).order_by("due_on", "pk")


def transits_overdue(day: dt.date | None = None, unit: Unit | None = None) -> QuerySet[Transit]:
    """Transits still open after their due day (for ``unit``: leaving or coming to it)."""
    rows = _rows().filter(status__in=OPEN, due_on__lt=day or clock.today())
    if unit is not None:
        rows = rows.filter(from_unit=unit) | rows.filter(to_unit=unit)
    return rows.order_by("due_on", "pk")


def item_open_transit(item: Item) -> Transit | None:
    return _rows().filter(item=item, status__in=OPEN).first()


def _rows() -> QuerySet[Transit]:
    return Transit.objects.select_related("item__record", "from_unit", "to_unit", "hold")
