"""Flows of holds and logistics as a reader's phone, a desk, the API or a sorter runs them:
place and cancel a hold, receive a copy in transit, pick a copy for a hold; plan the vans,
propose and decide rebalancing.

Each flow checks who may do it, then calls the services: a reader places and cancels their
own holds; staff who lend at a unit place holds for a reader at the counter and work the
unit's hold shelf, pick list and transits; logistics staff plan the vans and decide the
rebalancing plans.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from libcity.catalogue.models import Item, Record
from libcity.catalogue.selectors import item_by_barcode
from libcity.core.exceptions import InvalidInput
from libcity.holds.exceptions import HoldNotFound
from libcity.holds.models import Hold
from libcity.holds.selectors import access_hold, reader_holds
from libcity.holds.services import hold_cancel, hold_place
from libcity.logistics.exceptions import TransitNotFound
from libcity.logistics.models import DeliveryOrder, RebalancePlan, Transit
from libcity.logistics.services import Dispatch, copy_dispatch, copy_pick, transit_receive
from libcity.logistics.services.delivery import (
    delivery_cancel,
    delivery_confirm,
    delivery_depot,
    delivery_order,
    delivery_pick,
    delivery_ship,
)
from libcity.logistics.services.rebalance import (
    rebalance_approve,
    rebalance_propose,
    rebalance_reject,
)
from libcity.logistics.services.vans import VanPlanReport, van_runs_plan
from libcity.network.models import Unit
from libcity.network.selectors import unit_get
from libcity.readers.models import Reader
from libcity.readers.selectors import reader_by_card, reader_of_user
from libcity.staff.policies import CIRCULATION_LEND, LOGISTICS_WORK
from libcity.staff.selectors import Actor, access_unit, has_any_scope, require_any_scope


def desk_hold_place(*, record_id: int, pickup_code: str, actor: Actor, card_number: str = "",
                    item_barcode: str = "",
                    not_needed_after: dt.date | None = None) -> Hold:  # fmt: skip
    """A hold for the signed-in reader, or (``card_number``) for the reader at a desk of the
    pickup point's staff."""
    pickup = unit_get(pickup_code)
    reader, placed_at = _holder(actor, card_number, pickup)
    record = Record.objects.filter(pk=record_id).first()
    if record is None:
        raise HoldNotFound(_("There is no such title."))
    item = item_by_barcode(item_barcode) if item_barcode else None
    return hold_place(reader=reader, record=record, pickup_unit=pickup, actor=actor, item=item,
                      not_needed_after=not_needed_after, placed_at_unit=placed_at)  # fmt: skip


def _holder(actor: Actor, card_number: str, pickup: Unit) -> tuple[Reader, Unit | None]:
    if card_number:
        access_unit(actor, pickup.code, CIRCULATION_LEND)
        return reader_by_card(card_number), pickup
    return _signed_in_reader(
        actor, _("Sign in with your reader account, or give the reader's card.")
    ), None


def _signed_in_reader(actor: Actor, refusal: str) -> Reader:
    """The reader whose account is signed in, or ``refusal`` as an error."""
    reader = reader_of_user(actor) if actor is not None and actor.is_authenticated else None
    if reader is None:
        raise InvalidInput(refusal)
    return reader


def desk_hold_cancel(*, hold_id: int, actor: Actor) -> Hold:
    """Cancel a hold (its reader, or staff who lend); a copy waiting for it on the hold shelf
    goes to the next reader or home."""
    hold = access_hold(actor, hold_id)
    with transaction.atomic():
        freed = hold_cancel(hold=hold, actor=actor, reason="cancelled")
        if freed is not None:
            copy_dispatch(item=freed.item, unit=freed.unit, actor=actor)
    hold.refresh_from_db()
    return hold


def desk_receive(*, item_barcode: str, unit_code: str, actor: Actor) -> Dispatch:
    """A copy in transit scanned in at the desk's unit."""
    unit = access_unit(actor, (unit_code or "").strip(), CIRCULATION_LEND)
    return transit_receive(item=_item(item_barcode), unit=unit, actor=actor)


