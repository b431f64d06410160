"""The rules as data: default categories, ages, expiry, credit and deposit."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from libcity.readers import policies
from libcity.readers.models import DepositState, ReaderCategory
from libcity.readers.services import categories_ensure

DEFAULTS = {
    d.code: ReaderCategory(
        code=d.code,
        needs_guardian=d.needs_guardian,
        min_age=d.min_age,
        max_age=d.max_age,
    )
    for d in policies.DEFAULT_CATEGORIES
}
_quick = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.mark.django_db
def test_categories_ensure_makes_the_defaults_once_and_keeps_edits():
    categories_ensure()
    ReaderCategory.objects.filter(code="adult").update(name_zh="成年读者")
    again = categories_ensure()
    assert sorted(c.code for c in again) == sorted(DEFAULTS)
    assert ReaderCategory.objects.count() == len(DEFAULTS)
    assert ReaderCategory.objects.get(code="adult").name_zh == "成年读者"
    child = ReaderCategory.objects.get(code="child")
    assert (child.needs_guardian, child.max_age, child.name_en) == (True, 13, "Child")


@_quick
@given(age=st.integers(min_value=0, max_value=120))
def test_self_registration_picks_a_category_that_fits_and_needs_no_guardian(age):
    code = policies.self_registration_category_code(age)
    if age < policies.CHILD_AGE_LIMIT:
        assert code is None
    else:
        assert policies.category_fits_age(DEFAULTS[code], age)
        assert not policies.needs_guardian(DEFAULTS[code], age)
        assert (code == "senior") == (age >= policies.SENIOR_AGE)


@_quick
@given(age=st.integers(min_value=0, max_value=120))
def test_every_age_has_a_default_category_and_children_always_need_a_guardian(age):
    fitting = [c for c in DEFAULTS.values() if policies.category_fits_age(c, age)]
    assert fitting
    if age < policies.CHILD_AGE_LIMIT:
        assert all(policies.needs_guardian(c, age) for c in fitting)


@pytest.mark.parametrize(
    ("issued", "expires"),
    [
        (dt.date(2026, 3, 15), dt.date(2031, 3, 15)),
        (dt.date(2024, 2, 29), dt.date(2029, 2, 28)),
    ],
)
def test_card_expiry(issued, expires):
    assert policies.card_expires_on(issued) == expires


def _birthday(birth: dt.date, years: int) -> dt.date:
    """The ``years``-th birthday; someone born on 29 February has it on 1 March otherwise."""
    try:
        return birth.replace(year=birth.year + years)
    except ValueError:
        return dt.date(birth.year + years, 3, 1)


@_quick
@given(
    birth=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2026, 1, 1)),
    on=st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2100, 1, 1)),
)
def test_age_counts_whole_years(birth, on):
    age = policies.age_on(birth, on)
    assert _birthday(birth, age) <= on < _birthday(birth, age + 1)


@pytest.mark.parametrize(
    ("state", "score", "after"),
    [
        (DepositState.WAIVED, 499, DepositState.NONE),
        (DepositState.WAIVED, 500, DepositState.WAIVED),
        (DepositState.NONE, 500, DepositState.WAIVED),
        (DepositState.PAID, 900, DepositState.PAID),
        (DepositState.REFUNDED, 100, DepositState.REFUNDED),
    ],
)
def test_the_deposit_follows_credit_between_waived_and_none_only(state, score, after):
    assert policies.deposit_after_credit_change(state, score) == after
