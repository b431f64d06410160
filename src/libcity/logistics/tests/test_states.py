"""The transit and delivery-order state machines: every allowed move is made (with its
history), every other one refused."""

import pytest

from libcity.core.exceptions import Conflict
from libcity.logistics.exceptions import TransitTransitionNotAllowed
from libcity.logistics.models import (
    DeliveryHistory,
    DeliveryOrder,
    DeliveryStatus,
    Transit,
    TransitHistory,
    TransitStatus,
)
from libcity.logistics.services import transit_move
from libcity.logistics.services.delivery import delivery_move
from libcity.logistics.states import DELIVERY_TRANSITIONS, TRANSITIONS


def pairs(table, values, allowed):
    return [(s, t) for s in values for t in values if (t in table[s]) == allowed]


def a_transit(library, status):
    copy = library.copy(f"T{status[:3].upper()}1")
    return Transit.objects.create(
        item=copy, from_unit=library.city.b1, to_unit=library.city.b2, reason="return",
        status=status, created_at="2026-03-05T10:00:00+08:00", due_on="2026-03-08",
    )  # fmt: skip


@pytest.mark.parametrize(("start", "target"), pairs(TRANSITIONS, TransitStatus.values, True))
def test_every_allowed_transit_move(library, start, target):
    transit = a_transit(library, start)
    transit_move(transit, target, unit=library.city.b2, actor=None)
    transit.refresh_from_db()
    assert transit.status == target
    assert TransitHistory.objects.get(transit=transit).from_status == start
    if target == TransitStatus.RECEIVED:
        assert transit.received_at_unit == library.city.b2 and transit.received_at is not None


@pytest.mark.parametrize(("start", "target"), pairs(TRANSITIONS, TransitStatus.values, False))
def test_every_other_transit_move_is_refused(library, start, target):
    transit = a_transit(library, start)
    with pytest.raises(TransitTransitionNotAllowed):
        transit_move(transit, target, unit=None, actor=None)
    transit.refresh_from_db()
    assert transit.status == start and not TransitHistory.objects.exists()


def an_order(library, status):
    return DeliveryOrder.objects.create(
        reader=library.reader(), depot=library.city.central, address="某地",
        phone="13800138000", status=status, fee="6.00",
        requested_at="2026-03-05T10:00:00+08:00",
    )  # fmt: skip


@pytest.mark.parametrize(("start", "target"),
                         pairs(DELIVERY_TRANSITIONS, DeliveryStatus.values, True))  # fmt: skip
def test_every_allowed_delivery_move(library, start, target):
    order = an_order(library, start)
    delivery_move(order, target, None)
    order.refresh_from_db()
    assert order.status == target
    assert DeliveryHistory.objects.get(order=order).from_status == start


@pytest.mark.parametrize(("start", "target"),
                         pairs(DELIVERY_TRANSITIONS, DeliveryStatus.values, False))  # fmt: skip
def test_every_other_delivery_move_is_refused(library, start, target):
    order = an_order(library, start)
    with pytest.raises(Conflict):
        delivery_move(order, target, None)
    order.refresh_from_db()
    assert order.status == start and not DeliveryHistory.objects.exists()