def desk_pick(*, item_barcode: str, unit_code: str, actor: Actor) -> Dispatch:
    """A copy on the unit's pick list taken from the shelf for its hold."""
    unit = access_unit(actor, (unit_code or "").strip(), CIRCULATION_LEND)
    return copy_pick(item=_item(item_barcode), unit=unit, actor=actor)


def _item(barcode: str) -> Item:
    return item_by_barcode((barcode or "").strip())


def desk_plan_vans(*, day: dt.date, actor: Actor) -> VanPlanReport:
    require_any_scope(actor, LOGISTICS_WORK)
    return van_runs_plan(day=day)


def desk_rebalance_propose(*, actor: Actor) -> RebalancePlan:
    require_any_scope(actor, LOGISTICS_WORK)
    return rebalance_propose()


def desk_rebalance_decide(*, plan_id: int, approve: bool, actor: Actor) -> RebalancePlan:
    require_any_scope(actor, LOGISTICS_WORK)
    plan = RebalancePlan.objects.filter(pk=plan_id).first()
    if plan is None:
        raise HoldNotFound(_("There is no such plan."))
    if approve:
        rebalance_approve(plan=plan, actor=actor)
    else:
        rebalance_reject(plan=plan, actor=actor)
    plan.refresh_from_db()
    return plan


def desk_receive_transit(*, transit_id: int, unit_code: str, actor: Actor) -> Dispatch:
    """The transit's copy scanned in at the desk's unit (by the transit's number)."""
    transit = Transit.objects.select_related("item").filter(pk=transit_id).first()
    if transit is None:
        raise TransitNotFound(_("There is no such transit."))
    return desk_receive(item_barcode=transit.item.barcode, unit_code=unit_code, actor=actor)


def desk_reader_holds(*, actor: Actor, card_number: str = "") -> list[Hold]:
    """The signed-in reader's holds, or (staff who lend) the holds of the reader with this
    card."""
    if card_number:
        require_any_scope(actor, CIRCULATION_LEND)
        return reader_holds(reader_by_card(card_number))
    return reader_holds(
        _signed_in_reader(actor, _("Sign in with your reader account, or give the reader's card."))
    )


# --- home delivery -------------------------------------------------------------------------------


def desk_delivery_order(*, record_ids: list[int], address: str, phone: str,
                        actor: Actor) -> DeliveryOrder:  # fmt: skip
    """The signed-in reader orders these titles delivered home."""
    reader = _signed_in_reader(actor, _("Sign in with your reader account to order a delivery."))
    records = list(Record.objects.filter(pk__in=record_ids))
    if len(records) != len(set(record_ids)):
        raise HoldNotFound(_("There is no such title."))
    return delivery_order(reader=reader, records=records, address=address, phone=phone,
                          actor=actor)  # fmt: skip


def desk_delivery_orders(*, actor: Actor) -> list[DeliveryOrder]:
    """The orders of the delivery depot, for its staff (lending there) or logistics staff."""
    depot = delivery_depot()
    if not has_any_scope(actor, LOGISTICS_WORK):
        access_unit(actor, depot.code, CIRCULATION_LEND)
    return list(DeliveryOrder.objects.select_related("reader").prefetch_related(
        "items__hold__record", "items__hold__copy").order_by("-requested_at")[:200])  # fmt: skip


def desk_delivery_step(*, order_id: int, step: str, actor: Actor,
                       tracking_number: str = "") -> DeliveryOrder:  # fmt: skip
    """A step of a delivery order by the depot's staff: pick, ship, delivered, cancel."""
    desk_delivery_orders(actor=actor)  # the same permission
    order = DeliveryOrder.objects.filter(pk=order_id).first()
    if order is None:
        raise HoldNotFound(_("There is no such order."))
    steps = {
        "pick": lambda: delivery_pick(order=order, actor=actor),
        "ship": lambda: delivery_ship(order=order, tracking_number=tracking_number, actor=actor),
        "delivered": lambda: delivery_confirm(order=order, actor=actor),
        "cancel": lambda: delivery_cancel(order=order, actor=actor),
    }
    if step not in steps:
        raise InvalidInput(_("That step is not understood."))
    steps[step]()
    order.refresh_from_db()
    return order
