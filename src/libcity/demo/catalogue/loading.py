"""The catalogue phase of the demo build: generated books, the real MARC files, the index."""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection

import libcity
from libcity.catalogue.models import Item, Record
from libcity.demo.catalogue.books import book_maker
from libcity.demo.catalogue.shelving import BATCH_ITEMS, BulkShelver
from libcity.demo.plan import CityPlan
from libcity.network.models import Unit

Progress = Callable[[str], None]

#: The files of ``shared/data/marc`` that hold bibliographic records, imported at the
#: central library (the others there are broken on purpose, for the reader's tests).
REAL_MARC_FILES = (
    "evergreen/jazz_1k.mrc",
    "evergreen/lul_fre_100.mrc",
    "evergreen/bibs_graphic_880.marcxml",
    "evergreen/map_data.mrc",
    "evergreen/serials_marc21.xml",
    "marc4j/chabon.mrc",
    "pymarc/testunimarc.dat",
    "synthetic/synthetic_cnmarc_utf8.iso",
)
REAL_MARC_UNIT = "gz-central"
#: SQLite's page cache while the catalogue is written (KiB): with the default 2 MB the
#: indexes of a million items no longer fit and a district's books take half as long again.
SQLITE_CACHE_KIB = 256 * 1024


@dataclass
class CatalogueCounts:
    generated_records: int = 0
    generated_items: int = 0
    real_files: int = 0
    real_records: int = 0  # records the MARC files added (merges not counted)
    real_items: int = 0
    real_rejected: int = 0  # records the MARC import refused
    notes: list[str] = field(default_factory=list)
    indexed: int | None = None  # None: no search index to build


def catalogue_build(
    *,
    plan: CityPlan,
    seed: int,
    units: dict[str, Unit],
    records: int,
    items: int,
    batch_items: int = BATCH_ITEMS,
    real: bool = True,
    index: bool = True,
    progress: Progress | None = None,
) -> CatalogueCounts:
    """``records`` generated records with ``items`` copies in all, then (``real``) the real
    MARC files at the central library, then (``index``) the whole search index."""
    say = progress or (lambda _line: None)
    with _sqlite_cache(SQLITE_CACHE_KIB):
        counts = _generated(plan, seed, units, records, items, batch_items, say)
        if real:
            real_records_import(unit=units[REAL_MARC_UNIT], counts=counts, progress=say)
        if index:
            counts.indexed = search_reindex(progress=say)
    return counts


def _generated(
    plan: CityPlan, seed: int, units: dict[str, Unit], records: int, items: int,
    batch_items: int, say: Progress,
) -> CatalogueCounts:  # fmt: skip
    counts = CatalogueCounts()
    started = time.monotonic()
    books = book_maker(plan, seed).books(records, items)
    shelver = BulkShelver(units=units, progress=say)
    counts.generated_records, counts.generated_items = shelver.write(
        books, batch_items=batch_items, total=items
    )
    say(
        f"catalogue: {counts.generated_records} records, {counts.generated_items} items "
        f"generated ({time.monotonic() - started:.1f} s)"
    )
    return counts


@contextmanager
def _sqlite_cache(kib: int) -> Iterator[None]:
    """A larger page cache for this connection meanwhile (SQLite only), then the old one."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (before,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = {-int(kib)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


# --- the real MARC files ----------------------------------------------------------------------


def marc_folder() -> Path:
    """``shared/data/marc`` beside the repository (``src/libcity`` → the repository root)."""
    return Path(libcity.__file__).resolve().parents[2] / ".." / "shared" / "data" / "marc"


def _marc_importer() -> Callable | None:
    """The catalogue's MARC file import, when the catalogue has one."""
    try:
        module = importlib.import_module("libcity.catalogue.marc.importing")
    except ModuleNotFoundError as error:
        if error.name and "importing" not in error.name:
            raise
        return None
    return getattr(module, "marc_import", None)


def real_records_import(
    *,
    unit: Unit,
    counts: CatalogueCounts | None = None,
    folder: Path | None = None,
    progress: Progress | None = None,
) -> CatalogueCounts:
    """Import ``REAL_MARC_FILES`` from ``folder`` (``marc_folder()``) into ``unit`` through the
    catalogue's MARC import: copy cataloguing, one record per edition, as a cataloguer would.
    Skipped, with a note, when the folder or the importer is not there."""
    say = progress or (lambda _line: None)
    counts = counts or CatalogueCounts()
    folder = (folder or marc_folder()).resolve()
    importer = _marc_importer()
    if importer is None:
        return _note(counts, say, "real MARC records: skipped (no catalogue MARC import yet)")
    if not folder.is_dir():
        return _note(counts, say, f"real MARC records: skipped ({folder} is not there)")
    started = time.monotonic()
    records_before, items_before = Record.objects.count(), Item.objects.count()
    for name in REAL_MARC_FILES:
        path = folder / name
        if not path.is_file():
            _note(counts, say, f"real MARC records: {name} is missing, skipped")
            continue
        report = importer(source=path, unit=unit, actor=None)
        counts.real_files += 1
        counts.real_rejected += report.rejected
        say(f"real MARC records: {name}: {report.summary()} ({report.seconds:.1f} s)")
    counts.real_records = Record.objects.count() - records_before
    counts.real_items = Item.objects.count() - items_before
    say(
        f"real MARC records: {counts.real_records} records, {counts.real_items} items from "
        f"{counts.real_files} files ({time.monotonic() - started:.1f} s)"
    )
    return counts


def _note(counts: CatalogueCounts, say: Progress, line: str) -> CatalogueCounts:
    counts.notes.append(line)
    say(line)
    return counts


# --- the search index -------------------------------------------------------------------------


def search_reindex(*, progress: Progress | None = None) -> int | None:
    """Rebuild the whole search index (``catalogue.indexing.reindex_all``); None when the
    catalogue has no such function yet."""
    say = progress or (lambda _line: None)
    indexing = importlib.import_module("libcity.catalogue.indexing")
    reindex_all = getattr(indexing, "reindex_all", None)
    if reindex_all is None:
        say("search index: skipped (no catalogue.indexing.reindex_all yet)")
        return None
    started = time.monotonic()
    last = [0.0]

    def report(done: int, total: int) -> None:
        now = time.monotonic() - started
        if done == total or now - last[0] >= 5:
            last[0] = now
            say(f"search index: {done} of {total} records ({now:.1f} s)")

    indexed = reindex_all(progress=report)
    say(f"search index: {indexed} records indexed ({time.monotonic() - started:.1f} s)")
    return indexed
