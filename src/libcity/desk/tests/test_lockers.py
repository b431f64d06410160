"""A copy returned into a lending locker: a return at that unit, by the locker's controller."""

from __future__ import annotations

from libcity.catalogue.models import ItemStatus
from libcity.circulation.models import LoanStatus
from libcity.circulation.services import loan_checkout
from libcity.desk.services import desk_return
from libcity.holds.tests.conftest import on_a_thursday  # noqa: F401 - libraries open
from libcity.holds.tests.test_lockers import make_locker
from libcity.logistics.services import transit_receive
from libcity.staff.models import Role


def test_a_return_into_a_locker_is_a_return_at_that_unit(library, make_staff):
    locker = make_locker(library.city)
    copy = library.copy("LENT")
    loan_checkout(item=copy, reader=library.reader(), unit=library.city.b1, actor=None)
    machine = make_staff("locker1", Role.MACHINE, locker)
    answer = desk_return(item_barcode="LENT", unit_code=locker.code, actor=machine)
    assert answer.loan.status == LoanStatus.RETURNED and answer.loan.returned_at_unit == locker
    assert answer.route.action == "transit" and answer.route.destination == library.city.b1
    copy.refresh_from_db()
    assert copy.status == ItemStatus.IN_TRANSIT
    received = transit_receive(item=copy, unit=library.city.b1, actor=None)
    assert received.action == "shelve"
