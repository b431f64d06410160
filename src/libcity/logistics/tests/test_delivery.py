"""Home delivery: an order's holds gathered at the depot, lent, posted, delivered."""

import itertools

import pytest

from libcity.catalogue.data import RecordData
from libcity.catalogue.services import item_add, record_create
from libcity.circulation.models import Charge, ChargeStatus, LoanStatus
from libcity.core.exceptions import Conflict, InvalidInput
from libcity.holds.models import HoldStatus
from libcity.holds.services import holds_target
from libcity.logistics.models import DeliveryStatus, Transit
from libcity.logistics.services import transit_receive
from libcity.logistics.services.delivery import (
    delivery_cancel,
    delivery_confirm,
    delivery_order,
    delivery_pick,
    delivery_ship,
)
from libcity.logistics.services.dispatch import copy_pick

_NUMBERS = itertools.count()


def titles(library, n):
    found = []
    for number in (next(_NUMBERS) for _ in range(n)):
        record = record_create(data=RecordData(title=f"书{number}", authors=["作者"], year=2020))
        item_add(record=record, barcode=f"D{number:04d}", owner=library.city.b1,
                 status="available")  # fmt: skip
        found.append(record)
    return found


def order_for(library, reader, records, **extra):
    return delivery_order(reader=reader, records=records, address="广州市越秀区中山四路 1 号",
                          phone="13800138000", actor=None, **extra)  # fmt: skip


def bring_to_depot(library):
    """The copies chosen for the order's holds are picked at b1 and received at the depot."""
    holds_target()
    for transit in [copy_pick(item=i, unit=library.city.b1, actor=None).transit
                    for i in _chosen()]:  # fmt: skip
        transit_receive(item=transit.item, unit=library.city.central, actor=None)


def _chosen():
    from libcity.catalogue.models import Item
    from libcity.holds.models import Hold

    return list(Item.objects.filter(pk__in=Hold.objects.filter(status="targeted")
                                    .values("copy_id")))  # fmt: skip


def test_the_whole_delivery(library):
    reader = library.reader()
    order = order_for(library, reader, titles(library, 2))
    assert order.status == DeliveryStatus.REQUESTED and order.depot == library.city.central
    charge = Charge.objects.get(reader=reader)
    assert (charge.kind, charge.amount, charge.account) == ("delivery", 6, library.city.central)
    with pytest.raises(Conflict):
        delivery_pick(order=order, actor=None)  # the copies are not at the depot yet
    bring_to_depot(library)
    assert all(i.hold.status == HoldStatus.READY for i in order.items.all())
    delivery_pick(order=order, actor=None)
    loans = delivery_ship(order=order, tracking_number="SF1234567890", actor=None)
    assert [loan.status for loan in loans] == [LoanStatus.ON_LOAN] * 2
    assert all(loan.reader == reader and loan.issued_at_unit == library.city.central
               for loan in loans)  # fmt: skip
    order = delivery_confirm(order=order, actor=None)
    assert order.status == DeliveryStatus.DELIVERED and order.address == ""


def test_an_order_takes_at_most_five_titles_and_an_address(library):
    reader = library.reader()
    with pytest.raises(InvalidInput):
        order_for(library, reader, titles(library, 6))
    with pytest.raises(InvalidInput):
        delivery_order(reader=reader, records=titles(library, 1), address=" ",
                       phone="13800138000", actor=None)  # fmt: skip
    with pytest.raises(InvalidInput):
        delivery_order(reader=reader, records=titles(library, 1), address="某地",
                       phone="call me", actor=None)  # fmt: skip


def test_one_open_order_at_a_time(library):
    reader = library.reader()
    records = titles(library, 2)
    order_for(library, reader, records[:1])
    with pytest.raises(Conflict):
        order_for(library, reader, records[1:])


def test_cancelling_ends_the_holds_and_waives_the_fee(library):
    reader = library.reader()
    order = order_for(library, reader, titles(library, 1))
    bring_to_depot(library)
    copy = order.items.get().hold.copy
    delivery_cancel(order=order, actor=None)
    order.refresh_from_db()
    assert order.status == DeliveryStatus.CANCELLED and order.address == ""
    assert order.items.get().hold.status == HoldStatus.CANCELLED
    assert Charge.objects.get().status == ChargeStatus.WAIVED
    copy.refresh_from_db()
    assert copy.status == "available"  # freed: returned anywhere, it stays at the depot


def test_a_shipped_order_cannot_be_cancelled(library):
    order = order_for(library, library.reader(), titles(library, 1))
    bring_to_depot(library)
    delivery_pick(order=order, actor=None)
    delivery_ship(order=order, tracking_number="SF1", actor=None)
    with pytest.raises(Conflict):
        delivery_cancel(order=order, actor=None)
    assert Transit.objects.count() == 1
