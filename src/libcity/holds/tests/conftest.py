"""Holds reuse the circulation fixtures (a library with copies and readers) on a Thursday."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from libcity.circulation.tests.conftest import library, messages_in_english  # noqa: F401

SHANGHAI = ZoneInfo("Asia/Shanghai")
THURSDAY = dt.datetime(2026, 3, 5, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def on_a_thursday():
    """Every library of the tiny city opens on weekdays: a Thursday morning."""
    with time_machine.travel(THURSDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def notices_to_console(settings):
    settings.LIBCITY_NOTICE_SENDER = "libcity.circulation.notices.ConsoleSender"


@pytest.fixture
def lent(library):  # noqa: F811 - the imported fixture, asked for by name
    """A copy out on loan to a reader of its own (a title nobody can take from a shelf)."""
    from libcity.circulation.services import loan_checkout

    def make(barcode, owner=None, **extra):
        copy = library.copy(barcode, owner=owner, **extra)
        loan_checkout(item=copy, reader=library.reader(), unit=owner or library.city.b1,
                      actor=None)  # fmt: skip
        copy.refresh_from_db()
        return copy

    return make
