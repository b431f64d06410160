"""Rules about readers that a library may set differently: data and small functions.

Services read these; they never test which library or unit they are in. The defaults follow
Guangzhou's practice: a card is valid five years, children under 14 register with a
guardian, and a good credit standing waives the deposit (信用借阅).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from libcity.network.models import Unit
from libcity.readers.models import BlockReason, DepositState, Reader, ReaderCategory

CARD_VALIDITY_YEARS = 5
CHILD_AGE_LIMIT = 14  # younger than this: a child, registered by a guardian at a desk
GUARDIAN_MIN_AGE = 18
SENIOR_AGE = 60

INITIAL_CREDIT = 600
CREDIT_BLOCK_THRESHOLD = 500  # below this the card is blocked and the deposit no longer waived
CREDIT_MIN = 0
CREDIT_MAX = 1000

# Blocks that belong to a service: set and lifted by it, never by hand.
AUTOMATIC_BLOCK_REASONS = frozenset({BlockReason.LOST_CARD, BlockReason.CREDIT})

# Guangzhou replaces a card at the home library; a library above it may do so too.
CARD_REPLACEMENT_ANYWHERE = False


@dataclass(frozen=True)
class CategoryDefault:
    code: str
    name_zh: str
    name_en: str
    needs_guardian: bool = False
    min_age: int | None = None
    max_age: int | None = None


DEFAULT_CATEGORIES: tuple[CategoryDefault, ...] = (
    CategoryDefault("child", "少儿读者", "Child", needs_guardian=True, max_age=CHILD_AGE_LIMIT - 1),
    CategoryDefault("adult", "成人读者", "Adult", min_age=CHILD_AGE_LIMIT),
    CategoryDefault("senior", "老年读者", "Senior", min_age=SENIOR_AGE),
    CategoryDefault("student", "学生读者", "Student"),
    CategoryDefault("visually_impaired", "视障读者", "Visually impaired reader"),
)


def age_on(birth_date: dt.date, on: dt.date) -> int:
    """Whole years lived on ``on``."""
    had_birthday = (on.month, on.day) >= (birth_date.month, birth_date.day)
    return on.year - birth_date.year - (0 if had_birthday else 1)


def category_fits_age(category: ReaderCategory, age: int) -> bool:
    if category.min_age is not None and age < category.min_age:
        return False
    return category.max_age is None or age <= category.max_age


def needs_guardian(category: ReaderCategory, age: int) -> bool:
    """A child needs a guardian whatever the category (a visually impaired child too)."""
    return category.needs_guardian or age < CHILD_AGE_LIMIT


def may_be_guardian(age: int) -> bool:
    return age >= GUARDIAN_MIN_AGE


def self_registration_category_code(age: int) -> str | None:
    """The category an online applicant gets; None: must come to a desk with a guardian."""
    if age < CHILD_AGE_LIMIT:
        return None
    return "senior" if age >= SENIOR_AGE else "adult"


def card_expires_on(issued_on: dt.date) -> dt.date:
    """The card's expiry date; a 29 February issue expires on 28 February."""
    year = issued_on.year + CARD_VALIDITY_YEARS
    try:
        return issued_on.replace(year=year)
    except ValueError:
        return issued_on.replace(year=year, day=28)


def initial_credit(category: ReaderCategory) -> int:
    return INITIAL_CREDIT


def credit_is_blocking(score: int) -> bool:
    return score < CREDIT_BLOCK_THRESHOLD


def credit_clamp(score: int) -> int:
    return max(CREDIT_MIN, min(CREDIT_MAX, score))


def deposit_on_registration(credit_score: int, amount: Decimal) -> DepositState:
    """Good credit waives the deposit; otherwise it is paid or not taken."""
    if not credit_is_blocking(credit_score):
        return DepositState.WAIVED
    return DepositState.PAID if amount > 0 else DepositState.NONE


def deposit_after_credit_change(state: str, score: int) -> str:
    """WAIVED ↔ NONE follows the credit standing; a paid or refunded deposit stays as it is."""
    if state == DepositState.WAIVED and credit_is_blocking(score):
        return DepositState.NONE
    if state == DepositState.NONE and not credit_is_blocking(score):
        return DepositState.WAIVED
    return state


def card_replacement_allowed_at(reader: Reader, unit: Unit) -> bool:
    """The home unit or a unit above it (its district or central library) replaces a card."""
    return CARD_REPLACEMENT_ANYWHERE or reader.home_unit.is_within(unit)
