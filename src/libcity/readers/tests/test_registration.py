"""reader_register at a desk: the card, the deposit, one card per person, guardians."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from libcity.core.identifiers import card_number_is_valid
from libcity.readers import policies
from libcity.readers.exceptions import DuplicateReader, GuardianRequired, InvalidReaderInput
from libcity.readers.models import (
    Card,
    CardStatus,
    DepositState,
    ReaderHistory,
    ReaderStatus,
    RegistrationChannel,
)
from libcity.readers.services import reader_register
from libcity.readers.services import registration as registration_module
from libcity.readers.tests.factories import (
    NOW,
    TODAY,
    born_years_ago,
    fresh_resident_id,
    resident_id,
    written_rows,
)
from libcity.staff.models import Role

pytestmark = pytest.mark.django_db


def test_a_registration_issues_one_active_card_and_the_reader_s_standing(city, register):
    reader = register(city.a, phone="13800138000", email="chen@example.org")
    card = Card.objects.get(reader=reader)
    assert card_number_is_valid(reader.card_number)
    assert (card.number, card.status, card.issued_at_unit) == (
        reader.card_number,
        CardStatus.ACTIVE,
        city.a,
    )
    assert reader.expires_on == dt.date(2031, 3, 15)
    assert reader.registered_at == NOW
    assert reader.status == ReaderStatus.ACTIVE
    assert reader.registered_via == RegistrationChannel.DESK
    assert reader.credit_score == policies.INITIAL_CREDIT
    assert (reader.deposit_state, reader.deposit_amount) == (DepositState.WAIVED, 0)
    assert reader.keeps_reading_history is False


def test_two_registrations_get_different_card_numbers(city, register):
    assert register(city.a).card_number != register(city.a).card_number


def test_registration_writes_history_with_the_actor(city, register, make_staff):
    desk = make_staff("desk", Role.DESK, city.a)
    reader = register(city.a, actor=desk)
    row = ReaderHistory.objects.get(reader=reader)
    assert (row.action, row.actor) == ("reader_registered", desk)
    assert row.details["card"] == reader.card_number
    assert row.details["home_unit"] == "a"


def test_a_system_registration_has_no_actor(city, register):
    reader = register(city.a)
    assert ReaderHistory.objects.get(reader=reader).actor is None


def test_the_same_person_is_refused_a_second_card_naming_the_home_library(city, register):
    number = fresh_resident_id()
    first = register(city.a, resident_id=number)
    before = written_rows()
    with translation.override("en"), pytest.raises(DuplicateReader) as refused:
        register(city.b, resident_id=number, name="另一个名字")
    assert refused.value.code == "reader_already_registered"
    assert "already has a reader card" in refused.value.message
    assert "a library" in refused.value.message
    assert first.card_number not in refused.value.message
    assert written_rows() == before


def test_two_desks_at_once_the_loser_gets_a_clear_refusal_and_nothing_is_written(
    city, register, monkeypatch
):
    """Both desks pass the early check; the unique id_hash stops the second one."""
    number = fresh_resident_id()
    register(city.a, resident_id=number)
    monkeypatch.setattr(registration_module, "_refuse_duplicate", lambda *a, **k: None)
    before = written_rows()
    with translation.override("en"), pytest.raises(DuplicateReader) as refused:
        register(city.b, resident_id=number)
    assert "a library" in refused.value.message
    assert written_rows() == before


def test_a_child_without_a_guardian_is_refused(city, register):
    before = written_rows()
    with pytest.raises(GuardianRequired) as refused:
        register(city.a, category="child", birth=dt.date(2018, 4, 1))
    assert refused.value.code == "guardian_required"
    assert written_rows() == before


def test_a_child_with_an_adult_guardian_is_registered(city, register):
    parent = register(city.a, birth=dt.date(1985, 1, 1))
    child = register(city.a, category="child", birth=dt.date(2018, 4, 1), guardian=parent)
    assert child.guardian == parent
    assert list(parent.wards.all()) == [child]


def test_a_young_child_of_any_category_needs_a_guardian(city, register):
    with pytest.raises(GuardianRequired):
        register(city.a, category="visually_impaired", birth=dt.date(2019, 1, 1))


@pytest.mark.parametrize("problem", ["minor", "expired", "closed"])
def test_the_guardian_must_be_an_active_adult(problem, city, register):
    guardian = register(city.a, birth=born_years_ago(16) if problem == "minor" else None)
    if problem == "expired":
        guardian.expires_on = TODAY - dt.timedelta(days=1)
        guardian.save()
    if problem == "closed":
        guardian.status = ReaderStatus.CLOSED
        guardian.save()
    with pytest.raises(GuardianRequired):
        register(city.a, category="child", birth=dt.date(2018, 4, 1), guardian=guardian)


@pytest.mark.parametrize(
    ("category", "birth", "fits"),
    [
        ("child", born_years_ago(14, days_later=1), True),  # 13 until tomorrow
        ("child", born_years_ago(14), False),  # 14 today
        ("adult", born_years_ago(14), True),
        ("adult", born_years_ago(14, days_later=1), False),
        ("senior", born_years_ago(60), True),
        ("senior", born_years_ago(60, days_later=1), False),
    ],
)
def test_the_age_must_fit_the_category(category, birth, fits, city, register, categories):
    guardian = register(city.a) if category == "child" else None
    if fits:
        assert register(city.a, category=category, birth=birth, guardian=guardian).pk
    else:
        with pytest.raises(InvalidReaderInput):
            register(city.a, category=category, birth=birth, guardian=guardian)


def test_a_deposit_is_not_taken_when_credit_waives_it(city, register):
    before = written_rows()
    with pytest.raises(InvalidReaderInput):
        register(city.a, deposit_amount=Decimal("100"))
    assert written_rows() == before


@pytest.mark.parametrize(
    ("amount", "state"), [(Decimal(0), DepositState.NONE), (Decimal(100), DepositState.PAID)]
)
def test_below_the_credit_threshold_a_deposit_is_paid_or_not(
    amount, state, city, register, monkeypatch
):
    monkeypatch.setattr(policies, "INITIAL_CREDIT", policies.CREDIT_BLOCK_THRESHOLD - 1)
    reader = register(city.a, deposit_amount=amount)
    assert (reader.deposit_state, reader.deposit_amount) == (state, amount)


@pytest.mark.parametrize(
    "bad",
    [{"name": "  "}, {"phone": "call me"}, {"email": "not-an-address"}, {"deposit_amount": -1}],
)
def test_bad_input_is_refused(bad, city, register):
    before = written_rows()
    with pytest.raises(InvalidReaderInput):
        register(city.a, **bad)
    assert written_rows() == before


def test_a_closed_unit_registers_no_one(city, register):
    city.a.is_active = False
    city.a.save()
    with pytest.raises(InvalidReaderInput):
        register(city.a)


def test_the_name_is_tidied(city, register):
    assert register(city.a, name="  王   小明 ").name == "王 小明"


def test_the_keyword_only_signature(city, categories):
    with pytest.raises(TypeError):
        reader_register("王", resident_id(dt.date(1990, 1, 1)), categories["adult"], city.a, None)
