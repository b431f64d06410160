"""The search room's interface: write documents into the index, read searches out of it.

The index lives in the same database as everything else, so it is written inside the caller's
transaction (the catalogue writes it after its own commit, see ``catalogue.indexing``).
"""

from __future__ import annotations

from collections.abc import Iterable

from libcity.search import backends
from libcity.search.documents import SearchDocument
from libcity.search.query import SearchRequest, SearchResult


def index_documents(docs: Iterable[SearchDocument]) -> int:
    """Put these documents in the index, replacing what it held for their records.
    Returns how many were written (a record given twice counts once: the last one wins)."""
    unique = list({doc.record_id: doc for doc in docs}.values())
    if unique:
        backends.current().write(unique)
    return len(unique)


def index_copies(docs: Iterable[SearchDocument]) -> list[int]:
    """Rewrite only the copy facets (item types, units, districts, where available) of
    records the index holds, keeping their text; returns the ids it does not hold."""
    unique = list({doc.record_id: doc for doc in docs}.values())
    return backends.current().write_copies(unique) if unique else []


def index_delete(record_ids: Iterable[int]) -> None:
    """Take these records out of the index (ids it does not hold are ignored)."""
    ids = sorted({int(i) for i in record_ids})
    if ids:
        backends.current().delete(ids)


def index_clear() -> None:
    """Empty the index."""
    backends.current().clear()


def index_optimize() -> None:
    """Tidy the index after a bulk load (a whole reindex): merge what the writes left in
    pieces and refresh the planner's statistics (best outside a transaction: PostgreSQL's
    VACUUM runs in none, so within one it only analyses)."""
    backends.current().optimize()


def index_ids(*, after: int = 0, limit: int = 10_000) -> list[int]:
    """The record ids the index holds, ascending, after ``after``: a page at a time."""
    return backends.current().ids(after, limit)


def search(request: SearchRequest) -> SearchResult:
    """The records matching ``request``: their number, one page of ids in order, facets."""
    return backends.current().search(request)
