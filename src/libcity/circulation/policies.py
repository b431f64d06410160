"""Circulation rules a library may set differently: the built-in defaults, how a rule is
chosen for a reader, a copy and a unit, and the small calculations that follow from it.

**Which rule applies.** The candidates are the active rules whose unit is the unit of the
transaction or one above it (a blank unit: the whole city), whose category is the reader's (or
blank) and whose item type is the copy's (or blank). They are ranked, most specific first, by

1. the unit: the nearest one (the unit itself, then its parent, ... then the city);
2. then a rule for the reader's category before one for every category;
3. then a rule for the copy's item type before one for every type.

Every term (loan period, limits, renewals, grace, fines, credit, where it goes back) comes
from the first ranked rule that sets it; a term no rule sets takes ``DEFAULT_TERMS``
(Guangzhou's: 30 items in total, 31 days, one renewal). So a branch rule that changes the loan
period keeps the city's return rule for foreign-language books. ``rule_for`` answers with the
terms and, for each, the rule it came from: what the staff page "which rule applies" shows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field, fields
from decimal import Decimal

from libcity.catalogue.models import Item, ItemType
from libcity.circulation.models import LoanRule, ReturnTo
from libcity.network.models import Unit
from libcity.readers.models import Reader


@dataclass(frozen=True)
class Terms:
    """What a loan may do. Stored with each loan (``Loan.terms``) as it was at checkout."""

    loanable: bool = True
    loan_days: int = 31
    max_items: int = 30
    max_items_of_type: int = 30
    renewals: int = 1
    renewal_days: int = 31
    grace_days: int = 0
    fine_per_day: Decimal = Decimal("0.00")
    fine_max: Decimal = Decimal("0.00")
    credit_per_day: int = 1
    return_to: str = ReturnTo.ANY_UNIT
    float_group: str = ""  # the FloatGroup code when return_to is float

    def as_json(self) -> dict:
        found = asdict(self)
        return {k: str(v) if isinstance(v, Decimal) else v for k, v in found.items()}

    @classmethod
    def from_json(cls, data: dict) -> Terms:
        values = {}
        for term in fields(cls):
            if term.name in data:
                value = data[term.name]
                values[term.name] = Decimal(value) if term.type == "Decimal" else value
        return cls(**values)


#: The terms no rule sets: Guangzhou's practice, deposit-free and fine-free (credit instead).
DEFAULT_TERMS = Terms()
#: The terms a rule row may set (its nullable columns, and ``float_group``).
TERM_NAMES = tuple(f.name for f in fields(Terms))

#: Guangzhou: foreign-language books, periodicals and audio-visual items go back to their
#: owning library. Seeded as city-wide rules (``rules_ensure_defaults``), editable by staff.
OWNER_RETURN_TYPES = (ItemType.FOREIGN_LANGUAGE, ItemType.PERIODICAL, ItemType.AUDIO_VISUAL)
#: Reference copies are not lent (a city-wide rule, editable too).
NOT_LOANABLE_TYPES = (ItemType.REFERENCE,)

# --- blocks and credit ----------------------------------------------------------------------
#: A reader with this many overdue loans is blocked until fewer are overdue.
OVERDUE_BLOCK_ITEMS = 3
#: Open fines above this sum block the card.
FINES_BLOCK_LIMIT = Decimal("50.00")
#: Most credit points one late return can cost.
CREDIT_PENALTY_MAX = 100
#: Credit points a return on time gives back (up to the maximum), rewarding good standing.
CREDIT_ON_TIME_REWARD = 1
#: A lost copy without a price is charged this much.
LOST_ITEM_DEFAULT_PRICE = Decimal("50.00")
#: Days before the due date when a "due soon" notice goes out.
DUE_SOON_DAYS = 3
#: An overdue loan may be renewed (Guangzhou: no; renew before the due date).
RENEW_OVERDUE = False


@dataclass(frozen=True)
class TermSource:
    term: str
    value: object
    rule: LoanRule | None  # None: the built-in default


@dataclass
class RuleAnswer:
    """The terms for one reader, copy and unit, and why."""

    terms: Terms
    sources: list[TermSource]
    candidates: list[LoanRule] = field(default_factory=list)  # ranked, most specific first


def rule_for(*, unit: Unit, category_id: int | None, item_type: str) -> RuleAnswer:
    """The terms that apply at ``unit`` to a reader of ``category_id`` and a copy of
    ``item_type``, term by term from the most specific rule that sets it."""
    return _answer(_ranked(_candidates(unit, category_id, item_type), unit))


def _answer(ranked: list[LoanRule]) -> RuleAnswer:
    values, sources = {}, []
    for term in TERM_NAMES:
        rule = next((r for r in ranked if _term_of(r, term) is not None), None)
        value = getattr(DEFAULT_TERMS, term) if rule is None else _term_of(rule, term)
        values[term] = value
        sources.append(TermSource(term, value, rule))
    return RuleAnswer(Terms(**values), sources, ranked)


def terms_for(reader: Reader, item: Item, unit: Unit) -> Terms:
    return rule_for(unit=unit, category_id=reader.category_id, item_type=item.item_type).terms


class RuleBook:
    """The active rules read once, for work that asks the same question for many units,
    reader categories and item types (targeting a night's holds, a title's queue, the
    simulation): ``rule_for``'s answers without a query each, remembered. Rules changed
    after it was made are not seen: make one for each piece of work."""

    def __init__(self) -> None:
        self.rules = list(
            LoanRule.objects.filter(is_active=True).select_related("unit", "float_group")
        )
        self._answers: dict[tuple[int, int | None, str], Terms] = {}

    def terms(self, *, unit: Unit, category_id: int | None, item_type: str) -> Terms:
        key = (unit.pk, category_id, item_type)
        if key not in self._answers:
            self._answers[key] = _answer(self._ranked(unit, category_id, item_type)).terms
        return self._answers[key]

    def loanable(self, *, unit: Unit, category_id: int | None, item_type: str) -> bool:
        """``terms(...).loanable``, resolving that one term only."""
        key = (unit.pk, category_id, item_type)
        if key in self._answers:
            return self._answers[key].loanable
        ranked = self._ranked(unit, category_id, item_type)
        rule = next((r for r in ranked if r.loanable is not None), None)
        return DEFAULT_TERMS.loanable if rule is None else rule.loanable

    def _ranked(self, unit: Unit, category_id: int | None, item_type: str) -> list[LoanRule]:
        chain = {int(pk) for pk in unit.path.strip("/").split("/") if pk}
        found = [r for r in self.rules if _matches(r, chain, category_id, item_type)]
        return _ranked(found, unit)


def _matches(rule: LoanRule, chain, category_id: int | None, item_type: str) -> bool:
    return (
        rule.item_type in ("", item_type)
        and (rule.unit_id is None or rule.unit_id in chain)
        and (rule.category_id is None or rule.category_id == category_id)
    )


def _candidates(unit: Unit, category_id: int | None, item_type: str) -> list[LoanRule]:
    chain = [int(pk) for pk in unit.path.strip("/").split("/") if pk]
    rules = LoanRule.objects.filter(is_active=True).select_related("unit", "float_group")
    return [
        rule
        for rule in rules.filter(item_type__in=["", item_type])
        if _matches(rule, chain, category_id, item_type)
    ]


def _ranked(rules: list[LoanRule], unit: Unit) -> list[LoanRule]:
    depth = {int(pk): n for n, pk in enumerate(p for p in unit.path.strip("/").split("/") if p)}

    def specificity(rule: LoanRule) -> tuple[int, bool, bool]:
        return (depth.get(rule.unit_id, -1), rule.category_id is not None, bool(rule.item_type))

    return sorted(rules, key=specificity, reverse=True)


def _term_of(rule: LoanRule, term: str):
    if term == "float_group":
        return rule.float_group.code if rule.float_group_id else None
    if term == "return_to":
        return rule.return_to or None
    return getattr(rule, term)


# --- dates, fines and credit ----------------------------------------------------------------


def due_date(start: dt.date, days: int) -> dt.date:
    """The due date before moving it off closed days (``services`` does that by calendar)."""
    return start + dt.timedelta(days=days)


def days_late(due_on: dt.date, returned_on: dt.date) -> int:
    return max(0, (returned_on - due_on).days)


def overdue_fine(terms: Terms, late: int) -> Decimal:
    """Nothing within the grace period; past it, every late day, up to the maximum."""
    if late <= terms.grace_days or terms.fine_per_day <= 0:
        return Decimal("0.00")
    fine = terms.fine_per_day * late
    return min(fine, terms.fine_max) if terms.fine_max > 0 else fine


def credit_penalty(terms: Terms, late: int) -> int:
    """Credit points a late return costs (none within the grace period)."""
    if late <= terms.grace_days:
        return 0
    return min(CREDIT_PENALTY_MAX, terms.credit_per_day * late)


def lost_item_charge(item: Item) -> Decimal:
    return item.price if item.price is not None and item.price > 0 else LOST_ITEM_DEFAULT_PRICE
