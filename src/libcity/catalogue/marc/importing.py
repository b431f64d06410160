"""Importing a MARC file: every readable record through copy cataloguing (``record_import``),
each in its own transaction, so one bad record costs only itself.

A record is *imported* (a new catalogue record), *merged* (its copies attached to the record
with the same ISBN, or without ISBN the same title/author/year key) or *rejected* (with the
reason in words). Copies already on the record a file merges into are skipped, so importing
the same file twice adds nothing the second time.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.db import DataError, IntegrityError, transaction
from django.utils.translation import gettext as _

from libcity.catalogue.data import RecordData
from libcity.catalogue.marc.fields import Mapped
from libcity.catalogue.marc.mapping import record_data
from libcity.catalogue.marc.reading import read_marc
from libcity.catalogue.marc.results import MarcRecord, ReadResult, Rejection
from libcity.catalogue.models import Item
from libcity.catalogue.policies import match_key
from libcity.catalogue.services import record_import
from libcity.core.exceptions import DomainError
from libcity.network.models import Unit
from libcity.staff.selectors import Actor

Progress = Callable[[int, float], None]  # records so far, records per second


@dataclass
class ImportReport:
    imported: int = 0
    merged: int = 0
    rejected: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # "#<n> <label>: <note>"
    seconds: float = 0.0

    @property
    def records(self) -> int:
        return self.imported + self.merged + self.rejected

    @property
    def rate(self) -> float:
        return self.records / self.seconds if self.seconds else 0.0

    def summary(self) -> str:
        """The one line scripts read: ``imported N, merged M, rejected K``."""
        return f"imported {self.imported}, merged {self.merged}, rejected {self.rejected}"

    def lines(self) -> list[str]:
        """The summary, then one line per rejected record."""
        return [self.summary(), *(rejection.line() for rejection in self.rejections)]


def marc_import(
    *, source: Path | str | bytes, unit: Unit, actor: Actor = None, dry_run: bool = False,
    progress: Progress | None = None, progress_every: int = 1000, batch_size: int = 200,
) -> ImportReport:  # fmt: skip
    """Import every record of a MARC file for ``unit`` (the owner of copies whose holdings
    name no known unit). ``dry_run`` does all of it and rolls it back.

    Records go in ``batch_size`` at a time, one commit per batch; inside it each record is
    its own savepoint (``record_import``'s atomic block), so a rejected record leaves nothing
    and the others stay. One commit per batch lets the search index take the batch at once.
    """
    report = ImportReport()
    started = time.monotonic()
    owners = frozenset(Unit.objects.values_list("code", flat=True))
    with _rolled_back(dry_run):
        for batch in _batches(read_marc(source), batch_size):
            prepared = [_prepared(result, owners) for result in batch]
            with transaction.atomic():
                held = _held([entry for entry in prepared if isinstance(entry, _Entry)])
                for entry in prepared:
                    _take(entry, unit=unit, actor=actor, held=held, report=report)
                    _tick(report, started, progress, progress_every)
    report.seconds = time.monotonic() - started
    return report


@dataclass
class _Entry:
    """A record read and mapped, waiting for its turn."""

    read: MarcRecord
    mapped: Mapped

    @property
    def label(self) -> str:
        return self.read.label or self.mapped.data.title


@dataclass(frozen=True)
class _Holder:
    """The record a barcode is already on: what copy cataloguing would match it by."""

    isbns: frozenset[str]
    match_key: str


def _prepared(result: ReadResult, owners: frozenset[str]) -> _Entry | Rejection:
    if isinstance(result, Rejection):
        return result
    try:
        mapped = record_data(result)
    except DomainError as error:
        return Rejection(result.number, error.message, error.code, offset=result.offset,
                         label=result.label)  # fmt: skip
    _keep_known_owners(mapped.data, owners)
    return _Entry(result, mapped)


def _take(entry: _Entry | Rejection, *, unit: Unit, actor: Actor, held: dict[str, _Holder],
          report: ImportReport) -> None:  # fmt: skip
    if isinstance(entry, Rejection):
        _reject(report, entry)
        return
    data, notes = entry.mapped.data, entry.mapped.notes
    notes += _skip_copies_already_held(data, held)
    try:
        outcome = record_import(data=data, unit=unit, actor=actor)
    except DomainError as error:
        _reject(report, _rejection(entry, error.message, error.code))
        return
    except (DataError, IntegrityError) as error:
        words = _("The database refused the record: %(error)s") % {"error": error}
        _reject(report, _rejection(entry, words, "database_refused"))
        return
    if outcome.merged:
        report.merged += 1
    else:
        report.imported += 1
    report.notes += [f"#{entry.read.number} {entry.label}: {note}" for note in notes]


def _tick(report: ImportReport, started: float, progress: Progress | None, every: int) -> None:
    report.seconds = time.monotonic() - started
    if progress is not None and report.records % every == 0:
        progress(report.records, report.rate)


def _batches(results: Iterator[ReadResult], size: int) -> Iterator[list[ReadResult]]:
    batch: list[ReadResult] = []
    for result in results:
        batch.append(result)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _reject(report: ImportReport, rejection: Rejection) -> None:
    report.rejected += 1
    report.rejections.append(rejection)


def _rejection(entry: _Entry, reason: str, code: str) -> Rejection:
    return Rejection(entry.read.number, reason, code, offset=entry.read.offset,
                     label=entry.label)  # fmt: skip


def _keep_known_owners(data: RecordData, owners: frozenset[str]) -> None:
    """A copy's owner code from the file counts only when it is a unit here; otherwise the
    importing unit owns it (``record_import`` reads an empty code so)."""
    for item in data.items:
        if item.owner_code not in owners:
            item.owner_code = ""


def _held(entries: list[_Entry]) -> dict[str, _Holder]:
    """The batch's barcodes already in the catalogue, with the record each is on: one
    query per batch."""
    barcodes = [item.barcode for entry in entries for item in entry.mapped.data.items]
    if not barcodes:
        return {}
    rows = Item.objects.filter(barcode__in=barcodes).values_list(
        "barcode", "record__isbns", "record__match_key")  # fmt: skip
    return {barcode: _Holder(frozenset(isbns or ()), key) for barcode, isbns, key in rows}


def _skip_copies_already_held(data: RecordData, held: dict[str, _Holder]) -> list[str]:
    """Leave out copies already on a record this one matches (the same file imported
    again); a barcode on a record it does not match stays in, and fails as taken."""
    first_author = data.authors[0] if data.authors else ""
    key = match_key(data.title, first_author, data.year)
    again = {
        item.barcode
        for item in data.items
        if item.barcode in held and _matches(held[item.barcode], data.isbns, key)
    }
    data.items = [item for item in data.items if item.barcode not in again]
    return [_("Copy %(barcode)s is already on this record; not added again.") % {"barcode": b}
            for b in sorted(again)]  # fmt: skip


def _matches(holder: _Holder, isbns: list[str], key: str) -> bool:
    """Copy cataloguing's rule (``selectors.record_match``): any ISBN in common; without
    ISBN on both sides, the same title/author/year key."""
    if isbns:
        return bool(holder.isbns.intersection(isbns))
    return bool(key) and not holder.isbns and holder.match_key == key


@contextmanager
def _rolled_back(dry_run: bool) -> Iterator[None]:
    """A dry run: everything in one transaction that is rolled back at the end (so merges
    within the file and barcode clashes count as they would)."""
    if not dry_run:
        yield
        return
    with transaction.atomic():
        yield
        transaction.set_rollback(True)
