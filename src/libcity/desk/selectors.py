"""Reads for the desk: the reader at the counter, and "which rule applies here, and why".

Borrow anywhere: any desk lends to any reader, so what counts at the counter is the lending
permission at the desk's unit, not the reader's home unit (the readers pages, which change a
reader, go by the home unit instead).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from libcity.catalogue.models import Item, ItemType
from libcity.catalogue.selectors import item_by_barcode
from libcity.circulation.exceptions import InvalidRule
from libcity.circulation.models import Charge, Loan
from libcity.circulation.policies import RuleAnswer, rule_for
from libcity.circulation.selectors import reader_charges, reader_loans
from libcity.network.models import Unit
from libcity.network.selectors import unit_get
from libcity.readers.models import Reader, ReaderBlock, ReaderCategory
from libcity.readers.selectors import category_get, reader_active_blocks, reader_by_card
from libcity.staff.exceptions import NOT_ALLOWED_MESSAGE, NotAllowed
from libcity.staff.policies import CIRCULATION_LEND, CIRCULATION_RULES
from libcity.staff.selectors import Actor, access_unit, has_any_scope, units_in_scope


def desk_units(actor: Actor) -> QuerySet[Unit]:
    """The units where ``actor`` may work a desk (lend and take returns), in tree order."""
    return units_in_scope(actor, CIRCULATION_LEND).order_by("path")


@dataclass(frozen=True)
class DeskReader:
    """What the desk sees of the reader whose card was scanned."""

    unit: Unit
    reader: Reader
    blocks: list[ReaderBlock]
    loans: list[Loan]
    charges: list[Charge]

    @property
    def charges_total(self) -> Decimal:
        return sum((c.amount for c in self.charges), Decimal("0.00"))


def desk_reader(*, card_number: str, unit_code: str, actor: Actor) -> DeskReader:
    """The reader on ``card_number`` (an active card), for a desk lending at ``unit_code``."""
    unit = access_unit(actor, (unit_code or "").strip(), CIRCULATION_LEND)
    reader = reader_by_card(card_number)
    return DeskReader(
        unit=unit,
        reader=reader,
        blocks=list(reader_active_blocks(reader)),
        loans=list(reader_loans(reader)),
        charges=list(reader_charges(reader)),
    )


@dataclass(frozen=True)
class RuleExplanation:
    """The question (unit, reader category, copy or item type) and the answer with its
    reasons: the terms, the rule behind each, and the ranked candidate rules."""

    unit: Unit
    reader: Reader | None
    category: ReaderCategory | None
    item: Item | None
    item_type: str
    answer: RuleAnswer


def desk_rule_explain(*, actor: Actor, unit_code: str, card_number: str = "",
                      category_code: str = "", item_barcode: str = "",
                      item_type: str = "") -> RuleExplanation:  # fmt: skip
    """Which rule applies at ``unit_code`` to this reader (a card, or only a category) and
    this copy (a barcode, or only an item type). A card wins over a category and a barcode
    over an item type; with neither, only the rules for every category (or type) count."""
    if not (has_any_scope(actor, CIRCULATION_LEND) or has_any_scope(actor, CIRCULATION_RULES)):
        raise NotAllowed(NOT_ALLOWED_MESSAGE)
    unit = unit_get(unit_code)
    reader = reader_by_card(card_number) if (card_number or "").strip() else None
    category = reader.category if reader else None
    if reader is None and (category_code or "").strip():
        category = category_get(category_code.strip())
    item = item_by_barcode(item_barcode) if (item_barcode or "").strip() else None
    kind = item.item_type if item else (item_type or "").strip()
    if kind and kind not in ItemType.values:
        raise InvalidRule(_("Unknown item type: %(t)s") % {"t": kind})
    answer = rule_for(unit=unit, category_id=category.pk if category else None, item_type=kind)
    return RuleExplanation(unit, reader, category, item, kind, answer)
