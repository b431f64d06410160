"""Copy cataloguing's match rule, read from the database for one incoming edition or a batch.

An incoming edition belongs to the record that has any of its ISBNs (the oldest, when several
do); without ISBN, to the oldest record without ISBN whose title/author/year key
(``policies.match_key``) is the same; without either, to none. ``record_import`` asks for one
edition, ``records_import`` for a batch of them with two queries.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass

from libcity.catalogue.models import Item, Record, RecordIsbn

#: Values per IN list: short enough for any SQLite build (999 variables at the least).
IN_LIST_SIZE = 500


def matched_record(isbns: list[str], key: str) -> Record | None:
    """The record an incoming edition with these ISBNs and key belongs to."""
    record_id = RecordMatcher(isbns, [] if isbns else [key]).match(isbns, key)
    return Record.objects.filter(pk=record_id).first() if record_id is not None else None


class RecordMatcher:
    """The match rule for a batch: made with the ISBNs and keys of the batch, then asked
    edition by edition. Records created meanwhile are ``add``-ed and matched too, after
    every stored record (they are newer). ``match`` gives a stored record's id, or what was
    passed to ``add`` for a record created since."""

    def __init__(self, isbns: Iterable[str], keys: Iterable[str]) -> None:
        """``isbns``: those of the batch; ``keys``: those of its editions without ISBN."""
        self._by_isbn: dict[str, tuple[tuple[int, int], Hashable]] = {}
        self._by_key: dict[str, tuple[tuple[int, int], Hashable]] = {}
        self._added = 0
        self.stored: dict[int, CopyHolder] = {}  # the stored records found, as holders
        for part in chunked(set(isbns)):
            rows = RecordIsbn.objects.filter(isbn__in=part).values_list(
                "isbn", "record_id", "record__isbns", "record__match_key")  # fmt: skip
            for isbn, record_id, *described in rows:
                self._found(self._by_isbn, isbn, record_id, *described)
        for part in chunked(set(keys) - {""}):
            rows = Record.objects.filter(match_key__in=part, isbn="").values_list(
                "match_key", "pk", "isbns", "match_key")  # fmt: skip
            for key, record_id, *described in rows:
                self._found(self._by_key, key, record_id, *described)

    def _found(self, found: dict, value: str, record_id: int, isbns, key: str) -> None:
        _keep(found, value, (0, record_id), record_id)
        self.stored[record_id] = CopyHolder(record_id, frozenset(isbns or ()), key)

    def match(self, isbns: list[str], key: str):
        if isbns:
            found = [self._by_isbn[isbn] for isbn in isbns if isbn in self._by_isbn]
            return min(found, key=lambda entry: entry[0])[1] if found else None
        found = self._by_key.get(key) if key else None
        return found[1] if found else None

    def add(self, record: Hashable, isbns: list[str], key: str) -> None:
        """A record created since, with its ISBNs and key as stored."""
        self._added += 1
        order = (1, self._added)
        for isbn in isbns:
            _keep(self._by_isbn, isbn, order, record)
        if not isbns and key:
            _keep(self._by_key, key, order, record)


def _keep(found: dict, value: str, order: tuple[int, int], record: Hashable) -> None:
    """Remember ``record`` for ``value`` unless an older record has it already."""
    if value not in found or order < found[value][0]:
        found[value] = (order, record)


@dataclass(frozen=True)
class CopyHolder:
    """The record a barcode is on, as the match rule sees it."""

    record: Hashable  # a stored record's id, or a record created since (as ``add``-ed)
    isbns: frozenset[str]
    match_key: str

    def matches(self, isbns: list[str], key: str) -> bool:
        """Whether an edition with these ISBNs and key would match this record: any ISBN in
        common; without ISBN on both sides, the same key."""
        if isbns:
            return bool(self.isbns.intersection(isbns))
        return bool(key) and not self.isbns and self.match_key == key


def copy_holders(barcodes: Iterable[str]) -> dict[str, CopyHolder]:
    """The records these barcodes are already on, by barcode (one query per 500)."""
    found = {}
    for part in chunked(set(barcodes)):
        rows = Item.objects.filter(barcode__in=part).values_list(
            "barcode", "record_id", "record__isbns", "record__match_key")  # fmt: skip
        found.update({barcode: CopyHolder(record_id, frozenset(isbns or ()), key)
                      for barcode, record_id, isbns, key in rows})  # fmt: skip
    return found


def chunked(values: Iterable, size: int = IN_LIST_SIZE) -> Iterator[list]:
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]
