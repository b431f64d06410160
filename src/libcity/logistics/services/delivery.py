"""Home delivery (送书上门): a reader orders up to ``max_items`` titles to their address.

Each title becomes a hold collected at the delivery depot, so the copies are chosen, picked
and sent there like any hold's. When every copy waits on the depot's hold shelf, staff
gather them (``picked``), lend them to the reader and post them with a tracking number
(``shipped``), and record the delivery (``delivered``; the address is then cleared). The fee
is charged when the order is made and waived if it is cancelled. Copies come back by post
(a return at the depot) or at any unit.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from libcity.catalogue.models import Record
from libcity.circulation.models import ChargeKind, ChargeStatus, Loan
from libcity.circulation.services import charge_fee, charge_settle
from libcity.core import clock
from libcity.core.exceptions import Conflict, InvalidInput
from libcity.holds.models import HoldStatus
from libcity.holds.services import hold_cancel, hold_collect, hold_place
from libcity.logistics import states
from libcity.logistics.models import (
    DeliveryHistory,
    DeliveryItem,
    DeliveryOrder,
    DeliveryStatus,
)
from libcity.logistics.policies import delivery_policy
from libcity.logistics.services.dispatch import copy_dispatch
from libcity.network.models import Unit, UnitTier
from libcity.network.selectors import unit_get
from libcity.readers.exceptions import InvalidReaderInput
from libcity.readers.models import Reader
from libcity.readers.services.profile import clean_phone
from libcity.readers.services.rows import lock as reader_lock
from libcity.staff.selectors import Actor, is_staff_member

_OPEN = (DeliveryStatus.REQUESTED, DeliveryStatus.PICKED, DeliveryStatus.SHIPPED)


def delivery_depot() -> Unit:
    code = delivery_policy().depot
    if code:
        return unit_get(code)
    central = Unit.objects.filter(tier=UnitTier.CENTRAL, is_active=True).order_by("path")
    return central.first() or Unit.objects.filter(parent__isnull=True).order_by("pk").first()


def delivery_order(*, reader: Reader, records: list[Record], address: str, phone: str,
                   actor: Actor) -> DeliveryOrder:  # fmt: skip
    """Order ``records`` delivered to ``address``: a hold for each, the fee charged."""
    policy = delivery_policy()
    address, phone = (address or "").strip(), (phone or "").strip()
    _check_order(records, address, phone, policy.max_items)
    depot = delivery_depot()
    with transaction.atomic():
        reader = reader_lock(reader)
        if DeliveryOrder.objects.filter(reader=reader, status__in=_OPEN).count() >= (
            policy.max_open_orders
        ):
            raise Conflict(_("You have a delivery on its way already."), code="delivery_open")
        order = DeliveryOrder.objects.create(
            reader=reader, depot=depot, address=address, phone=phone,
            status=DeliveryStatus.REQUESTED, fee=Decimal(policy.fee), requested_at=clock.now(),
        )  # fmt: skip
        for record in records:
            hold = hold_place(reader=reader, record=record, pickup_unit=depot, actor=actor,
                              deliver_home=True)  # fmt: skip
            DeliveryItem.objects.create(order=order, hold=hold)
        if order.fee > 0:
            order.charge = charge_fee(reader=reader, kind=ChargeKind.DELIVERY, amount=order.fee,
                                      account=depot, note=f"delivery order {order.pk}",
                                      actor=actor)  # fmt: skip
            order.save(update_fields=["charge"])
        _history(order, "", actor, titles=len(records))
    return order


def _check_order(records: list[Record], address: str, phone: str, most: int) -> None:
    if not records:
        raise InvalidInput(_("Choose at least one title."))
    if len(records) > most:
        raise InvalidInput(_("One delivery takes at most %(n)d titles.") % {"n": most})
    if len({r.pk for r in records}) != len(records):
        raise InvalidInput(_("A title is chosen twice."))
    if not address or len(address) > 300:
        raise InvalidInput(_("Give the address to deliver to (at most 300 characters)."))
    if not phone or not _is_phone(phone):
        raise InvalidInput(_("Give a phone number the courier can call."))


def _is_phone(phone: str) -> bool:
    """The readers' own phone check (``readers.services.profile.clean_phone``)."""
    try:
        clean_phone(phone)
    except InvalidReaderInput:
        return False
    return True


