"""Keeping the search index in step with the catalogue: after commit, reindex what changed.

``records_changed`` is called by every catalogue service inside its transaction; the records
are reindexed once the outermost transaction commits (a record touched several times in one
transaction, as an import with many copies does, is reindexed once). This is the bridge
between the rooms: it reads records and copies and hands ``SearchDocument``s to the search
room, which never reads the catalogue itself.

A copy's move (lent, returned, sent on) changes only the copy facets of its record (where
copies stand, where one is on the shelf), not the record's text: within ``copies_only()``
(circulation wraps its copy moves in it) or through ``copies_changed``, the refresh after
commit rewrites those values alone (``copies_reindex``), without analysing the text again.

A server whose answers should not wait for that refresh (the SIP2 server: a kiosk's loan is
done when it commits) runs it in the background (``CopiesInBackground``): a thread of its own
refreshes the records a batch at a time, a moment after their commits.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from functools import partial

from django.db import close_old_connections, connection, transaction

from libcity.catalogue.models import Item, ItemStatus, Record
from libcity.network.models import Unit, UnitTier
from libcity.search.documents import SearchDocument
from libcity.search.index import (
    index_clear,
    index_copies,
    index_delete,
    index_documents,
    index_ids,
    index_optimize,
)

log = logging.getLogger(__name__)
_pending = threading.local()


def records_changed(record_ids: Iterable[int], *, documents: Iterable[SearchDocument] = ()) -> None:
    """Reindex these records once the surrounding transaction commits (only their copy
    facets inside ``copies_only()``).

    ``documents``: the whole search documents of some of these records, from a caller that
    has just written them and knows them in full (a batch import's new records); they are
    indexed as given instead of being read back. A record that the same transaction also
    changes without a document is read back after all (the document may be out of date),
    and documents of a transaction that is rolled back are forgotten with it.
    """
    if getattr(_pending, "copies_only", False):
        copies_changed(record_ids)
        return
    ids = {int(i) for i in record_ids}
    known = {doc.record_id: doc for doc in documents if doc.record_id in ids}
    _pending_ids().update(ids)
    _pending_ids("read").update(ids - set(known))
    transaction.on_commit(partial(_reindex_pending, known))


def copies_changed(record_ids: Iterable[int]) -> None:
    """Only copies of these records changed (a status, a place): once the transaction
    commits, refresh their copy facets, not their text (a full reindex pending for the
    same record does both)."""
    _pending_ids("copies").update(int(i) for i in record_ids)
    transaction.on_commit(_reindex_pending)


@contextlib.contextmanager
def copies_only() -> Iterator[None]:
    """Within this block ``records_changed`` means ``copies_changed``: for callers that move
    copies through the catalogue's services and know no record text changes."""
    before = getattr(_pending, "copies_only", False)
    _pending.copies_only = True
    try:
        yield
    finally:
        _pending.copies_only = before


def _pending_ids(kind: str = "ids") -> set[int]:
    if not hasattr(_pending, kind):
        setattr(_pending, kind, set())
    return getattr(_pending, kind)


def _reindex_pending(known: dict[int, SearchDocument] | None = None) -> None:
    """The first callback of a commit reindexes every pending record; the rest find none.
    (Ids left by a rolled-back transaction are reindexed too: harmless, the index then
    says what the database says.) ``known``: the documents given with the callback's
    ``records_changed``, used for records nothing else changed. A failure is logged, not
    raised: the catalogue write has committed and should not look failed; ``libcity
    reindex`` repairs the index."""
    ids, copies, read = _pending_ids(), _pending_ids("copies"), _pending_ids("read")
    _pending.ids, _pending.copies, _pending.read = set(), set(), set()
    documents = {i: doc for i, doc in (known or {}).items() if i in ids and i not in read}
    copies = sorted(copies - ids)
    ids = sorted(ids)
    try:
        if ids and documents:
            records_reindex(ids, documents=documents)
        elif ids:
            records_reindex(ids)
        background = getattr(_pending, "background", None)
        if copies and background is not None:
            background.add(copies)
        elif copies:
            copies_reindex(copies)
    except Exception:
        missed = ids + copies
        log.exception("The search index missed %d records (first %s): run libcity reindex",
                      len(missed), missed[:10])  # fmt: skip


class CopiesInBackground:
    """Copy refreshes run by a thread of its own, not by the request that committed, for
    the threads that ask (``use_in_this_thread``: a server's workers): records changed
    within ``pause`` seconds are refreshed in one transaction. A search made meanwhile may
    still show a copy where it stood a moment ago; the loan itself is never late.
    ``stop()`` refreshes what is left, then ends the thread."""

    def __init__(self, *, pause: float = 0.05) -> None:
        self.pause = pause
        self._ids: set[int] = set()
        self._changed = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None

    def start(self) -> CopiesInBackground:
        self._thread = threading.Thread(target=self._run, name="copies-refresh", daemon=True)
        self._thread.start()
        return self

    def use_in_this_thread(self) -> None:
        """The copy refreshes of commits made by the calling thread go to this one."""
        _pending.background = self

    def stop(self, timeout: float = 30.0) -> None:
        with self._changed:
            self._stopping = True
            self._changed.notify()
        if self._thread is not None:
            self._thread.join(timeout)

    def add(self, record_ids: Iterable[int]) -> None:
        with self._changed:
            self._ids.update(record_ids)
            self._changed.notify()

    def _run(self) -> None:
        try:
            while batch := self._next_batch():
                self._refresh(batch)
        finally:
            connection.close()

    def _next_batch(self) -> list[int]:
        """The records to refresh next (a moment after the first of them came, so that the
        batch gathers its neighbours); empty when stopping with nothing left."""
        with self._changed:
            while not self._ids and not self._stopping:
                self._changed.wait()
        if not self._stopping:
            time.sleep(self.pause)
        with self._changed:
            batch, self._ids = sorted(self._ids), set()
        return batch

    def _refresh(self, record_ids: list[int]) -> None:
        close_old_connections()
        try:
            copies_reindex(record_ids)
        except Exception:
            log.exception("The search index missed %d records (first %s): run libcity "
                          "reindex", len(record_ids), record_ids[:10])  # fmt: skip
            connection.close()  # a broken connection is not kept for the next batch


def records_reindex(
    record_ids: Iterable[int], *, batch: int = 2000,
    documents: dict[int, SearchDocument] | None = None,
) -> None:  # fmt: skip
    """Rebuild the search documents of these records, ``batch`` at a time, in one
    transaction; ids with no record leave the index. ``documents``: those already known,
    by record id (the others are read from the catalogue)."""
    ids = sorted({int(i) for i in record_ids})
    documents = documents or {}
    with transaction.atomic():
        for start in range(0, len(ids), batch):
            part = ids[start : start + batch]
            unknown = [pk for pk in part if pk not in documents]
            read = record_documents(unknown) if unknown else []
            docs = sorted([*read, *(documents[pk] for pk in part if pk in documents)],
                          key=lambda doc: doc.record_id)  # fmt: skip
            index_documents(docs)
            index_delete(set(unknown) - {doc.record_id for doc in read})


def copies_reindex(record_ids: list[int]) -> None:
    """Rewrite the copy facets of these records; a record the index does not hold yet (or
    no longer a record) gets the full treatment of ``records_reindex``."""
    with transaction.atomic():
        docs = copy_documents(record_ids)
        missing = index_copies(docs)
        gone = set(record_ids) - {doc.record_id for doc in docs}
    if missing or gone:
        records_reindex(sorted(set(missing) | gone))


def reindex_all(
    *, batch: int = 2000, clear: bool = False, progress: Callable[[int, int], None] | None = None
) -> int:
    """Rebuild the whole index, ``batch`` records a transaction, in id order; then drop
    entries whose record is gone and tidy the index (``index_optimize``). ``clear`` empties the
    index first (searches see a partial index meanwhile); without it the old entries answer
    until replaced. ``progress(done, total)`` is called after each batch. Returns the number
    of records indexed."""
    if clear:
        index_clear()
    total, done, last = Record.objects.count(), 0, 0
    while ids := list(
        Record.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch]
    ):
        with transaction.atomic():
            index_documents(record_documents(ids))
        done, last = done + len(ids), ids[-1]
        if progress is not None:
            progress(done, total)
    _prune(batch)
    index_optimize()
    return done


