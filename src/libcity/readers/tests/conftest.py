"""The readers' own fixtures: a small tree built with the ORM (not the network services),
staff with scoped roles, frozen time, and a registration helper."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.utils import translation

from libcity.network.models import Operator, OperatorKind, Unit, UnitTier
from libcity.readers.models import ReaderCategory
from libcity.readers.services import categories_ensure, reader_register
from libcity.readers.tests.factories import NOW, fresh_resident_id
from libcity.staff.models import StaffAssignment


@pytest.fixture(autouse=True)
def frozen_time():
    """Every readers test runs on 2026-03-15 at 10:00 in Guangzhou unless it moves the clock."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def messages_in_english():
    """The services' messages are asserted in their English source form (the pages are
    tested in Chinese elsewhere)."""
    with translation.override("en"):
        yield


@pytest.fixture
def make_unit(db):
    operator = Operator.objects.create(
        code="gz-system", name_zh="广州图书馆系统", kind=OperatorKind.LIBRARY_SYSTEM
    )

    def make(code: str, parent: Unit | None = None, tier: str = UnitTier.BRANCH) -> Unit:
        unit = Unit.objects.create(
            code=code,
            name_zh=f"{code}馆",
            name_en=f"{code} library",
            tier=tier,
            parent=parent,
            depth=parent.depth + 1 if parent else 0,
            operator=operator,
            latitude=23.13,
            longitude=113.27,
        )
        unit.path = f"{parent.path}{unit.pk}/" if parent else f"/{unit.pk}/"
        unit.save(update_fields=["path"])
        return unit

    return make


@pytest.fixture
def city(make_unit):
    """root → district → (a → a_child), (b). ``district`` is A's parent, ``b`` its sibling."""
    root = make_unit("root", tier=UnitTier.CENTRAL)
    district = make_unit("district", root, UnitTier.DISTRICT)
    a = make_unit("a", district)
    a_child = make_unit("a-child", a, UnitTier.COMMUNITY)
    b = make_unit("b", district)
    return SimpleNamespace(root=root, district=district, a=a, a_child=a_child, b=b)


@pytest.fixture
def categories(db) -> dict[str, ReaderCategory]:
    return {category.code: category for category in categories_ensure()}


@pytest.fixture
def make_staff(db):
    def make(username: str, role: str, unit: Unit, include_descendants: bool = True):
        user = get_user_model().objects.create_user(username=username, password=None)
        StaffAssignment.objects.create(
            user=user, role=role, unit=unit, include_descendants=include_descendants
        )
        return user

    return make


@pytest.fixture
def register(categories):
    """Register someone by the system (actor None) with sensible defaults."""

    def make(
        home: Unit,
        *,
        category: str = "adult",
        birth: dt.date | None = None,
        resident_id: str | None = None,
        name: str = "陈读者",
        actor=None,
        **extra,
    ):
        if resident_id is None:
            resident_id = fresh_resident_id(birth) if birth else fresh_resident_id()
        return reader_register(
            name=name,
            resident_id=resident_id,
            category=categories[category],
            home_unit=home,
            actor=actor,
            **extra,
        )

    return make
