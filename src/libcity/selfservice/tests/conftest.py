"""A 24-hour study room below b1 with a gate, and terminals made through the services."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import translation

from libcity.network.models import UnitKind, UnitTier
from libcity.network.services import unit_create
from libcity.selfservice.services import terminal_create

CST = dt.timezone(dt.timedelta(hours=8))
WEDNESDAY_10 = dt.datetime(2026, 11, 25, 10, 0, tzinfo=CST)  # every library of tiny_city open
WEDNESDAY_22 = dt.datetime(2026, 11, 25, 22, 0, tzinfo=CST)  # libraries closed, rooms open


@pytest.fixture(autouse=True)
def english():
    """Messages in English, so the tests read them (the pages' tests check both languages)."""
    with translation.override("en"):
        yield


@pytest.fixture
def at_ten():
    with time_machine.travel(WEDNESDAY_10, tick=False):
        yield WEDNESDAY_10


@pytest.fixture
def study_room(tiny_city):
    return unit_create(
        code="sr1", name_zh="sr1城市书房", name_en="sr1 study room",
        kind=UnitKind.STUDY_ROOM_24H, tier=UnitTier.SERVICE_POINT, parent=tiny_city.b1,
        operator=tiny_city.system, latitude=23.126, longitude=113.271, open_24h=True,
    )  # fmt: skip


@pytest.fixture
def make_terminal():
    def make(login, unit, **settings):
        return terminal_create(login=login, unit=unit, actor=None, **settings)[0]

    return make


@pytest.fixture
def gate(study_room, make_terminal):
    return make_terminal("gate1", study_room, kind="gate")
