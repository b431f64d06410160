"""Reading values out of MARC fields: subfields, ISBD punctuation, years, prices.

Shared by the MARC21 and CNMARC tables; what a field *means* lives in those tables.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from django.utils.translation import gettext as _
from pymarc import Field, Indicators, Record, Subfield

from libcity.catalogue.data import RecordData
from libcity.core.identifiers import isbn_normalise

#: C1 controls some systems leave in titles: non-sort begin/end (NSB/NSE, 0x88/0x89 and
#: 0x98/0x9C). The text between them still belongs to the title; only the marks go.
_CONTROLS = dict.fromkeys(map(ord, "\x88\x89\x98\x9c"))
_SPACES = re.compile(r"\s+")
#: ISBD punctuation that closes an element and belongs to the next one: " /", " :", " ;",
#: ",", " =", and their full-width forms.
_TRAILING = re.compile(r"[\s/:;,=／：；，＝、]+$")
#: A full stop that is part of the text: an initial ("J. K.") or an ellipsis.
_MEANINGFUL_STOP = re.compile(r"(?:(?:^|[\s.])\w\.|\.\.\.)$")
_YEAR = re.compile(r"(?<!\d)(1\d{3}|2\d{3})(?!\d)")
_AMOUNT = re.compile(r"\d+(?:[.,]\d{1,2})?")


@dataclass
class Mapped:
    """What one MARC record says as catalogue data, and what the mapping noticed on the way."""

    data: RecordData
    notes: list[str] = field(default_factory=list)


class FieldsByTag:
    """A pymarc record as the mapping tables read it (``leader``, ``get``, ``get_fields``,
    with pymarc's answers), its fields gathered by tag once: pymarc walks every field for
    each question, and a table asks about twenty a record."""

    __slots__ = ("_by_tag", "fields", "leader")

    def __init__(self, record: Record) -> None:
        self.leader, self.fields = record.leader, record.fields
        self._by_tag: dict[str, list[Field]] = {}
        for found in record.fields:
            self._by_tag.setdefault(found.tag, []).append(found)

    def get(self, tag: str, default: Field | None = None) -> Field | None:
        found = self._by_tag.get(tag)
        return found[0] if found else default

    def get_fields(self, *tags: str) -> list[Field]:
        """The fields with any of these tags, in the record's order."""
        present = [tag for tag in dict.fromkeys(tags) if tag in self._by_tag]
        if len(present) > 1:
            return [found for found in self.fields if found.tag in present]
        return list(self._by_tag[present[0]]) if present else ([] if tags else self.fields)


#: Values cleaned, remembered: publishers, places, names, codes and call-number classes
#: come again and again in a file (a bounded cache: titles mostly do not).
_CLEANED = 1 << 16


@lru_cache(maxsize=_CLEANED)
def clean(text: str | None) -> str:
    """NFC text without control marks or runs of spaces."""
    if not text:
        return ""
    if not text.isascii():  # ASCII has no control marks to drop and is NFC already
        text = unicodedata.normalize("NFC", text.translate(_CONTROLS))
    return _SPACES.sub(" ", text).strip()


@lru_cache(maxsize=_CLEANED)
def strip_isbd(text: str | None) -> str:
    """``text`` without the ISBD punctuation that ends it ("Friendly fire /" → "Friendly
    fire"); a full stop after an initial or in an ellipsis stays."""
    text = clean(text)
    while True:
        shorter = _TRAILING.sub("", text.removesuffix(" --"))
        if shorter.endswith(("。", ".")) and not _MEANINGFUL_STOP.search(shorter):
            shorter = shorter[:-1].rstrip()
        if shorter == text:
            return text
        text = shorter


def first_year(text: str | None) -> int | None:
    """The first four-digit year in ``text`` ("c1999", "[2005]", "2009." → the year)."""
    found = _YEAR.search(text or "")
    return int(found.group(1)) if found else None


def price(text: str | None) -> Decimal | None:
    """An amount from "CNY25.00", "￥25", "$14.95", "25.00元"; None when there is none."""
    found = _AMOUNT.search((text or "").replace("，", ","))
    if not found:
        return None
    try:
        return Decimal(found.group(0).replace(",", "."))
    except InvalidOperation:
        return None


def values(record: Record, tag: str, codes: str) -> list[str]:
    """Every non-empty value of subfields ``codes`` in every ``tag`` field, cleaned."""
    return [v for f in record.get_fields(tag) for v in subfield_values(f, codes) if v]


def subfield_values(field_: Field, codes: str) -> list[str]:
    return [strip_isbd(s.value) for s in field_.subfields if s.code in codes]


def first(items: Iterable[str]) -> str:
    return next((item for item in items if item), "")


def unique(items: Iterable[str]) -> list[str]:
    """Non-empty items once each, first occurrence first."""
    return list(dict.fromkeys(item for item in items if item))


def control(record: Record, tag: str) -> str:
    found = record.get(tag)
    return (found.data or "") if found is not None and found.control_field else ""


def heading(field_: Field, main: str, subdivisions: str = "vxyz", joiner: str = ", ") -> str:
    """A subject or name heading: the main part's subfields joined ("Matsumoto, Shigeharu,
    1899-1989"), then the subdivisions after " -- " ("Festivals -- China")."""
    head = joiner.join(v for v in subfield_values(field_, main) if v)
    rest = [v for v in subfield_values(field_, subdivisions) if v]
    return " -- ".join([strip_isbd(head), *rest]) if head else ""


def fit(text: str, length: int) -> str:
    """``text`` cut to a column's length."""
    return text[:length].rstrip()


def isbns(raw: Iterable[str], notes: list[str]) -> list[str]:
    """The valid ISBNs among ``raw`` as ISBN-13, once each; a note for each one left out."""
    found = []
    for value in raw:
        isbn = isbn_normalise(value)
        if isbn:
            found.append(isbn)
        else:
            notes.append(_("ISBN %(isbn)s is not valid; left out.") % {"isbn": value})
    return unique(found)


def new_field(tag: str, indicators: str, **subfields: str) -> Field:
    """A data field for writing; empty subfields are left out."""
    return Field(
        tag=tag,
        indicators=Indicators(*indicators),
        subfields=[Subfield(code, value) for code, value in subfields.items() if value],
    )
