"""Blocks, credit, deposit, consent and contact."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from libcity.readers import policies
from libcity.readers.exceptions import InvalidReaderInput
from libcity.readers.models import BlockReason, DepositState, ReaderBlock, ReaderHistory
from libcity.readers.selectors import (
    reader_active_blocks,
    reader_age,
    reader_can_borrow,
    reader_is_blocked,
)
from libcity.readers.services import (
    reader_adjust_credit,
    reader_block,
    reader_set_consent,
    reader_set_deposit,
    reader_unblock,
    reader_update_contact,
)
from libcity.readers.tests.factories import NOW, born_years_ago
from libcity.staff.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(city, register):
    return register(city.a, phone="13800138000")


def _history(reader, action):
    return list(ReaderHistory.objects.filter(reader=reader, action=action))


# --- blocks ----------------------------------------------------------------------------


def test_a_manual_block_and_its_lifting_are_recorded(reader, city, make_staff):
    desk = make_staff("desk", Role.DESK, city.a)
    block = reader_block(reader=reader, reason=BlockReason.MANUAL, note="damaged books", actor=desk)
    assert (block.created_by, block.note, block.created_at) == (desk, "damaged books", NOW)
    assert reader_is_blocked(reader)
    assert not reader_can_borrow(reader)
    lifted = reader_unblock(block=block, actor=desk)
    assert (lifted.lifted_at, lifted.lifted_by) == (NOW, desk)
    assert not reader_is_blocked(reader)
    assert reader_can_borrow(reader)
    assert _history(reader, "reader_blocked")[0].details["reason"] == "manual"
    assert _history(reader, "block_lifted")[0].details["block"] == block.pk


def test_a_block_is_lifted_once(reader):
    block = reader_block(reader=reader, reason=BlockReason.MANUAL, actor=None)
    reader_unblock(block=block, actor=None)
    with pytest.raises(InvalidReaderInput):
        reader_unblock(block=block, actor=None)


def test_a_system_block_for_the_same_reason_is_held_once(reader):
    first = reader_block(reader=reader, reason=BlockReason.OVERDUE, actor=None)
    again = reader_block(reader=reader, reason=BlockReason.OVERDUE, actor=None)
    assert first == again
    assert reader_active_blocks(reader).count() == 1


def test_manual_blocks_may_pile_up(reader):
    reader_block(reader=reader, reason=BlockReason.MANUAL, note="one", actor=None)
    reader_block(reader=reader, reason=BlockReason.MANUAL, note="two", actor=None)
    assert reader_active_blocks(reader).count() == 2


@pytest.mark.parametrize("reason", [BlockReason.LOST_CARD, BlockReason.CREDIT, "whim"])
def test_automatic_and_unknown_reasons_are_not_set_by_hand(reason, reader):
    with pytest.raises(InvalidReaderInput):
        reader_block(reader=reader, reason=reason, actor=None)
    assert not ReaderBlock.objects.exists()


def test_a_credit_block_is_not_lifted_by_hand(reader):
    reader_adjust_credit(reader=reader, delta=-200, reason="overdue", actor=None)
    with pytest.raises(InvalidReaderInput):
        reader_unblock(block=reader_active_blocks(reader).get(), actor=None)


# --- credit and deposit ----------------------------------------------------------------


def test_credit_below_the_threshold_blocks_and_ends_the_waiver(reader):
    reader_adjust_credit(reader=reader, delta=-150, reason="books 40 days late", actor=None)
    assert reader.credit_score == 450
    assert [b.reason for b in reader_active_blocks(reader)] == [BlockReason.CREDIT]
    assert reader.deposit_state == DepositState.NONE
    assert _history(reader, "credit_adjusted")[0].details == {
        "delta": -150,
        "before": 600,
        "after": 450,
        "reason": "books 40 days late",
    }
    assert _history(reader, "deposit_changed")[0].details["after"] == "none"


def test_credit_back_above_the_threshold_lifts_the_block_and_waives_again(reader):
    reader_adjust_credit(reader=reader, delta=-150, reason="late", actor=None)
    reader_adjust_credit(reader=reader, delta=-10, reason="late again", actor=None)
    assert reader_active_blocks(reader).count() == 1
    reader_adjust_credit(reader=reader, delta=100, reason="volunteering", actor=None)
    assert reader.credit_score == 540
    assert not reader_is_blocked(reader)
    assert reader.deposit_state == DepositState.WAIVED
    assert len(_history(reader, "block_lifted")) == 1


def test_exactly_the_threshold_does_not_block(reader):
    delta = policies.CREDIT_BLOCK_THRESHOLD - policies.INITIAL_CREDIT
    reader_adjust_credit(reader=reader, delta=delta, reason="late", actor=None)
    assert not reader_is_blocked(reader)
    reader_adjust_credit(reader=reader, delta=-1, reason="late", actor=None)
    assert reader_is_blocked(reader)


def test_credit_stays_within_bounds(reader):
    reader_adjust_credit(reader=reader, delta=-5000, reason="lost everything", actor=None)
    assert reader.credit_score == policies.CREDIT_MIN
    reader_adjust_credit(reader=reader, delta=99999, reason="saint", actor=None)
    assert reader.credit_score == policies.CREDIT_MAX


@pytest.mark.parametrize(("delta", "reason"), [(1.5, "x"), (True, "x"), ("10", "x"), (10, " ")])
def test_a_credit_change_is_a_whole_number_with_a_reason(delta, reason, reader):
    with pytest.raises(InvalidReaderInput):
        reader_adjust_credit(reader=reader, delta=delta, reason=reason, actor=None)
    assert not _history(reader, "credit_adjusted")


def test_a_paid_deposit_is_recorded(reader):
    reader_adjust_credit(reader=reader, delta=-200, reason="late", actor=None)
    reader_set_deposit(reader=reader, state=DepositState.PAID, amount=Decimal(100), actor=None)
    assert (reader.deposit_state, reader.deposit_amount) == (DepositState.PAID, 100)
    assert _history(reader, "deposit_changed")[-1].details == {
        "before": "none",
        "after": "paid",
        "amount": "100.00",
    }


def test_a_deposit_is_not_waived_on_low_credit(reader):
    reader_adjust_credit(reader=reader, delta=-200, reason="late", actor=None)
    with pytest.raises(InvalidReaderInput):
        reader_set_deposit(reader=reader, state=DepositState.WAIVED, amount=0, actor=None)


@pytest.mark.parametrize(
    ("state", "amount"),
    [(DepositState.PAID, 0), (DepositState.NONE, 5), ("gold", 1), (DepositState.PAID, -5)],
)
def test_a_deposit_must_make_sense(state, amount, reader):
    with pytest.raises(InvalidReaderInput):
        reader_set_deposit(reader=reader, state=state, amount=amount, actor=None)


# --- consent and contact ---------------------------------------------------------------


def test_reading_history_is_kept_only_after_consent(reader):
    assert reader.keeps_reading_history is False
    reader_set_consent(reader=reader, keeps_reading_history=True, actor=None)
    assert reader.keeps_reading_history is True
    reader_set_consent(reader=reader, keeps_reading_history=True, actor=None)
    rows = _history(reader, "consent_changed")
    assert [row.details for row in rows] == [{"keeps_reading_history": True}]


def test_a_contact_change_names_the_fields_but_keeps_no_values(reader):
    reader_update_contact(reader=reader, phone="13900139000", email=None, actor=None)
    assert reader.phone == "13900139000"
    (row,) = _history(reader, "contact_changed")
    assert row.details == {"fields": ["phone"]}
    reader_update_contact(reader=reader, phone="13900139000", actor=None)
    assert len(_history(reader, "contact_changed")) == 1


def test_a_bad_email_changes_nothing(reader):
    with pytest.raises(InvalidReaderInput):
        reader_update_contact(reader=reader, phone="13700137000", email="nope", actor=None)
    reader.refresh_from_db()
    assert reader.phone == "13800138000"


# --- age and expiry --------------------------------------------------------------------


def test_an_expired_card_cannot_borrow(reader, frozen_time):
    assert reader_can_borrow(reader)
    frozen_time.move_to(dt.datetime(2031, 3, 16, 10, tzinfo=NOW.tzinfo))
    assert not reader_can_borrow(reader)


def test_the_age_turns_on_the_birthday(city, register, frozen_time):
    reader = register(city.a, birth=born_years_ago(30, days_later=1))
    assert reader_age(reader) == 29
    frozen_time.shift(dt.timedelta(days=1))
    assert reader_age(reader) == 30
