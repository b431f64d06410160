"""A partner operator at a micro-branch (微分馆) lends and takes returns there, and only there,
whatever the assignment says about the subtree; and holds none of the other staff powers."""

from __future__ import annotations

import pytest

from libcity.catalogue.models import ItemStatus
from libcity.circulation.models import LoanStatus
from libcity.desk.selectors import desk_units
from libcity.desk.services import desk_checkout, desk_return, desk_settle_charge
from libcity.holds.tests.conftest import on_a_thursday  # noqa: F401 - libraries open
from libcity.network.models import OperatorKind, UnitKind, UnitTier
from libcity.network.services import operator_create, unit_create
from libcity.staff import policies as perms
from libcity.staff.exceptions import NotAllowed
from libcity.staff.models import Role
from libcity.staff.selectors import has_permission


@pytest.fixture
def micro(library, make_staff):
    """A company's micro-branch under b1, a second one below it, and the company's operator
    appointed at the first (asking, in vain, for its subtree too)."""
    company = operator_create(code="acme", name_zh="某公司", kind=OperatorKind.COMPANY)

    def branch(code, parent):
        return unit_create(code=code, name_zh=f"{code}微分馆", kind=UnitKind.MICRO_BRANCH,
                           tier=UnitTier.SERVICE_POINT, parent=parent, operator=company,
                           latitude=23.13, longitude=113.28)  # fmt: skip

    m1 = branch("m1", library.city.b1)
    m2 = branch("m2", m1)
    partner = make_staff("acme-op", Role.PARTNER_OPERATOR, m1, include_descendants=True)
    return m1, m2, partner


def test_a_partner_operator_lends_and_takes_returns_at_their_micro_branch(library, micro):
    m1, _m2, partner = micro
    copy, reader = library.copy("P0001", owner=m1), library.reader()
    loan = desk_checkout(item_barcode="P0001", card_number=reader.card_number, unit_code="m1",
                         actor=partner)  # fmt: skip
    assert loan.status == LoanStatus.ON_LOAN and loan.issued_at_unit_id == m1.pk
    answer = desk_return(item_barcode=copy.barcode, unit_code="m1", actor=partner)
    assert answer.route.stays and answer.item.status == ItemStatus.AVAILABLE
    assert list(desk_units(partner)) == [m1]


@pytest.mark.parametrize("elsewhere", ["b1", "m2", "central"])
def test_a_partner_operator_neither_lends_nor_takes_returns_elsewhere(library, micro, elsewhere):
    _m1, _m2, partner = micro
    reader = library.reader()
    library.copy("P0002", owner=library.city.b1)
    with pytest.raises(NotAllowed):
        desk_checkout(item_barcode="P0002", card_number=reader.card_number,
                      unit_code=elsewhere, actor=partner)  # fmt: skip
    desk_checkout(item_barcode="P0002", card_number=reader.card_number, unit_code="m1",
                  actor=partner)  # fmt: skip
    with pytest.raises(NotAllowed):
        desk_return(item_barcode="P0002", unit_code=elsewhere, actor=partner)


@pytest.mark.parametrize("power", [
    perms.READERS_REGISTER, perms.READERS_CHANGE, perms.READERS_BLOCK, perms.CIRCULATION_CHARGES,
    perms.CIRCULATION_RULES, perms.CATALOGUE_CHANGE, perms.NETWORK_CHANGE, perms.STAFF_MANAGE,
    perms.LOGISTICS_WORK, perms.SELFSERVICE_USE, perms.SELFSERVICE_MANAGE,
])  # fmt: skip
def test_a_partner_operator_holds_no_other_power(micro, power):
    m1, _m2, partner = micro
    assert has_permission(partner, perms.CIRCULATION_LEND, m1)
    assert not has_permission(partner, power, m1)


def test_a_partner_operator_does_not_settle_charges(micro):
    _m1, _m2, partner = micro
    with pytest.raises(NotAllowed):
        desk_settle_charge(charge_id=1, status="paid", unit_code="m1", actor=partner)


def test_a_partner_assignment_never_reaches_the_subtree(micro):
    _m1, m2, partner = micro
    assert partner.staff_assignments.get().include_descendants is False
    assert not has_permission(partner, perms.NETWORK_VIEW, m2)
