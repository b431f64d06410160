"""24-hour room gates: one answer for each reason, the counts, who may ask, privacy."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import translation

from libcity.network.services import unit_add_closed_date
from libcity.readers.models import ReaderStatus
from libcity.readers.services import card_replace, card_report_lost, reader_block
from libcity.selfservice.models import UnitVisit
from libcity.selfservice.selectors import unit_visits
from libcity.selfservice.services import gate_entry
from libcity.selfservice.services.gates import masked_name
from libcity.selfservice.tests.conftest import WEDNESDAY_10, WEDNESDAY_22
from libcity.staff.exceptions import NotAllowed
from libcity.staff.models import Role

pytestmark = pytest.mark.django_db


def enter(unit, card, actor=None):
    return gate_entry(unit=unit, card_number=card, actor=actor)


def test_an_active_reader_enters_a_24_hour_room_at_night(study_room, make_reader, gate):
    reader = make_reader(study_room.parent, name="张小三")
    with time_machine.travel(WEDNESDAY_22, tick=False):
        answer = enter(study_room, reader.card_number, gate.user)
    assert answer.allowed and answer.reason is None
    assert answer.name == "张*三" and "张*三" in answer.message
    assert "张小三" not in answer.message


@pytest.mark.parametrize(("name", "masked"), [("张三", "张*"), ("欧阳小明", "欧**明"), ("A", "A")])
def test_names_are_masked(name, masked):
    assert masked_name(name) == masked


def test_an_unknown_card_is_refused(study_room, at_ten):
    answer = enter(study_room, "0000000000")
    assert (answer.allowed, answer.reason) == (False, "card_unknown")
    assert answer.name == "" and answer.message


def test_an_old_card_is_refused(study_room, make_reader, at_ten, tiny_city):
    reader = make_reader(tiny_city.b1)
    old = reader.card_number
    card_replace(reader=reader, unit=tiny_city.b1, actor=None)
    assert enter(study_room, old).reason == "card_not_active"
    reader.refresh_from_db()
    assert enter(study_room, reader.card_number).allowed


def test_a_card_reported_lost_is_refused(study_room, make_reader, at_ten, tiny_city):
    reader = make_reader(tiny_city.b1)
    card_report_lost(reader=reader, actor=None)
    assert enter(study_room, reader.card_number).reason == "card_not_active"


def test_an_expired_card_is_refused(study_room, make_reader, at_ten, tiny_city):
    reader = make_reader(tiny_city.b1)
    reader.expires_on = dt.date(2026, 11, 24)
    reader.save(update_fields=["expires_on"])
    assert enter(study_room, reader.card_number).reason == "card_expired"


def test_a_closed_reader_is_refused(study_room, make_reader, at_ten, tiny_city):
    reader = make_reader(tiny_city.b1)
    reader.status = ReaderStatus.CLOSED
    reader.save(update_fields=["status"])
    assert enter(study_room, reader.card_number).reason == "reader_not_active"


def test_a_blocked_reader_is_refused(study_room, make_reader, at_ten, tiny_city):
    reader = make_reader(tiny_city.b1)
    reader_block(reader=reader, reason="manual", actor=None)
    answer = enter(study_room, reader.card_number)
    assert answer.reason == "reader_blocked" and answer.name == ""


def test_a_library_by_its_timetable(make_reader, tiny_city):
    reader = make_reader(tiny_city.b1)
    with time_machine.travel(WEDNESDAY_10, tick=False):
        assert enter(tiny_city.b1, reader.card_number).allowed
    with time_machine.travel(WEDNESDAY_22, tick=False):
        assert enter(tiny_city.b1, reader.card_number).reason == "unit_closed"


def test_a_24_hour_room_closed_for_the_day_is_closed(study_room, make_reader, tiny_city):
    reader = make_reader(tiny_city.b1)
    unit_add_closed_date(unit=study_room, date=dt.date(2026, 11, 25), reason="works")
    with time_machine.travel(WEDNESDAY_22, tick=False):
        assert enter(study_room, reader.card_number).reason == "unit_closed"


def test_an_inactive_unit_is_closed(study_room, make_reader, at_ten, tiny_city):
    reader = make_reader(tiny_city.b1)
    study_room.is_active = False
    study_room.save(update_fields=["is_active"])
    assert enter(study_room, reader.card_number).reason == "unit_closed"


def test_the_message_follows_the_language(study_room, at_ten):
    with translation.override("en"):
        english = enter(study_room, "nope").message
    with translation.override("zh-hans"):
        chinese = enter(study_room, "nope").message
    assert english.startswith("This card is not known") and chinese != english


def test_entries_and_refusals_are_counted_per_unit_and_day(study_room, make_reader, tiny_city):
    reader = make_reader(tiny_city.b1)
    with time_machine.travel(WEDNESDAY_10, tick=False):
        for _ in range(3):
            enter(study_room, reader.card_number)
        enter(study_room, "nope")
        enter(tiny_city.b1, reader.card_number)
    with time_machine.travel(WEDNESDAY_10 + dt.timedelta(days=1), tick=False):
        enter(study_room, reader.card_number)
    days = unit_visits(study_room, dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    assert [(v.day, v.entries, v.refused) for v in days] == [
        (dt.date(2026, 11, 25), 3, 1), (dt.date(2026, 11, 26), 1, 0),
    ]  # fmt: skip
    assert list(unit_visits(study_room, dt.date(2026, 11, 26), dt.date(2026, 11, 26))) == [days[1]]
    assert UnitVisit.objects.get(unit=tiny_city.b1).entries == 1


def test_no_row_names_the_reader(study_room, make_reader, at_ten, tiny_city):
    """Privacy: the gate keeps counts only (no history, no per-reader visit)."""
    from libcity.readers.models import ReaderHistory

    reader = make_reader(tiny_city.b1)
    before = ReaderHistory.objects.count()
    enter(study_room, reader.card_number)
    assert ReaderHistory.objects.count() == before
    assert [f.name for f in UnitVisit._meta.concrete_fields] == [
        "id", "unit", "day", "entries", "refused"
    ]  # fmt: skip


def test_the_gates_own_machine_and_staff_with_scope_may_ask(
    study_room, gate, make_staff, make_terminal, at_ten, tiny_city
):
    assert enter(study_room, "nope", gate.user).reason == "card_unknown"
    desk = make_staff("desk-b1", Role.DESK, tiny_city.b1)  # the room is below b1
    assert enter(study_room, "nope", desk).reason == "card_unknown"
    other_gate = make_terminal("gate2", tiny_city.b2, kind="gate")
    elsewhere = make_staff("desk-b2", Role.DESK, tiny_city.b2)
    cataloguer = make_staff("cat", Role.CATALOGUER, tiny_city.central)
    for actor in (other_gate.user, elsewhere, cataloguer):
        with pytest.raises(NotAllowed):
            enter(study_room, "nope", actor)
    assert UnitVisit.objects.get(unit=study_room).refused == 2  # the refused askers: uncounted


def test_a_machine_does_not_reach_below_its_unit(study_room, make_terminal, at_ten, tiny_city):
    kiosk = make_terminal("k-b1", tiny_city.b1)
    with pytest.raises(NotAllowed):
        enter(study_room, "nope", kiosk.user)
