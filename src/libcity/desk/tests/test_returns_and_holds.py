"""The desk's return and checkout with holds: a return is trapped for a waiting hold, a copy
on the hold shelf goes only to its reader, a copy in transit scanned at a desk is received."""

import pytest

from libcity.catalogue.models import ItemStatus
from libcity.circulation.services import loan_checkout
from libcity.desk.services import desk_checkout, desk_return
from libcity.holds.exceptions import OnHoldForAnother
from libcity.holds.models import HoldStatus
from libcity.holds.services import hold_place, holds_target
from libcity.holds.tests.conftest import notices_to_console, on_a_thursday  # noqa: F401
from libcity.logistics.models import Transit, TransitStatus
from libcity.staff.models import Role


@pytest.fixture
def desks(library, make_staff):
    return {"b1": make_staff("desk1", Role.DESK, library.city.b1),
            "b2": make_staff("desk2", Role.DESK, library.city.b2)}  # fmt: skip


def lent(library, barcode="LENT"):
    copy = library.copy(barcode)
    loan_checkout(item=copy, reader=library.reader(), unit=library.city.b1, actor=None)
    return copy


def test_a_return_is_trapped_for_the_hold_at_this_desk(library, desks):
    lent(library)
    hold = hold_place(reader=library.reader(), record=library.record,
                      pickup_unit=library.city.b1, actor=None)  # fmt: skip
    answer = desk_return(item_barcode="LENT", unit_code="b1", actor=desks["b1"])
    assert (answer.route.action, answer.route.reason) == ("hold_shelf", "hold_here")
    assert answer.loan is not None and answer.item.status == ItemStatus.ON_HOLD_SHELF
    hold.refresh_from_db()
    assert hold.status == HoldStatus.READY


def test_a_return_elsewhere_goes_in_transit_and_is_received_at_the_pickup_desk(library, desks):
    lent(library)
    reader = library.reader()
    hold = hold_place(reader=reader, record=library.record, pickup_unit=library.city.b2,
                      actor=None)  # fmt: skip
    answer = desk_return(item_barcode="LENT", unit_code="b1", actor=desks["b1"])
    assert (answer.route.action, answer.route.destination) == ("transit", library.city.b2)
    assert answer.route.transit.status == TransitStatus.CREATED
    arrived = desk_return(item_barcode="LENT", unit_code="b2", actor=desks["b2"])
    assert arrived.route.action == "hold_shelf" and arrived.loan is None
    assert Transit.objects.get().status == TransitStatus.RECEIVED
    with pytest.raises(OnHoldForAnother):
        desk_checkout(item_barcode="LENT", card_number=library.reader().card_number,
                      unit_code="b2", actor=desks["b2"])  # fmt: skip
    loan = desk_checkout(item_barcode="LENT", card_number=reader.card_number, unit_code="b2",
                         actor=desks["b2"])  # fmt: skip
    assert loan.reader == reader
    hold.refresh_from_db()
    assert hold.status == HoldStatus.COLLECTED and hold.loan == loan


def test_a_copy_on_the_hold_shelf_scanned_at_returns_stays_for_its_hold(library, desks):
    lent(library)
    hold = hold_place(reader=library.reader(), record=library.record,
                      pickup_unit=library.city.b1, actor=None)  # fmt: skip
    desk_return(item_barcode="LENT", unit_code="b1", actor=desks["b1"])
    again = desk_return(item_barcode="LENT", unit_code="b1", actor=desks["b1"])
    assert (again.route.action, again.route.reason) == ("hold_shelf", "hold_waiting")
    hold.refresh_from_db()
    assert hold.status == HoldStatus.READY and hold.copy.status == ItemStatus.ON_HOLD_SHELF


def test_a_copy_chosen_for_a_hold_lent_from_the_shelf_lets_the_hold_choose_again(
    library, desks, django_capture_on_commit_callbacks
):
    library.copy("SHELF")
    library.copy("OTHER", owner=library.city.b2)
    hold = hold_place(reader=library.reader(), record=library.record,
                      pickup_unit=library.city.b1, actor=None)  # fmt: skip
    holds_target()
    hold.refresh_from_db()
    assert hold.copy.barcode == "SHELF"
    with django_capture_on_commit_callbacks(execute=True):
        desk_checkout(item_barcode="SHELF", card_number=library.reader().card_number,
                      unit_code="b1", actor=desks["b1"])  # fmt: skip
    hold.refresh_from_db()
    assert hold.status == HoldStatus.TARGETED and hold.copy.barcode == "OTHER"
