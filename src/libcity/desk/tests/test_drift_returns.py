"""Drift groups (漂流): a copy of a group returned at a unit of its group stays there; returned
outside, it goes home; a copy in no group follows its kind's rule as before. And who may
make groups and set copies drifting."""

from __future__ import annotations

import pytest

from libcity.catalogue.exceptions import InvalidDriftGroup
from libcity.catalogue.models import ItemHistory, ItemStatus
from libcity.catalogue.services import (
    drift_group_add_unit,
    drift_group_create,
    drift_group_remove_unit,
    item_drift_set,
)
from libcity.circulation.services import loan_checkout
from libcity.desk.services import desk_return
from libcity.holds.tests.conftest import on_a_thursday  # noqa: F401 - libraries open
from libcity.logistics.models import Transit
from libcity.staff.exceptions import NotAllowed
from libcity.staff.models import Role


@pytest.fixture
def admin(make_staff, tiny_city):
    return make_staff("admin", Role.NETWORK_ADMIN, tiny_city.central)


@pytest.fixture
def group(library):
    """r1 and b2 in one group (not b1)."""
    return drift_group_create(
        code="river", name_zh="江边漂流", units=[library.city.r1, library.city.b2]
    )


def _lent(library, barcode, owner, item_type="book", group=None):
    copy = library.copy(barcode, owner=owner, item_type=item_type)
    if group is not None:
        item_drift_set(item=copy, group=group)
    loan_checkout(item=copy, reader=library.reader(), unit=owner, actor=None)
    return copy


def test_a_drift_copy_returned_at_another_unit_of_its_group_stays_there(library, group, admin):
    city = library.city
    copy = _lent(library, "D0001", city.r1, item_type="foreign", group=group)
    answer = desk_return(item_barcode="D0001", unit_code="b2", actor=admin)
    assert answer.route.stays and answer.route.reason == "drift_group"
    copy.refresh_from_db()
    assert copy.status == ItemStatus.AVAILABLE and copy.location_id == city.b2.pk
    assert not Transit.objects.filter(item=copy).exists()


def test_a_drift_copy_returned_outside_its_group_goes_home(library, group, admin):
    city = library.city
    copy = _lent(library, "D0002", city.r1, group=group)
    answer = desk_return(item_barcode="D0002", unit_code="central", actor=admin)
    assert not answer.route.stays and answer.route.reason == "outside_drift_group"
    assert answer.route.destination.pk == city.r1.pk
    assert Transit.objects.get(item=copy).to_unit_id == city.r1.pk


def test_a_copy_in_no_group_follows_its_rule_as_before(library, group, admin):
    city = library.city
    _lent(library, "F0001", city.b1, item_type="foreign")  # foreign: back to the owner
    answer = desk_return(item_barcode="F0001", unit_code="b2", actor=admin)
    assert not answer.route.stays and answer.route.reason == "owner_only"
    _lent(library, "B0001", city.b1)  # a plain book stays where it is returned
    answer = desk_return(item_barcode="B0001", unit_code="b2", actor=admin)
    assert answer.route.stays and answer.route.reason == "returned_anywhere"


def test_a_copy_taken_out_of_its_group_follows_its_rule_again(library, group, admin):
    copy = _lent(library, "D0003", library.city.r1, item_type="foreign", group=group)
    item_drift_set(item=copy, group=None, actor=admin)
    answer = desk_return(item_barcode="D0003", unit_code="b2", actor=admin)
    assert answer.route.reason == "owner_only"
    actions = list(ItemHistory.objects.filter(item=copy, action="drift_group_set")
                   .values_list("details__to_group", flat=True))  # fmt: skip
    assert actions == ["river", ""]


def test_a_unit_removed_from_the_group_sends_its_returns_home(library, group, admin):
    city = library.city
    _lent(library, "D0004", city.r1, group=group)
    drift_group_remove_unit(group=group, unit=city.b2, actor=admin)
    assert desk_return(item_barcode="D0004", unit_code="b2", actor=admin).route.reason == (
        "outside_drift_group"
    )
    drift_group_add_unit(group=group, unit=city.b1, actor=admin)
    assert set(group.units.values_list("code", flat=True)) == {"r1", "b1"}


def test_groups_are_made_by_who_changes_the_network_at_every_unit(library, make_staff):
    city = library.city
    manager = make_staff("mgr", Role.BRANCH_MANAGER, city.d1)
    made = drift_group_create(code="east", name_zh="东", units=[city.b1, city.r1], actor=manager)
    with pytest.raises(NotAllowed):
        drift_group_create(code="both", name_zh="两区", units=[city.b1, city.b2], actor=manager)
    with pytest.raises(NotAllowed):
        drift_group_add_unit(group=made, unit=city.b2, actor=manager)
    with pytest.raises(InvalidDriftGroup):
        drift_group_create(code="east", name_zh="again", units=[city.b1], actor=manager)
    with pytest.raises(InvalidDriftGroup):
        drift_group_create(code="none", name_zh="空", units=[], actor=manager)


def test_copies_are_set_drifting_by_who_catalogues_where_they_are_owned(library, group, make_staff):
    city = library.city
    copy = library.copy("D0005", owner=city.b1)
    with pytest.raises(NotAllowed):
        item_drift_set(item=copy, group=group,
                       actor=make_staff("cat2", Role.CATALOGUER, city.d2))  # fmt: skip
    item_drift_set(item=copy, group=group, actor=make_staff("cat1", Role.CATALOGUER, city.d1))
    copy.refresh_from_db()
    assert copy.drift_group_id == group.pk
