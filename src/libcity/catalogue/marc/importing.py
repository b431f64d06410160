"""Importing a MARC file: every readable record through copy cataloguing, a batch at a time
(``records_import``: ``record_import``'s rules, checked for the whole batch before it is
written in bulk), so one bad record costs only itself.

A record is *imported* (a new catalogue record), *merged* (its copies attached to the record
with the same ISBN, or without ISBN the same title/author/year key) or *rejected* (with the
reason in words). Copies already on the record a file merges into are skipped, so importing
the same file twice adds nothing the second time.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection, transaction
from django.utils.translation import gettext as _

from libcity.catalogue.marc import readahead
from libcity.catalogue.marc.fields import Mapped
from libcity.catalogue.marc.mapping import record_data
from libcity.catalogue.marc.reading import read_marc
from libcity.catalogue.marc.results import ReadResult, Rejection
from libcity.catalogue.services.imports import (
    BatchResult,
    Prepared,
    record_prepared,
    records_import,
)
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
    progress: Progress | None = None, progress_every: int = 1000, batch_size: int = 1000,
    read_ahead: bool = False,
) -> ImportReport:  # fmt: skip
    """Import every record of a MARC file for ``unit`` (the owner of copies whose holdings
    name no known unit). ``dry_run`` does all of it and rolls it back.

    Records go in ``batch_size`` at a time, one commit per batch (``records_import``: all the
    batch's checks first, then bulk writes; a rejected record leaves nothing and the others
    stay). One commit per batch lets the search index take the batch at once. With
    ``read_ahead`` the file is read and mapped in a child process, a batch ahead of the
    writing (``readahead``; for large files from the command line).
    """
    report = ImportReport()
    started = time.monotonic()

    def prepared_batches() -> Iterator[list[_Entry | Rejection]]:
        for batch in _batches(read_marc(source), batch_size):
            yield [_prepared(result) for result in batch]

    batches = readahead.read_ahead(prepared_batches) if read_ahead else prepared_batches()
    # closing: a reading child stops too
    with closing(batches), _checkpoints_deferred(), _rolled_back(dry_run):
        for prepared in batches:
            entries = [entry for entry in prepared if isinstance(entry, _Entry)]
            with transaction.atomic():
                results = records_import(
                    batch=[entry.mapped.data for entry in entries], unit=unit, actor=actor,
                    prepared=[entry.prepared for entry in entries],
                )  # fmt: skip
            outcomes = dict(zip(map(id, entries), results, strict=True))
            for entry in prepared:
                _count(entry, outcomes.get(id(entry)), report)
                _tick(report, started, progress, progress_every)
    report.seconds = time.monotonic() - started
    return report


@dataclass
class _Entry:
    """A record read and mapped, waiting for its turn (what the report needs of the record
    read, not the pymarc record: entries may come from another process)."""

    number: int
    offset: int | None
    label: str  # the 001, else the title
    mapped: Mapped
    #: What ``records_import`` works out before writing (the checks, the columns, the
    #: search text analysed), made here: in the reading child, while the parent writes.
    prepared: Prepared


def _prepared(result: ReadResult) -> _Entry | Rejection:
    if isinstance(result, Rejection):
        return result
    try:
        mapped = record_data(result)
    except DomainError as error:
        return Rejection(result.number, error.message, error.code, offset=result.offset,
                         label=result.label)  # fmt: skip
    return _Entry(result.number, result.offset, result.label or mapped.data.title, mapped,
                  record_prepared(mapped.data))  # fmt: skip


def _count(entry: _Entry | Rejection, result: BatchResult | None, report: ImportReport) -> None:
    """Put one record of the file in the report, in the file's order."""
    if isinstance(entry, Rejection):
        _reject(report, entry)
        return
    if result.rejected:
        _reject(report, _rejection(entry, result.reason, result.code))
        return
    if result.merged:
        report.merged += 1
    else:
        report.imported += 1
    notes = [*entry.mapped.notes, *(_already_held(barcode) for barcode in result.skipped)]
    report.notes += [f"#{entry.number} {entry.label}: {note}" for note in notes]


def _already_held(barcode: str) -> str:
    return _("Copy %(barcode)s is already on this record; not added again.") % {
        "barcode": barcode}  # fmt: skip


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
    return Rejection(entry.number, reason, code, offset=entry.offset, label=entry.label)


@contextmanager
def _checkpoints_deferred() -> Iterator[None]:
    """On SQLite (WAL), no checkpoint after each batch's commit, one at the end: a batch
    writes more than the automatic checkpoint's 1,000 pages, so each commit would copy its
    pages (and the index pages it rewrites, again and again) into the database file."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint")
        (pages,) = cursor.fetchone()
        cursor.execute("PRAGMA wal_autocheckpoint = 0")
    try:
        yield
    finally:
        if not connection.needs_rollback:  # else the caller's transaction is unusable
            _checkpoints_restored(pages)


def _checkpoints_restored(pages: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA wal_autocheckpoint = {int(pages)}")
        if not connection.in_atomic_block:
            cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")


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
