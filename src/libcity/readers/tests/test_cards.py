"""Cards: reported lost, replaced, looked up. An old number never works again."""

from __future__ import annotations

import pytest
from django.utils import translation

from libcity.readers.exceptions import CardNotActive, InvalidReaderInput, ReaderNotFound
from libcity.readers.models import BlockReason, Card, CardStatus, ReaderHistory
from libcity.readers.selectors import access_reader, reader_by_card, reader_is_blocked
from libcity.readers.services import card_replace, card_report_lost
from libcity.staff.exceptions import NotAllowed
from libcity.staff.models import Role
from libcity.staff.policies import READERS_CHANGE

pytestmark = pytest.mark.django_db


def _actions(reader) -> list[str]:
    return list(ReaderHistory.objects.filter(reader=reader).values_list("action", flat=True))


def test_a_card_reported_lost_stops_at_once_and_blocks_the_reader(city, register):
    reader = register(city.a)
    number = reader.card_number
    card = card_report_lost(reader=reader, actor=None)
    assert (card.number, card.status) == (number, CardStatus.LOST)
    assert card.ended_at is not None
    assert reader_is_blocked(reader)
    assert reader.blocks.get().reason == BlockReason.LOST_CARD
    with translation.override("en"), pytest.raises(CardNotActive) as refused:
        reader_by_card(number)
    assert refused.value.code == "card_not_active"
    assert "reported lost" in refused.value.message
    assert _actions(reader) == ["reader_registered", "card_reported_lost", "reader_blocked"]


def test_a_card_cannot_be_reported_lost_twice(city, register):
    reader = register(city.a)
    card_report_lost(reader=reader, actor=None)
    with pytest.raises(CardNotActive):
        card_report_lost(reader=reader, actor=None)


def test_replacing_a_lost_card_issues_a_new_number_and_lifts_the_block(city, register):
    reader = register(city.a)
    old = reader.card_number
    card_report_lost(reader=reader, actor=None)
    new = card_replace(reader=reader, unit=city.a, actor=None)
    assert new.number != old
    assert reader.card_number == new.number
    assert reader_by_card(new.number) == reader
    assert Card.objects.get(number=old).status == CardStatus.LOST
    assert not reader_is_blocked(reader)
    with pytest.raises(CardNotActive):
        reader_by_card(old)
    replaced = ReaderHistory.objects.get(reader=reader, action="card_replaced")
    assert replaced.details == {
        "old_card": old,
        "old_card_status": "lost",
        "new_card": new.number,
        "unit": "a",
    }
    assert _actions(reader)[-2:] == ["card_replaced", "block_lifted"]


def test_replacing_a_card_in_use_retires_it(city, register):
    reader = register(city.a)
    old = reader.card_number
    new = card_replace(reader=reader, unit=city.a, actor=None)
    assert Card.objects.get(number=old).status == CardStatus.REPLACED
    assert Card.objects.filter(reader=reader, status=CardStatus.ACTIVE).get() == new
    with translation.override("en"), pytest.raises(CardNotActive) as refused:
        reader_by_card(old)
    assert "replaced" in refused.value.message


def test_a_card_is_replaced_at_the_home_library_or_above_it(city, register):
    reader = register(city.a_child)
    assert card_replace(reader=reader, unit=city.district, actor=None)
    with pytest.raises(InvalidReaderInput) as refused:
        card_replace(reader=reader, unit=city.b, actor=None)
    assert refused.value.code == "card_replaced_at_home_unit"


def test_staff_replace_only_where_they_work(city, register, make_staff):
    reader = register(city.a)
    desk_b = make_staff("desk-b", Role.DESK, city.b)
    with pytest.raises(NotAllowed):
        card_replace(reader=reader, unit=city.a, actor=desk_b)
    desk_a = make_staff("desk-a", Role.DESK, city.a)
    assert card_replace(reader=reader, unit=city.a, actor=desk_a).issued_at_unit == city.a


def test_an_unknown_card_is_not_found(db):
    with pytest.raises(ReaderNotFound) as refused:
        reader_by_card("4401999999999")
    assert refused.value.code == "reader_not_found"


def test_staff_reach_a_reader_whose_card_was_just_reported_lost(city, register, make_staff):
    """The lost number is still the reader's until replacement, so the desk can replace it."""
    reader = register(city.a)
    card_report_lost(reader=reader, actor=None)
    desk = make_staff("desk", Role.DESK, city.a)
    assert access_reader(desk, reader.card_number, READERS_CHANGE) == reader


def test_an_old_number_tells_staff_in_scope_it_was_replaced_and_others_nothing(
    city, register, make_staff
):
    reader = register(city.a)
    old = reader.card_number
    card_replace(reader=reader, unit=city.a, actor=None)
    with pytest.raises(CardNotActive):
        access_reader(make_staff("desk-a", Role.DESK, city.a), old, READERS_CHANGE)
    with pytest.raises(NotAllowed):
        access_reader(make_staff("desk-b", Role.DESK, city.b), old, READERS_CHANGE)
