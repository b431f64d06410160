"""Transits: a copy sent from one unit to another, packed, shipped and received."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from libcity.catalogue.models import Item, ItemStatus
from libcity.catalogue.services import item_transition
from libcity.core import clock
from libcity.holds.models import Hold
from libcity.holds.policies import hold_policy
from libcity.logistics import states
from libcity.logistics.exceptions import TransitTransitionNotAllowed
from libcity.logistics.models import OPEN, Transit, TransitHistory, TransitStatus
from libcity.network.models import Unit
from libcity.staff.selectors import Actor, is_staff_member

#: The time each move stamps.
_STAMPS = {
    TransitStatus.PACKED: "packed_at",
    TransitStatus.SHIPPED: "shipped_at",
    TransitStatus.RECEIVED: "received_at",
}


def transit_send(*, item: Item, from_unit: Unit, to_unit: Unit, reason: str, actor: Actor,
                 hold: Hold | None = None) -> Transit:  # fmt: skip
    """Send ``item`` (at ``from_unit``) to ``to_unit``: the copy goes in transit and a
    transit is opened. A copy already travelling is re-routed: its open transit ends where
    it is now (received here, ``rerouted``)."""
    with transaction.atomic():
        for earlier in Transit.objects.select_for_update().filter(item=item, status__in=OPEN):
            receive_row(earlier, from_unit, actor, rerouted=True)
        if item.status != ItemStatus.IN_TRANSIT or item.location_id != from_unit.pk:
            why = f"transit:{reason}:{to_unit.code}"
            item_transition(item=item, to_status=ItemStatus.IN_TRANSIT, actor=actor,
                            location=from_unit, reason=why)  # fmt: skip
        now = clock.now()
        transit = Transit.objects.create(
            item=item, from_unit=from_unit, to_unit=to_unit, reason=reason, hold=hold,
            status=TransitStatus.CREATED, created_at=now, due_on=_due_on(now),
        )  # fmt: skip
        _history(transit, "", from_unit, actor, barcode=item.barcode, to=to_unit.code)
    return transit


def _due_on(now: dt.datetime) -> dt.date:
    return clock.as_local(now).date() + dt.timedelta(days=hold_policy().transit_days)


def transit_move(transit: Transit, to_status: str, *, unit: Unit | None, actor: Actor,
                 **details) -> Transit:  # fmt: skip
    """Move a (locked) transit if the state machine allows it; stamps the time and writes
    the history row."""
    before = transit.status
    if not states.can_move(before, to_status):
        raise TransitTransitionNotAllowed(
            _("A transit that is %(now)s cannot become %(next)s.")
            % {"now": TransitStatus(before).label, "next": TransitStatus(to_status).label}
        )
    transit.status = to_status
    fields = ["status"]
    if to_status in _STAMPS:
        setattr(transit, _STAMPS[to_status], clock.now())
        fields.append(_STAMPS[to_status])
    if to_status == TransitStatus.RECEIVED:
        transit.received_at_unit = unit
        fields.append("received_at_unit")
    transit.save(update_fields=fields)
    _history(transit, before, unit, actor, **details)
    return transit


def transits_pack(*, transits: list[Transit], actor: Actor) -> int:
    """Crate these transits at their unit (those still to send)."""
    return _move_each(transits, TransitStatus.PACKED, (TransitStatus.CREATED,), actor)


def transits_ship(*, transits: list[Transit], actor: Actor) -> int:
    """Hand these transits to the van (packed or not yet)."""
    waiting = (TransitStatus.CREATED, TransitStatus.PACKED)
    return _move_each(transits, TransitStatus.SHIPPED, waiting, actor)


def _move_each(transits: list[Transit], to_status: str, from_statuses: tuple[str, ...],
               actor: Actor) -> int:  # fmt: skip
    moved = 0
    with transaction.atomic():
        ids = [t.pk for t in transits]
        for transit in Transit.objects.select_for_update().filter(
            pk__in=ids, status__in=from_statuses
        ):
            transit_move(transit, to_status, unit=None, actor=actor)
            moved += 1
    return moved


def transit_open_for(item: Item) -> Transit | None:
    """The copy's open transit under its row lock (within the caller's transaction)."""
    return (
        Transit.objects.select_for_update(of=("self",))
        .select_related("to_unit", "from_unit")
        .filter(item=item, status__in=OPEN)
        .first()
    )


def receive_row(transit: Transit, unit: Unit, actor: Actor, **details) -> None:
    transit_move(transit, TransitStatus.RECEIVED, unit=unit, actor=actor,
                 **({"at_destination": unit.pk == transit.to_unit_id} | details))  # fmt: skip


def _history(transit: Transit, before: str, unit: Unit | None, actor: Actor, **details) -> None:
    TransitHistory.objects.create(
        transit=transit, action=f"transit_{transit.status}", from_status=before,
        to_status=transit.status, unit=unit, actor=actor if is_staff_member(actor) else None,
        details=details,
    )  # fmt: skip
