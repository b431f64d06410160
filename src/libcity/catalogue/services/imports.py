"""Copy cataloguing for a batch of records at once (a MARC file is imported this way).

The rules are ``record_import``'s, applied record after record in the batch's order: merge
into the matching record (``matching``) or create one, add the copies; a record that cannot
be taken in whole is rejected alone, with its reason. One rule is added for files: a copy
whose barcode is already on a record the edition matches (the same file imported again) is
left out, not refused.

The batch is planned first, with a few queries for all of it (the matches, the barcodes
already used, the owners): every check that could fail is made before anything is written,
records of the batch match the records of the batch before them, barcodes are compared with
the database and with the batch. Then it is written with one bulk insert per table, and the
search index is told once. Should the database still refuse the bulk write (an error no check
foresaw), the batch is done again one record at a time through ``record_import``, each in
its own savepoint, so that only the offending record is lost.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from django.db import DataError, IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from libcity.catalogue import indexing, policies
from libcity.catalogue.data import ItemData, RecordData
from libcity.catalogue.matching import CopyHolder, RecordMatcher, copy_holders
from libcity.catalogue.models import (
    CatalogueHistory,
    Item,
    ItemHistory,
    ItemStatus,
    Record,
    RecordIsbn,
)
from libcity.catalogue.services.items import (
    barcode_taken,
    item_added_history,
    item_check,
    item_columns,
)
from libcity.catalogue.services.records import (
    created_history,
    merged_history,
    record_check,
    record_import,
    record_match_key,
)
from libcity.core.bulk import insert_rows
from libcity.core.exceptions import DomainError
from libcity.network.models import Unit
from libcity.search.documents import SearchDocument
from libcity.staff.selectors import Actor

DATABASE_REFUSED = "database_refused"


@dataclass
class BatchResult:
    """What became of one record of a batch: taken in (new or merged), or rejected."""

    merged: bool = False
    skipped: list[str] = field(default_factory=list)  # barcodes already on the record
    reason: str = ""  # rejected: why, in words
    code: str = ""  # rejected: the error code

    @property
    def rejected(self) -> bool:
        return bool(self.code)


@dataclass
class Prepared:
    """What ``records_import`` works out of one record before asking the database: its
    match key, then the columns ``record_check`` makes of it or why it refuses it, and the
    analysed search text of a record with those columns. ``record_prepared`` makes it; a
    MARC import has it made in the process reading the file."""

    key: str
    columns: dict | None = None
    refused: tuple[str, str] | None = None  # record_check's error: message, code
    analysed: dict[str, str] | None = None  # SearchDocument.analysed of the columns


def record_prepared(data: RecordData, *, analyse: bool = True) -> Prepared:
    """``Prepared`` for ``data``; without ``analyse``, the search text is left for the
    index step."""
    try:
        columns = record_check(data)
    except DomainError as error:
        return Prepared(record_match_key(data), refused=(error.message, error.code))
    key = columns["match_key"]  # record_match_key(data)
    if not analyse:
        return Prepared(key, columns)
    text = indexing.document_text(columns)
    return Prepared(key, columns, analysed=SearchDocument(record_id=0, **text).analysed())


def records_import(
    *, batch: list[RecordData], unit: Unit, actor: Actor = None,
    prepared: list[Prepared] | None = None,
) -> list[BatchResult]:  # fmt: skip
    """Copy cataloguing for every record of ``batch`` (``unit`` owns the copies whose owner
    code names no unit), one result per record in order. Writes in the caller's transaction
    (a savepoint of its own) and asks the search index for the records touched, once.

    ``prepared``: ``record_prepared`` of each record of the batch, when the caller made it
    beforehand. The search documents of the new records are made here from what is
    written, not read back."""
    if not connection.features.can_return_rows_from_bulk_insert:
        return _one_by_one(batch, unit, actor)  # no ids back from a bulk insert
    prepared = prepared or [record_prepared(data, analyse=False) for data in batch]
    try:
        with transaction.atomic():
            plan = _BatchPlan(batch, prepared, unit, actor)
            results = [plan.take(data, ready) for data, ready in zip(batch, prepared, strict=True)]
            plan.write()
    except (IntegrityError, DataError):
        return _one_by_one(batch, unit, actor)
    return results


class _BatchPlan:
    """The rows a batch will write, decided record by record before any is written."""

    def __init__(
        self, batch: list[RecordData], prepared: list[Prepared], unit: Unit, actor: Actor
    ) -> None:
        self.unit, self.actor = unit, actor
        isbns = [isbn for data in batch for isbn in data.isbns]
        keys = [ready.key for data, ready in zip(batch, prepared, strict=True) if not data.isbns]
        self.matcher = RecordMatcher(isbns, keys)
        self.holders = copy_holders(item.barcode for data in batch for item in data.items)
        self.taken = set(self.holders)
        codes = {item.owner_code for data in batch for item in data.items} - {""}
        self.owners = dict(Unit.objects.filter(code__in=codes).values_list("code", "pk"))
        self.records: list[_NewRecord] = []
        self.history: list[tuple[_Target, dict]] = []  # catalogue history, by record
        self.copies: list[tuple[_Target, dict]] = []  # item columns, by record
        self.changed: list[_Target] = []

    def take(self, data: RecordData, ready: Prepared) -> BatchResult:
        """Plan one record (merged or new, with its copies), or reject it."""
        data, skipped = _without_held_copies(data, ready.key, self.holders)
        if ready.refused:
            return BatchResult(reason=ready.refused[0], code=ready.refused[1])
        columns = ready.columns
        try:
            copies = self._copies(data.items)
        except DomainError as error:
            return BatchResult(reason=error.message, code=error.code)
        target = self.matcher.match(columns["isbns"], ready.key)
        merged = target is not None
        if merged:
            self.history.append((target, merged_history(data, self.actor)))
        else:
            target = self._new_record(data, columns, ready.analysed)
        self._add_copies(target, copies)
        self.changed.append(target)
        return BatchResult(merged=merged, skipped=skipped)

    def _new_record(self, data: RecordData, columns: dict, analysed: dict | None) -> _NewRecord:
        record = _NewRecord(columns, analysed)
        self.records.append(record)
        self.matcher.add(record, columns["isbns"], columns["match_key"])
        self.history.append((record, created_history(data, self.actor)))
        return record

    def _copies(self, items: list[ItemData]) -> list[dict]:
        """The record's copies as columns, after every check ``item_add`` makes, and the
        barcode against the database and the batch (``item_add`` leaves that to the unique
        index)."""
        copies: list[dict] = []
        seen: set[str] = set()
        for item in items:
            barcode = (item.barcode or "").strip()
            item_check(barcode=barcode, item_type=item.item_type, price=item.price,
                       status=policies.IMPORTED_ITEM_STATUS,
                       call_number=item.call_number)  # fmt: skip
            if barcode in self.taken or barcode in seen:
                raise barcode_taken(barcode)
            seen.add(barcode)
            copies.append(item_columns(
                barcode=barcode, owner_id=self.owners.get(item.owner_code, self.unit.pk),
                call_number=item.call_number, item_type=item.item_type, price=item.price,
                status=policies.IMPORTED_ITEM_STATUS))  # fmt: skip
        return copies

    def _add_copies(self, target: _Target, copies: list[dict]) -> None:
        if not copies:
            return
        if isinstance(target, _NewRecord):
            holder = CopyHolder(target, frozenset(target.columns["isbns"]),
                                target.columns["match_key"])  # fmt: skip
        else:
            holder = self.matcher.stored[target]
        for copy in copies:
            self.taken.add(copy["barcode"])
            self.holders[copy["barcode"]] = holder
            self.copies.append((target, copy))

    def write(self) -> None:
        """Every row of the plan, one multi-row insert per table (with the ids back where
        other rows point to them); then the search index is told, once."""
        records = [record.columns for record in self.records]
        for record, record_id in zip(self.records, _inserted(Record, records), strict=True):
            record.pk = record_id
        isbns = [{"record_id": r.pk, "isbn": i} for r in self.records for i in r.columns["isbns"]]
        insert_rows(RecordIsbn, isbns)
        history = [{**columns, "record_id": _pk(target)} for target, columns in self.history]
        insert_rows(CatalogueHistory, history)
        items = [{**columns, "record_id": _pk(target)} for target, columns in self.copies]
        item_ids = _inserted(Item, items)
        added = [{**item_added_history(columns, self.actor), "item_id": item_id}
                 for columns, item_id in zip(items, item_ids, strict=True)]  # fmt: skip
        insert_rows(ItemHistory, added)
        indexing.records_changed((_pk(target) for target in self.changed),
                                 documents=self._documents(items))  # fmt: skip

    def _documents(self, items: list[dict]):
        """The search documents of the new records, from the rows just written: their
        columns and their copies (standing where their owners are)."""
        standing = Unit.objects.filter(pk__in={item["location_id"] for item in items})
        units = {pk: (code, path) for pk, code, path in standing.values_list("pk", "code", "path")}
        copies: dict[int, list[tuple]] = {}
        for item in items:
            if item["status"] == ItemStatus.WITHDRAWN:
                continue  # as the index leaves out of a record read back
            copies.setdefault(item["record_id"], []).append(
                (item["item_type"], item["status"], *units[item["location_id"]])
            )
        districts = indexing.districts_of({unit[1] for unit in units.values()})
        return [indexing.new_record_document(record.pk, record.columns,
                                             copies.get(record.pk, []), districts,
                                             record.analysed)
                for record in self.records]  # fmt: skip


def _inserted(model, rows: list[dict]) -> list[int]:
    return insert_rows(model, rows, returning_ids=True)


class _NewRecord:
    """A record the batch creates: its columns, then its id once written."""

    __slots__ = ("analysed", "columns", "pk")

    def __init__(self, columns: dict, analysed: dict | None = None) -> None:
        self.columns, self.analysed, self.pk = columns, analysed, None


_Target = _NewRecord | int  # a record created by the batch, or a stored record's id


def _pk(target: _Target) -> int:
    return target.pk if isinstance(target, _NewRecord) else target


def _without_held_copies(
    data: RecordData, key: str, holders: dict[str, CopyHolder]
) -> tuple[RecordData, list[str]]:
    """``data`` without the copies already on a record it matches (the same file imported
    again), and their barcodes. A barcode on a record it does not match stays in, and fails
    as taken."""
    held = [i.barcode for i in data.items
            if i.barcode in holders and holders[i.barcode].matches(data.isbns, key)]  # fmt: skip
    if not held:
        return data, []
    kept = [item for item in data.items if item.barcode not in held]
    return dataclasses.replace(data, items=kept), sorted(set(held))


# --- one record at a time ------------------------------------------------------------------


def _one_by_one(batch: list[RecordData], unit: Unit, actor: Actor) -> list[BatchResult]:
    """The batch through ``record_import``, each record in its own savepoint."""
    holders = copy_holders(item.barcode for data in batch for item in data.items)
    return [_one(data, unit, actor, holders) for data in batch]


def _one(data: RecordData, unit: Unit, actor: Actor, holders: dict[str, CopyHolder]):
    data, skipped = _without_held_copies(data, record_match_key(data), holders)
    try:
        outcome = record_import(data=data, unit=unit, actor=actor)
    except DomainError as error:
        return BatchResult(reason=error.message, code=error.code)
    except (DataError, IntegrityError) as error:
        words = _("The database refused the record: %(error)s") % {"error": error}
        return BatchResult(reason=words, code=DATABASE_REFUSED)
    record = outcome.record
    holder = CopyHolder(record.pk, frozenset(record.isbns), record.match_key)
    holders.update(dict.fromkeys((item.barcode for item in outcome.items), holder))
    return BatchResult(merged=outcome.merged, skipped=skipped)