def delivery_pick(*, order: DeliveryOrder, actor: Actor) -> DeliveryOrder:
    """Every copy waits on the depot's hold shelf: gather them for posting."""
    with transaction.atomic():
        order = _locked(order)
        waiting = [i.hold for i in order.items.select_related("hold")]
        ready = sum(1 for hold in waiting if hold.status == HoldStatus.READY)
        if ready < len(waiting):
            counts = {"ready": ready, "all": len(waiting)}
            raise Conflict(_("%(ready)d of %(all)d copies are at the depot; wait for the rest.")
                           % counts, code="delivery_not_ready")  # fmt: skip
        return delivery_move(order, DeliveryStatus.PICKED, actor, fields=("picked_at",))


def delivery_ship(*, order: DeliveryOrder, tracking_number: str, actor: Actor) -> list[Loan]:
    """Lend the gathered copies to the reader (every checkout rule applies) and post them."""
    tracking = (tracking_number or "").strip()
    if not tracking or len(tracking) > 60:
        raise InvalidInput(_("Give the parcel's tracking number."))
    with transaction.atomic():
        order = _locked(order)
        if order.status != DeliveryStatus.PICKED:
            raise Conflict(_("Only a picked order can be shipped."), code="delivery_not_picked")
        loans = [
            hold_collect(item=item.hold.copy, reader=order.reader, unit=order.depot, actor=actor)
            for item in order.items.select_related("hold__copy")
        ]
        order.tracking_number = tracking
        delivery_move(order, DeliveryStatus.SHIPPED, actor,
                      fields=("shipped_at", "tracking_number"), tracking=tracking)  # fmt: skip
    return loans


def delivery_confirm(*, order: DeliveryOrder, actor: Actor) -> DeliveryOrder:
    """The courier delivered: the address is no longer kept."""
    with transaction.atomic():
        order = _locked(order)
        order.address = ""
        return delivery_move(
            order, DeliveryStatus.DELIVERED, actor, fields=("delivered_at", "address")
        )


def delivery_cancel(*, order: DeliveryOrder, actor: Actor) -> DeliveryOrder:
    """Cancel before posting: the holds end (a copy on the depot's hold shelf goes on to the
    next reader or home) and the fee is waived."""
    with transaction.atomic():
        order = _locked(order)
        if order.status not in (DeliveryStatus.REQUESTED, DeliveryStatus.PICKED):
            raise Conflict(_("A posted order cannot be cancelled; return the books instead."),
                           code="delivery_posted")  # fmt: skip
        for item in order.items.select_related("hold"):
            if item.hold.status in (HoldStatus.COLLECTED, HoldStatus.CANCELLED,
                                    HoldStatus.EXPIRED):  # fmt: skip
                continue
            freed = hold_cancel(hold=item.hold, actor=actor, reason="delivery cancelled")
            if freed is not None:
                copy_dispatch(item=freed.item, unit=freed.unit, actor=actor)
        if order.charge_id and order.charge.status == ChargeStatus.OPEN:
            charge_settle(charge=order.charge, status=ChargeStatus.WAIVED, actor=actor,
                          note="delivery cancelled")  # fmt: skip
        order.address = ""
        return delivery_move(order, DeliveryStatus.CANCELLED, actor, fields=("address",))


def _locked(order: DeliveryOrder) -> DeliveryOrder:
    return (DeliveryOrder.objects.select_for_update(of=("self",))
            .select_related("reader", "depot", "charge").get(pk=order.pk))  # fmt: skip


_STAMPS = {DeliveryStatus.PICKED: "picked_at", DeliveryStatus.SHIPPED: "shipped_at",
           DeliveryStatus.DELIVERED: "delivered_at"}  # fmt: skip


def delivery_move(order: DeliveryOrder, to_status: str, actor: Actor,
                  fields: tuple[str, ...] = (), **details) -> DeliveryOrder:  # fmt: skip
    """Move a (locked) order if its state machine allows it; stamps the time, writes the
    history row."""
    before = order.status
    if not states.delivery_can_move(before, to_status):
        raise Conflict(_("An order that is %(now)s cannot become %(next)s.")
                       % {"now": DeliveryStatus(before).label,
                          "next": DeliveryStatus(to_status).label},
                       code="delivery_transition_not_allowed")  # fmt: skip
    order.status = to_status
    if to_status in _STAMPS:
        setattr(order, _STAMPS[to_status], clock.now())
    order.save(update_fields=["status", *fields])
    _history(order, before, actor, **details)
    return order


def _history(order: DeliveryOrder, before: str, actor: Actor, **details) -> None:
    DeliveryHistory.objects.create(
        order=order, action=f"delivery_{order.status}", from_status=before,
        to_status=order.status, actor=actor if is_staff_member(actor) else None, details=details,
    )  # fmt: skip
