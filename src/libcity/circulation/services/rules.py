"""Loan rules as staff edit them: checked, saved with history, never two active in one cell."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from libcity.catalogue.models import ItemType
from libcity.circulation.exceptions import InvalidRule
from libcity.circulation.models import FloatGroup, LoanRule, ReturnTo
from libcity.circulation.services.history import circulation_history
from libcity.core.exceptions import Conflict
from libcity.network.models import Unit
from libcity.readers.models import ReaderCategory
from libcity.staff.policies import CIRCULATION_RULES
from libcity.staff.selectors import Actor, require_permission

#: (term, smallest, largest) for the whole-number terms.
_BOUNDS = {
    "loan_days": (1, 366), "max_items": (0, 200), "max_items_of_type": (0, 200),
    "renewals": (0, 20), "renewal_days": (1, 366), "grace_days": (0, 90),
    "credit_per_day": (0, 100),
}  # fmt: skip
_MONEY_BOUNDS = {"fine_per_day": Decimal("100"), "fine_max": Decimal("10000")}


@dataclass
class RuleData:
    """What a rule says. ``None`` in a term: inherited from the less specific rules."""

    name: str
    unit: Unit | None = None
    category: ReaderCategory | None = None
    item_type: str = ""
    loanable: bool | None = None
    loan_days: int | None = None
    max_items: int | None = None
    max_items_of_type: int | None = None
    renewals: int | None = None
    renewal_days: int | None = None
    grace_days: int | None = None
    fine_per_day: Decimal | None = None
    fine_max: Decimal | None = None
    credit_per_day: int | None = None
    return_to: str = ""
    float_group: FloatGroup | None = None
    note: str = ""


_COLUMNS = tuple(RuleData.__dataclass_fields__)


def rule_save(*, data: RuleData, actor: Actor, rule: LoanRule | None = None) -> LoanRule:
    """Create a rule, or change ``rule``, after checking every term."""
    _check_scope(actor, data.unit)
    if rule is not None:
        _check_scope(actor, rule.unit)
    values = _checked(data)
    try:
        with transaction.atomic():
            if rule is None:
                rule = LoanRule.objects.create(**values)
                changed = sorted(k for k, v in values.items() if v not in (None, ""))
            else:
                rule = LoanRule.objects.select_for_update().get(pk=rule.pk)
                changed = sorted(k for k, v in values.items() if getattr(rule, k) != v)
                for key, value in values.items():
                    setattr(rule, key, value)
                rule.save()
            circulation_history("rule_saved", actor, rule=rule.pk, name=rule.name, changed=changed)
    except IntegrityError:
        raise Conflict(
            _("An active rule for this unit, reader category and item type exists already: "
              "change that one."), code="rule_exists",
        ) from None  # fmt: skip
    return rule


def rule_deactivate(*, rule: LoanRule, actor: Actor) -> LoanRule:
    """Stop applying a rule (kept for the record; a new one may take its cell)."""
    _check_scope(actor, rule.unit)
    with transaction.atomic():
        LoanRule.objects.filter(pk=rule.pk).update(is_active=False)
        circulation_history("rule_deactivated", actor, rule=rule.pk, name=rule.name)
    rule.refresh_from_db()
    return rule


def _check_scope(actor: Actor, unit: Unit | None) -> None:
    """The system may do anything; staff need the rules permission at the rule's unit (a
    city-wide rule: at every root of the network)."""
    if actor is None:
        return
    for place in [unit] if unit is not None else Unit.objects.filter(parent__isnull=True):
        require_permission(actor, CIRCULATION_RULES, place)


def _checked(data: RuleData) -> dict:
    name = (data.name or "").strip()
    if not name or len(name) > 100:
        raise InvalidRule(_("A rule needs a name of at most 100 characters."))
    if data.item_type and data.item_type not in ItemType.values:
        raise InvalidRule(_("Unknown item type: %(t)s") % {"t": data.item_type})
    if data.return_to and data.return_to not in ReturnTo.values:
        raise InvalidRule(_("Unknown return rule: %(r)s") % {"r": data.return_to})
    if data.return_to == ReturnTo.FLOAT_GROUP and data.float_group is None:
        raise InvalidRule(_("A floating rule names its float group."))
    values = {key: getattr(data, key) for key in _COLUMNS}
    values.update(name=name, note=(data.note or "").strip()[:300])
    for term, (low, high) in _BOUNDS.items():
        values[term] = _whole(term, values[term], low, high)
    for term, high in _MONEY_BOUNDS.items():
        values[term] = _money(term, values[term], high)
    if values["return_to"] != ReturnTo.FLOAT_GROUP:
        values["float_group"] = None
    return values


def _whole(term: str, value, low: int, high: int) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidRule(_("%(term)s is a whole number from %(low)d to %(high)d.")
                          % {"term": term, "low": low, "high": high}, term=term)  # fmt: skip
    return value


def _money(term: str, value, high: Decimal) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        amount = Decimal("-1")
    if not Decimal("0") <= amount <= high:
        raise InvalidRule(_("%(term)s is an amount from 0 to %(high)s yuan.")
                          % {"term": term, "high": high}, term=term)  # fmt: skip
    return amount
