"""Sharing reuses the circulation fixtures (a library with copies) on a Thursday morning,
with readers who sign in (a transfer is offered and accepted from a reader's own account)."""

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest
import time_machine

from libcity.circulation.services import loan_checkout
from libcity.circulation.tests.conftest import library, messages_in_english  # noqa: F401
from libcity.conftest import valid_resident_id
from libcity.readers.services import reader_self_register

THURSDAY = dt.datetime(2026, 3, 5, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
_names = itertools.count(1)


@pytest.fixture(autouse=True)
def traveller():
    """Every library of the tiny city opens on weekdays: a Thursday morning, time frozen
    (tests move it on to see a code expire)."""
    with time_machine.travel(THURSDAY, tick=False) as travelling:
        yield travelling


@pytest.fixture(autouse=True)
def notices_to_console(settings):
    settings.LIBCITY_NOTICE_SENDER = "libcity.circulation.notices.ConsoleSender"


@pytest.fixture
def reader(library):  # noqa: F811 - the imported fixture, asked for by name
    """A maker of readers with a login (``reader.user`` is the actor)."""

    def make(home=None):
        n = next(_names)
        return reader_self_register(
            name=f"读者{n}", resident_id=valid_resident_id(), home_unit=home or library.city.b1,
            username=f"reader{n}", password="a-long-password-9",
        )  # fmt: skip

    return make


@pytest.fixture
def lent(library):  # noqa: F811
    """A copy lent at b1 to ``borrower``: the loan."""

    def make(borrower, barcode=None, unit=None):
        copy = library.copy(barcode or f"T{next(_names):05d}")
        return loan_checkout(item=copy, reader=borrower, unit=unit or library.city.b1, actor=None)

    return make
