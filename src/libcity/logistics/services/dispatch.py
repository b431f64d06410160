"""Where a copy goes now: the one answer for a return at a desk, a copy arriving from a
transit, a copy picked for a hold, and a copy freed from the hold shelf.

A copy that is nobody's is offered to the holds first (``holds.hold_trap``); a hold takes it
onto the hold shelf here or sends it to the pickup point. Else the circulation rules decide
(``circulation.routing``): it stays on this unit's shelf or goes home. Every trip is a
transit (``transits.transit_send``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from libcity.catalogue.models import Item, ItemStatus
from libcity.catalogue.services import item_transition
from libcity.circulation import policies as loan_policies
from libcity.circulation import routing
from libcity.circulation.routing import Route
from libcity.holds.models import Hold, HoldStatus
from libcity.holds.services import Placement, hold_arrived, hold_trap
from libcity.logistics.exceptions import TransitNotFound
from libcity.logistics.models import Transit, TransitReason
from libcity.logistics.services.transits import receive_row, transit_open_for, transit_send
from libcity.network.models import Unit
from libcity.staff.selectors import Actor

SHELVE, HOLD_SHELF, TRANSIT = "shelve", "hold_shelf", "transit"


@dataclass(frozen=True)
class Dispatch:
    """``action``: ``shelve`` (onto this unit's shelves), ``hold_shelf`` (onto its hold
    shelf, for ``hold``) or ``transit`` (to ``destination``; ``transit`` is the trip).
    ``reason`` is a stable code, ``message`` the words for the desk."""

    action: str
    destination: Unit
    reason: str
    message: str
    hold: Hold | None = None
    transit: Transit | None = None
    item: Item | None = None

    @property
    def stays(self) -> bool:
        return self.action != TRANSIT


def copy_dispatch(*, item: Item, unit: Unit, actor: Actor, route: Route | None = None,
                  locked: bool = False) -> Dispatch:  # fmt: skip
    """``item`` is at ``unit`` and nobody's: the first hold that wants it, else ``route``
    (a return's answer), else the rule for a copy of its kind found here. ``locked``: the
    caller holds the copy's row lock in this transaction and passes it fresh, with its owner
    (a return does)."""
    with transaction.atomic():
        placement = hold_trap(item=item, unit=unit, actor=actor, locked=locked)
        if placement is not None:
            return _for_hold(item, unit, placement, actor)
        item = item if locked else _fresh(item)
        route = route or copy_route(item, unit)
        if route.stays:
            _shelve(item, unit, actor)
            return Dispatch(SHELVE, unit, route.reason, route.message, item=item)
        trip = transit_send(item=item, from_unit=unit, to_unit=route.destination,
                            reason=TransitReason.RETURN, actor=actor)  # fmt: skip
        return Dispatch(TRANSIT, route.destination, route.reason, route.message, transit=trip,
                        item=item)  # fmt: skip


def copy_on_hold_shelf(*, item: Item, unit: Unit, actor: Actor) -> Dispatch:
    """A copy waiting on a hold shelf is scanned (back from the reader's hands, or found):
    it stays for its hold, on the hold shelf here, or goes back to its pickup point."""
    with transaction.atomic():
        hold = (Hold.objects.select_related("pickup_unit")
                .filter(copy=item, status=HoldStatus.READY).first())  # fmt: skip
        if hold is None:
            return copy_dispatch(item=item, unit=unit, actor=actor)
        if hold.pickup_unit_id == unit.pk:
            message = _("It waits on the hold shelf here for hold %(hold)s: put it back there.")
            return Dispatch(HOLD_SHELF, unit, "hold_waiting", message % {"hold": hold.pk},
                            hold=hold, item=_fresh(item))  # fmt: skip
        trip = transit_send(item=_fresh(item), from_unit=unit, to_unit=hold.pickup_unit,
                            reason=TransitReason.HOLD, actor=actor, hold=hold)  # fmt: skip
        message = _("It waits for hold %(hold)s at %(unit)s: send it back there.") % {
            "hold": hold.pk, "unit": hold.pickup_unit.name()}  # fmt: skip
        return Dispatch(TRANSIT, hold.pickup_unit, "hold_waiting", message, hold=hold,
                        transit=trip, item=trip.item)  # fmt: skip


def copy_route(item: Item, unit: Unit) -> Route:
    """Where the circulation rules send a copy of this kind from ``unit`` when no loan's
    terms say (the rule for any reader of its item type here)."""
    terms = loan_policies.rule_for(unit=unit, category_id=None, item_type=item.item_type).terms
    return routing.return_route(terms=terms, item=item, here=unit)


def _fresh(item: Item) -> Item:
    return Item.objects.select_related("owner", "record").get(pk=item.pk)


def _shelve(item: Item, unit: Unit, actor: Actor) -> None:
    if item.status == ItemStatus.AVAILABLE and item.location_id == unit.pk:
        return
    item_transition(item=item, to_status=ItemStatus.AVAILABLE, actor=actor, location=unit,
                    reason="shelved")  # fmt: skip


def _for_hold(item: Item, unit: Unit, placement: Placement, actor: Actor) -> Dispatch:
    hold = placement.hold
    if placement.shelf_here:
        message = _("On the hold shelf here: hold %(hold)s, to be collected by %(until)s.") % {
            "hold": hold.pk, "until": hold.shelf_until.isoformat()}  # fmt: skip
        return Dispatch(HOLD_SHELF, unit, "hold_here", message, hold=hold, item=item)
    trip = transit_send(item=_fresh(item), from_unit=unit, to_unit=placement.destination,
                        reason=TransitReason.HOLD, actor=actor, hold=hold)  # fmt: skip
    message = _("A reader waits for it: send it to %(unit)s for hold %(hold)s.") % {
        "unit": placement.destination.name(), "hold": hold.pk}  # fmt: skip
    return Dispatch(TRANSIT, placement.destination, "hold_elsewhere", message, hold=hold,
                    transit=trip, item=item)  # fmt: skip


def transit_receive(*, item: Item, unit: Unit, actor: Actor) -> Dispatch:
    """A travelling copy is scanned in at ``unit``: its transit ends here, and the copy goes
    on the hold shelf (its hold's pickup point), on to where it should be (a wrong turn),
    or to the holds and shelves here."""
    with transaction.atomic():
        transit = transit_open_for(item)
        if transit is None:
            raise TransitNotFound(_("This copy is not in transit."))
        receive_row(transit, unit, actor)
        placement = hold_arrived(item=item, unit=unit, actor=actor)
        if placement is not None:
            return _for_hold(item, unit, placement, actor)
        if unit.pk != transit.to_unit_id and transit.reason != TransitReason.HOLD:
            return _onward(item, unit, transit, actor)
        arrived = Route(True, unit, "arrived",
                        _("Arrived at its destination: shelve it here."))  # fmt: skip
        mine = transit.reason != TransitReason.HOLD
        return copy_dispatch(item=item, unit=unit, actor=actor, route=arrived if mine else None)


def _onward(item: Item, unit: Unit, transit: Transit, actor: Actor) -> Dispatch:
    destination = transit.to_unit
    trip = transit_send(item=_fresh(item), from_unit=unit, to_unit=destination,
                        reason=transit.reason, actor=actor)  # fmt: skip
    message = _("Not for here: send it on to %(unit)s.") % {"unit": destination.name()}
    return Dispatch(TRANSIT, destination, "wrong_unit", message, transit=trip, item=item)


def copy_pick(*, item: Item, unit: Unit, actor: Actor) -> Dispatch:
    """A copy on ``unit``'s pick list, taken from the shelf for the hold it was chosen for."""
    chosen = Hold.objects.filter(copy=item, status=HoldStatus.TARGETED).exists()
    if not chosen or item.location_id != unit.pk:
        raise TransitNotFound(_("This copy is not on the pick list here."))
    return copy_dispatch(item=item, unit=unit, actor=actor)