def _prune(batch: int) -> None:
    """Take out of the index the ids that no longer name a record."""
    after = 0
    while page := index_ids(after=after, limit=batch):
        kept = set(Record.objects.filter(pk__in=page).values_list("pk", flat=True))
        index_delete(set(page) - kept)
        after = page[-1]


# ------------------------------------------------------------------------ the documents


def record_documents(record_ids: list[int]) -> list[SearchDocument]:
    """The search documents of these records: three queries whatever their number (the
    records, their copies with the units they stand at, the districts of those units)."""
    records = Record.objects.filter(pk__in=record_ids).defer("marc_source").order_by("pk")
    by_record, districts = _copies(record_ids)
    return [_document(record, by_record.get(record.pk, []), districts) for record in records]


def copy_documents(record_ids: list[int]) -> list[SearchDocument]:
    """Documents holding only the copy facets of these records (for ``index_copies``): two
    queries whatever their number, a third when some have no copy left (do they still
    name a record?)."""
    by_record, districts = _copies(record_ids)
    bare = [pk for pk in record_ids if pk not in by_record]
    kept = set(by_record)
    if bare:
        kept |= set(Record.objects.filter(pk__in=bare).values_list("pk", flat=True))
    return [SearchDocument(record_id=pk, **_copy_facets(by_record.get(pk, []), districts))
            for pk in sorted(kept)]  # fmt: skip


