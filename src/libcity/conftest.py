"""Fixtures shared by every room's tests: a tiny city built through the services."""

from __future__ import annotations

import datetime as dt
import itertools
from types import SimpleNamespace

import pytest
from stdnum.cn import ric

from libcity.network.models import OperatorKind, UnitKind, UnitTier
from libcity.network.services import operator_create, unit_create, unit_set_timetable
from libcity.readers.services import categories_ensure, reader_register
from libcity.staff.services import staff_assign, staff_create

_sequence = itertools.count(1)


def valid_resident_id(birth: dt.date = dt.date(1990, 5, 17), region: str = "440104") -> str:
    """A fresh, valid 18-digit resident ID (real Yuexiu region code, correct check digit)."""
    n = next(_sequence)
    birth = birth + dt.timedelta(days=n // 1000)
    body = f"{region}{birth:%Y%m%d}{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """PBKDF2's million rounds are for production; tests check behaviour, not cost."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def clean_search_index(request, django_db_blocker):
    """The search index lives in raw tables that Django's flush (used after transactional
    tests) does not empty: clear them so no document outlives its test."""
    yield
    if {"transactional_db", "live_server"} & set(request.fixturenames):
        from libcity.search.index import index_clear

        with django_db_blocker.unblock():
            index_clear()


@pytest.fixture
def new_resident_id():
    return valid_resident_id


@pytest.fixture
def tiny_city(db):
    """central → (d1 → b1 → r1), (d2 → b2). Weekday hours 09:00–17:00 at every library."""
    system = operator_create(code="sys", name_zh="图书馆系统", kind=OperatorKind.LIBRARY_SYSTEM)

    def unit(code, tier, parent, lat, lng, kind=UnitKind.LIBRARY):
        made = unit_create(
            code=code,
            name_zh=f"{code}馆",
            name_en=f"{code} library",
            kind=kind,
            tier=tier,
            parent=parent,
            operator=system,
            latitude=lat,
            longitude=lng,
        )
        unit_set_timetable(unit=made, timetable={d: [(dt.time(9), dt.time(17))] for d in range(5)})
        return made

    central = unit("central", UnitTier.CENTRAL, None, 23.1177, 113.3249)
    d1 = unit("d1", UnitTier.DISTRICT, central, 23.129, 113.267)
    d2 = unit("d2", UnitTier.DISTRICT, central, 23.125, 113.361)
    b1 = unit("b1", UnitTier.BRANCH, d1, 23.125, 113.27)
    r1 = unit("r1", UnitTier.COMMUNITY, b1, 23.126, 113.272)
    b2 = unit("b2", UnitTier.BRANCH, d2, 23.12, 113.36)
    categories_ensure()
    return SimpleNamespace(system=system, central=central, d1=d1, d2=d2, b1=b1, r1=r1, b2=b2)


@pytest.fixture
def make_reader(tiny_city):
    from libcity.readers.models import ReaderCategory

    def make(home, name="读者", category="adult", **extra):
        return reader_register(
            name=name,
            resident_id=valid_resident_id(),
            home_unit=home,
            actor=None,
            category=ReaderCategory.objects.get(code=category),
            **extra,
        )

    return make


@pytest.fixture
def make_staff(tiny_city):
    def make(username, role, unit, include_descendants=True):
        user = staff_create(username=username, password="demo", check_password=False)
        staff_assign(user=user, role=role, unit=unit, include_descendants=include_descendants)
        return user

    return make
