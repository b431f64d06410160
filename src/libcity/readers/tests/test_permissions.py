"""Who may see and register which readers: a desk's scope is its unit and (usually) below.

Tree: root → district → (a → a_child), (b). ``district`` is A's parent, ``b`` its sibling.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model

from libcity.readers.exceptions import DuplicateReader
from libcity.readers.selectors import access_reader, readers_in_scope
from libcity.readers.services import card_replace
from libcity.readers.tests.factories import fresh_resident_id, written_rows
from libcity.staff.exceptions import NotAllowed
from libcity.staff.models import Role
from libcity.staff.policies import READERS_CHANGE, READERS_VIEW

pytestmark = pytest.mark.django_db

HOMES = ["root", "district", "a", "a_child", "b"]
ALLOWED = {
    "desk_a": {"a", "a_child"},
    "desk_a_only": {"a"},
    "admin": set(HOMES),
    "cataloguer_root": set(),
    "no_role": set(),
    "system_none": set(),
}
MATRIX = [(actor, home) for actor in ALLOWED for home in HOMES]


@pytest.fixture
def actors(city, make_staff):
    return SimpleNamespace(
        desk_a=make_staff("desk-a", Role.DESK, city.a),
        desk_a_only=make_staff("desk-a-only", Role.DESK, city.a, include_descendants=False),
        admin=make_staff("admin", Role.NETWORK_ADMIN, city.root),
        cataloguer_root=make_staff("cataloguer", Role.CATALOGUER, city.root),
        no_role=get_user_model().objects.create_user(username="visitor", password="x"),
        system_none=None,
    )


@pytest.fixture
def readers(city, register):
    """One reader at each unit, named after it."""
    return {home: register(getattr(city, home), name=f"读者{home}") for home in HOMES}


@pytest.mark.parametrize(("actor", "home"), MATRIX)
@pytest.mark.parametrize("permission", [READERS_VIEW, READERS_CHANGE])
def test_access_reader(actor, home, permission, actors, readers):
    reader = readers[home]
    if home in ALLOWED[actor]:
        assert access_reader(getattr(actors, actor), reader.card_number, permission) == reader
    else:
        with pytest.raises(NotAllowed):
            access_reader(getattr(actors, actor), reader.card_number, permission)


@pytest.mark.parametrize("actor", [a for a in ALLOWED if a != "system_none"])
def test_readers_in_scope_lists_exactly_the_allowed(actor, actors, readers):
    listed = set(readers_in_scope(getattr(actors, actor), READERS_VIEW))
    assert listed == {readers[home] for home in ALLOWED[actor]}


@pytest.mark.parametrize(("actor", "home"), [m for m in MATRIX if m[0] != "system_none"])
def test_reader_register_only_inside_the_scope(actor, home, actors, city, register):
    before = written_rows()
    unit = getattr(city, home)
    if home in ALLOWED[actor]:
        reader = register(unit, actor=getattr(actors, actor))
        assert reader.home_unit == unit
        assert written_rows()["readers"] == before["readers"] + 1
    else:
        with pytest.raises(NotAllowed):
            register(unit, actor=getattr(actors, actor))
        assert written_rows() == before


def test_an_unknown_card_and_a_card_out_of_scope_read_the_same(actors, readers):
    with pytest.raises(NotAllowed) as unknown:
        access_reader(actors.desk_a, "4401000999999", READERS_VIEW)
    with pytest.raises(NotAllowed) as elsewhere:
        access_reader(actors.desk_a, readers["b"].card_number, READERS_VIEW)
    assert (unknown.value.code, unknown.value.message) == (
        elsewhere.value.code,
        elsewhere.value.message,
    )


def test_a_desk_out_of_scope_cannot_learn_that_a_person_has_a_card(actors, city, register):
    number = fresh_resident_id()
    register(city.b, resident_id=number)
    with pytest.raises(NotAllowed):
        register(city.b, resident_id=number, actor=actors.desk_a)
    with pytest.raises(DuplicateReader):
        register(city.a, resident_id=number, actor=actors.desk_a)


def test_the_search_matches_card_name_phone_and_last_four(actors, city, register):
    wang = register(city.a, name="王小明", phone="13800138000")
    register(city.a, name="李四", phone="13900139000")
    old_card = wang.card_number
    card_replace(reader=wang, unit=city.a, actor=None)
    for query in [wang.card_number, old_card, "小明", "138001", wang.id_last4]:
        assert list(readers_in_scope(actors.desk_a, READERS_VIEW, query=query)) == [wang], query


def test_the_search_never_leaves_the_scope(actors, city, register):
    register(city.b, name="王在别处")
    assert not readers_in_scope(actors.desk_a, READERS_VIEW, query="王在别处").exists()
    assert readers_in_scope(actors.admin, READERS_VIEW, query="王在别处").count() == 1