def _copies(record_ids: list[int]) -> tuple[dict[int, list[tuple]], dict[str, str]]:
    """The copies of these records (withdrawn ones left out), by record, and the district
    of every unit they stand at."""
    copies = (
        Item.objects.filter(record_id__in=record_ids)
        .exclude(status=ItemStatus.WITHDRAWN)
        .values_list("record_id", "item_type", "status", "location__code", "location__path")
    )
    by_record: dict[int, list[tuple]] = defaultdict(list)
    for record_id, *copy in copies:
        by_record[record_id].append(copy)
    return by_record, districts_of({copy[3] for found in by_record.values() for copy in found})


def districts_of(paths: set[str]) -> dict[str, str]:
    """For each unit path (``/1/5/23/``), the code of its deepest ancestor-or-self of tier
    district ('' when none): one query for every unit involved."""
    chains = {path: [int(p) for p in path.strip("/").split("/") if p] for path in paths}
    wanted = {pk for chain in chains.values() for pk in chain}
    codes = dict(
        Unit.objects.filter(pk__in=wanted, tier=UnitTier.DISTRICT).values_list("pk", "code")
    )
    return {
        path: next((codes[pk] for pk in reversed(chain) if pk in codes), "")
        for path, chain in chains.items()
    }


def _document(record: Record, copies: list[tuple], districts: dict[str, str]) -> SearchDocument:
    return SearchDocument(
        record_id=record.pk, **document_text(vars(record)), **_copy_facets(copies, districts)
    )


def document_text(columns: dict) -> dict:
    """The text and record facets of a record's search document, from its columns (a
    ``Record``'s, or those about to be written)."""
    isbns = [columns["isbn"], *columns["isbns"]] if columns["isbn"] else list(columns["isbns"])
    return {
        "title": _lines(columns["title"], *columns["alt_titles"]),
        "author": _lines(*columns["authors"], *columns["alt_authors"], columns["responsibility"]),
        "subject": _lines(*columns["subjects"]),
        "publisher": columns["publisher"],
        "isbn": _lines(*isbns),
        "clc": columns["clc"],
        "other": columns["place"],
        "year": columns["year"],
        "language": columns["language"],
        "clc_top": columns["clc_top"],
    }


def new_record_document(
    record_id: int, columns: dict, copies: list[tuple], districts: dict[str, str],
    analysed: dict[str, str] | None = None,
) -> SearchDocument:  # fmt: skip
    """The search document of a record just written from ``columns``, with these copies
    (``(item_type, status, unit code, unit path)`` each) and, when already known, its
    analysed text (``SearchDocument.analysed``)."""
    return SearchDocument(record_id=record_id, **document_text(columns),
                          **_copy_facets(copies, districts), tokens=analysed)  # fmt: skip


def _copy_facets(copies: list[tuple], districts: dict[str, str]) -> dict[str, list[str]]:
    on_shelf = [c for c in copies if c[1] == ItemStatus.AVAILABLE]
    return {
        "item_types": sorted({c[0] for c in copies}),
        "units": sorted({c[2] for c in copies}),
        "districts": sorted({districts[c[3]] for c in copies} - {""}),
        "available_units": sorted({c[2] for c in on_shelf}),
        "available_districts": sorted({districts[c[3]] for c in on_shelf} - {""}),
    }


def _lines(*values) -> str:
    """Values one a line, each once, blanks dropped (a text field of a SearchDocument)."""
    found = (str(v).strip() for v in values if v is not None)
    return "\n".join(dict.fromkeys(v for v in found if v))
