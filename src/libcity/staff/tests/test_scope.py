"""Scope and tokens: who may act where, and bearer tokens that can be revoked."""

import pytest

from libcity.staff.exceptions import InvalidStaffInput, InvalidToken, NotAllowed, UsernameTaken
from libcity.staff.models import ApiToken, Role, StaffAssignment, StaffHistory
from libcity.staff.policies import NETWORK_CHANGE, NETWORK_VIEW, READERS_VIEW
from libcity.staff.selectors import access_unit, has_permission, units_in_scope
from libcity.staff.services import (
    api_token_authenticate,
    api_token_create,
    api_token_revoke,
    staff_assign,
    staff_create,
)

pytestmark = pytest.mark.django_db


def codes(units) -> set[str]:
    return {u.code for u in units}


def test_subtree_scope(tiny_city, make_staff):
    manager = make_staff("m", Role.BRANCH_MANAGER, tiny_city.d1)
    assert codes(units_in_scope(manager, NETWORK_CHANGE)) == {"d1", "b1", "r1"}
    assert has_permission(manager, NETWORK_CHANGE, tiny_city.r1)
    assert not has_permission(manager, NETWORK_CHANGE, tiny_city.central)
    assert not has_permission(manager, NETWORK_CHANGE, tiny_city.b2)


def test_single_unit_scope(tiny_city, make_staff):
    desk = make_staff("d", Role.DESK, tiny_city.central, include_descendants=False)
    assert codes(units_in_scope(desk, READERS_VIEW)) == {"central"}


def test_role_without_the_permission_has_no_scope(tiny_city, make_staff):
    desk = make_staff("d", Role.DESK, tiny_city.central)
    assert not units_in_scope(desk, NETWORK_CHANGE).exists()
    with pytest.raises(NotAllowed):
        access_unit(desk, "b1", NETWORK_CHANGE)
    assert access_unit(desk, "b1", NETWORK_VIEW) == tiny_city.b1


def test_unknown_and_forbidden_read_the_same(tiny_city, make_staff):
    manager = make_staff("m", Role.BRANCH_MANAGER, tiny_city.d1)
    with pytest.raises(NotAllowed) as unknown:
        access_unit(manager, "nowhere", NETWORK_VIEW)
    with pytest.raises(NotAllowed) as forbidden:
        access_unit(manager, "b2", NETWORK_VIEW)
    assert unknown.value.message == forbidden.value.message
    assert unknown.value.code == forbidden.value.code


def test_anonymous_and_inactive_have_no_scope(tiny_city, make_staff):
    from django.contrib.auth.models import AnonymousUser

    assert not has_permission(AnonymousUser(), NETWORK_VIEW, tiny_city.b1)
    user = make_staff("gone", Role.NETWORK_ADMIN, tiny_city.central)
    user.is_active = False
    user.save()
    assert not has_permission(user, NETWORK_VIEW, tiny_city.b1)


def test_a_manager_assigns_within_the_subtree_only(tiny_city, make_staff):
    manager = make_staff("m", Role.BRANCH_MANAGER, tiny_city.d1)
    clerk = staff_create(username="clerk", password="demo", check_password=False)
    staff_assign(user=clerk, role=Role.DESK, unit=tiny_city.b1, actor=manager)
    before = StaffAssignment.objects.count(), StaffHistory.objects.count()
    with pytest.raises(NotAllowed):
        staff_assign(user=clerk, role=Role.DESK, unit=tiny_city.b2, actor=manager)
    with pytest.raises(InvalidStaffInput):
        staff_assign(user=clerk, role=Role.NETWORK_ADMIN, unit=tiny_city.b1, actor=manager)
    assert (StaffAssignment.objects.count(), StaffHistory.objects.count()) == before


def test_usernames_are_unique_and_passwords_checked(tiny_city):
    staff_create(username="same", password="demo", check_password=False)
    with pytest.raises(UsernameTaken):
        staff_create(username="same", password="demo", check_password=False)
    with pytest.raises(InvalidStaffInput):
        staff_create(username="weak", password="123")


def test_tokens_authenticate_until_revoked(tiny_city, make_staff):
    user = make_staff("kiosk", Role.DESK, tiny_city.b1)
    token, raw = api_token_create(user=user, name="kiosk 1")
    assert raw not in str(list(ApiToken.objects.values()))
    assert api_token_authenticate(raw) == user
    api_token_revoke(token=token)
    with pytest.raises(InvalidToken):
        api_token_authenticate(raw)
    with pytest.raises(InvalidToken):
        api_token_authenticate("lc_" + "x" * 43)
    assert StaffHistory.objects.filter(action="token_revoked").count() == 1
