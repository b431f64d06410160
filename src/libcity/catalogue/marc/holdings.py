"""Copies in a MARC record: which field each library system puts them in, and which item type
its codes mean. Tables, so that a library whose system does it differently adds a row.
"""

from __future__ import annotations

from dataclasses import dataclass

import pymarc
from django.utils.translation import gettext as _

from libcity.catalogue.data import ItemData
from libcity.catalogue.marc.fields import clean, price
from libcity.catalogue.models import ItemType, RecordFormat


@dataclass(frozen=True)
class HoldingsField:
    """Where one system writes a copy: one field per copy, these subfields."""

    tag: str
    system: str  # who writes it this way (for the documentation)
    barcode: str
    call_number: tuple[str, ...]  # alternatives, first with a value wins; codes of one joined
    joiner: str = " "  # between the parts of one call-number alternative
    item_type: str = ""
    price: str = ""
    owner: str = ""  # codes in order of preference: the owning unit's code


MARC21_HOLDINGS = (
    HoldingsField("852", "MARC21 holdings / Evergreen", barcode="p", call_number=("j", "khim"),
                  item_type="g", price="y", owner="ba"),
    HoldingsField("952", "Koha (MARC21)", barcode="p", call_number=("o",), item_type="y",
                  price="gv", owner="a"),
    HoldingsField("949", "SirsiDynix Unicorn / Symphony", barcode="i", call_number=("a",),
                  item_type="t", owner="m"),
)  # fmt: skip
CNMARC_HOLDINGS = (
    HoldingsField("905", "CALIS / NLC (CNMARC)", barcode="b", call_number=("de",), joiner="/",
                  owner="a"),
    HoldingsField("995", "Koha (UNIMARC)", barcode="f", call_number=("k",), item_type="r",
                  owner="ba"),
)  # fmt: skip

#: Item-type codes seen in holdings (compared case-folded) → ItemType. Codes not listed take
#: the record's default (from its format and language).
ITEM_TYPES: dict[str, str] = {
    **{value: value for value in ItemType.values},
    **dict.fromkeys(["books", "bk", "monograph", "musicscore", "score", "图书", "中文图书",
                     "普通图书"], ItemType.BOOK),
    **dict.fromkeys(["juv", "juvenile", "kids", "少儿", "儿童", "少儿图书"], ItemType.CHILDREN),
    **dict.fromkeys(["serial", "journal", "magazine", "mag", "newspaper", "期刊", "报纸",
                     "报刊"], ItemType.PERIODICAL),
    **dict.fromkeys(["av", "sound", "cd", "dvd", "vcd", "video", "audio", "cassette", "音像",
                     "视听", "光盘"], ItemType.AUDIO_VISUAL),
    **dict.fromkeys(["外文", "外文图书"], ItemType.FOREIGN_LANGUAGE),
    **dict.fromkeys(["地方文献"], ItemType.LOCAL_DOCUMENT),
    **dict.fromkeys(["ref", "工具书", "参考书"], ItemType.REFERENCE),
}  # fmt: skip
#: Language codes (MARC and UNIMARC) of books that are not foreign-language books here.
HOME_LANGUAGES = frozenset({"chi", "zho", ""})


def default_item_type(record_format: str, language: str) -> str:
    """The item type of a copy whose holdings say none: by the record's format; a book in a
    language other than Chinese is a foreign-language book (it circulates by other rules)."""
    if record_format == RecordFormat.SERIAL:
        return ItemType.PERIODICAL
    if record_format == RecordFormat.AUDIO_VISUAL:
        return ItemType.AUDIO_VISUAL
    return ItemType.BOOK if language in HOME_LANGUAGES else ItemType.FOREIGN_LANGUAGE


def item_type(code: str, default: str) -> str:
    found = ITEM_TYPES.get(clean(code).casefold(), default) if code else default
    if found == ItemType.BOOK and default == ItemType.FOREIGN_LANGUAGE:
        return ItemType.FOREIGN_LANGUAGE
    return found


def copies(
    record: pymarc.Record, tables: tuple[HoldingsField, ...], *, default_type: str,
    default_price=None,
) -> tuple[list[ItemData], list[str]]:  # fmt: skip
    """The copies the record's holdings fields describe, and notes on the ones left out."""
    found: dict[str, ItemData] = {}
    notes: list[str] = []
    for table in tables:
        for field in record.get_fields(table.tag):
            item = _copy(field, table, default_type, default_price)
            if item is None:
                notes.append(
                    _("A copy in field %(tag)s has no barcode; skipped.") % {"tag": table.tag}
                )
            elif item.barcode in found:
                notes.append(_("Barcode %(b)s appears twice in the record; kept once.")
                             % {"b": item.barcode})  # fmt: skip
            else:
                found[item.barcode] = item
    return list(found.values()), notes


def _copy(field: pymarc.Field, table: HoldingsField, default_type: str, default_price):
    barcode = _first(field, table.barcode).replace(" ", "")
    if not barcode:
        return None
    return ItemData(
        barcode=barcode,
        call_number=_call_number(field, table),
        item_type=item_type(_first(field, table.item_type), default_type),
        price=(price(_first(field, table.price)) if table.price else None) or default_price,
        owner_code=_first(field, table.owner),
    )


def _call_number(field: pymarc.Field, table: HoldingsField) -> str:
    for codes in table.call_number:
        parts = [clean(s.value) for s in field.subfields if s.code in codes and clean(s.value)]
        if parts:
            return table.joiner.join(parts)
    return ""


def _first(field: pymarc.Field, codes: str) -> str:
    """The first non-empty value among subfield ``codes``, in the order of ``codes``."""
    for code in codes:
        for subfield in field.subfields:
            if subfield.code == code and clean(subfield.value):
                return clean(subfield.value)
    return ""
