"""A drifting copy's travels on a known history: hands, kilometres and days outside, for one
copy and for its group's copies in a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from libcity.catalogue.services import drift_group_create, item_drift_set
from libcity.circulation.services import loan_checkin, loan_checkout
from libcity.logistics.services import copy_dispatch, transit_receive
from libcity.network.selectors import distance_km
from libcity.sharing.drifting import copy_journey, drift_group_journeys
from libcity.sharing.services import transfer_accept, transfer_offer
from libcity.staff.models import Role


def _return(item, unit):
    """A return as the desk makes it: the loan ends, and the copy goes where it goes."""
    checkin = loan_checkin(item=item, unit=unit, actor=None)
    return copy_dispatch(item=checkin.item, unit=unit, actor=None, route=checkin.route)


def _km(a, b):
    return distance_km(a.latitude, a.longitude, b.latitude, b.longitude)


@pytest.fixture
def drifting(library, make_staff):
    city = library.city
    group = drift_group_create(code="river", name_zh="江边", units=[city.r1, city.b2])
    admin = make_staff("admin", Role.NETWORK_ADMIN, city.central)
    return group, admin


def test_a_copys_travels_on_a_known_history(library, drifting, reader, traveller):
    """Lent at r1; passed on at b2 three days later; returned at b2 two days after (it stays);
    lent again at b2 a day later; returned outside the group at central two days after,
    sent home and received at r1 the next day."""
    city, (group, admin) = library.city, drifting
    copy = library.copy("J0001", owner=city.r1)
    item_drift_set(item=copy, group=group)
    first, second, third = reader(), reader(), reader()
    loan = loan_checkout(item=copy, reader=first, unit=city.r1, actor=None)
    traveller.shift(dt.timedelta(days=3))
    offer = transfer_offer(loan=loan, actor=first.user, place_unit=city.b2)
    transfer_accept(code=offer.code, actor=second.user)
    traveller.shift(dt.timedelta(days=2))
    assert _return(copy, city.b2).stays
    traveller.shift(dt.timedelta(days=1))
    loan_checkout(item=copy, reader=third, unit=city.b2, actor=None)
    traveller.shift(dt.timedelta(days=1, hours=12))
    running = copy_journey(copy)
    assert (running.hands, running.km) == (3, pytest.approx(_km(city.r1, city.b2)))
    assert running.days_outside == pytest.approx(5 + 1.5)
    traveller.shift(dt.timedelta(hours=12))
    assert _return(copy, city.central).destination.pk == city.r1.pk
    traveller.shift(dt.timedelta(days=1))
    transit_receive(item=copy, unit=city.r1, actor=admin)
    journey = copy_journey(copy)
    assert journey.hands == 3 and journey.days_outside == pytest.approx(7)
    assert journey.km == pytest.approx(_km(city.r1, city.b2) + _km(city.b2, city.central)
                                       + _km(city.central, city.r1))  # fmt: skip
    assert dict(journey.moves) == {(city.r1.pk, city.b2.pk): 1, (city.b2.pk, city.central.pk): 1,
                                   (city.central.pk, city.r1.pk): 1}  # fmt: skip


def test_a_transfer_by_hand_adds_no_place(library, drifting, reader, traveller):
    city, (group, _admin) = library.city, drifting
    copy = library.copy("J0002", owner=city.r1)
    item_drift_set(item=copy, group=group)
    first, second = reader(), reader(home=city.b2)
    loan = loan_checkout(item=copy, reader=first, unit=city.r1, actor=None)
    transfer_accept(code=transfer_offer(loan=loan, actor=first.user).code, actor=second.user)
    traveller.shift(dt.timedelta(days=2))
    journey = copy_journey(copy)
    assert (journey.hands, journey.km, journey.days_outside) == (2, 0, pytest.approx(2))


def test_a_groups_journeys_take_a_fixed_number_of_queries(library, drifting, reader, traveller):
    city, (group, _admin) = library.city, drifting
    copies = [library.copy(f"J1{n:03d}", owner=city.r1) for n in range(6)]
    for copy in copies:
        item_drift_set(item=copy, group=group)
        loan_checkout(item=copy, reader=reader(), unit=city.r1, actor=None)
    traveller.shift(dt.timedelta(days=4))
    for copy in copies[:3]:
        _return(copy, city.b2)
    with CaptureQueriesContext(connection) as queries:
        found = drift_group_journeys(group)
    assert len(queries) <= 6
    assert [j.item.barcode for j in found.journeys][:2] == ["J1000", "J1001"]
    assert sum(j.hands for j in found.journeys) == 6
    assert found.moves[(city.r1.pk, city.b2.pk)] == 3
    assert {city.r1.pk, city.b2.pk} <= set(found.units)
