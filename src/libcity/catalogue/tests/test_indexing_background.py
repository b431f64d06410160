"""Copy refreshes run in the background (``indexing.CopiesInBackground``): the threads that
ask leave them to it, which refreshes after their commits, in batches, and survives a
failure; the others still refresh at once. The refresher reads what the workers committed,
so these tests commit for real (``transaction=True``)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from libcity.catalogue import indexing
from libcity.catalogue.data import RecordData
from libcity.catalogue.models import ItemStatus
from libcity.catalogue.services import item_add, item_transition, record_create
from libcity.search.index import index_clear, search
from libcity.search.query import SearchRequest

pytestmark = pytest.mark.django_db(transaction=True)


def on_shelf() -> list[int]:
    return sorted(search(SearchRequest(page_size=100, available_now=True)).ids)


@pytest.fixture
def books(tiny_city):
    """Two titles, a copy of each on the shelf at b1 (indexed: committed at once)."""
    index_clear()
    copies = []
    for n, title in enumerate(("红楼梦", "西游记")):
        record = record_create(data=RecordData(title=title, year=1982))
        copies.append(item_add(record=record, barcode=f"K000{n}", owner=tiny_city.b1,
                               status=ItemStatus.AVAILABLE))  # fmt: skip
    assert on_shelf() == sorted(c.record_id for c in copies)
    return copies


def lend_in_a_worker(background, *copies) -> None:
    """Lend these copies from a worker thread that uses ``background``, one commit."""

    def work():
        background.use_in_this_thread()
        try:
            with transaction.atomic(), indexing.copies_only():
                for copy in copies:
                    item_transition(item=copy, to_status=ItemStatus.ON_LOAN)
        finally:
            connection.close()

    worker = threading.Thread(target=work, name="worker")
    worker.start()
    worker.join(10)


def test_a_workers_commits_are_refreshed_by_the_background_thread(books, monkeypatch):
    seen = []
    real = indexing.copies_reindex
    monkeypatch.setattr(indexing, "copies_reindex",
                        lambda ids: (seen.append((threading.current_thread().name, list(ids))),
                                     real(ids)))  # fmt: skip
    background = indexing.CopiesInBackground(pause=0.01).start()
    try:
        lend_in_a_worker(background, *books)
    finally:
        background.stop()
    assert seen == [("copies-refresh", sorted(c.record_id for c in books))]
    assert on_shelf() == []


def test_other_threads_still_refresh_at_once(books, monkeypatch):
    background = indexing.CopiesInBackground(pause=0.01).start()
    try:
        item_transition(item=books[0], to_status=ItemStatus.ON_LOAN)
        assert on_shelf() == [books[1].record_id]  # no wait: this thread did it
    finally:
        background.stop()


def test_a_failed_refresh_is_logged_and_the_next_batch_still_runs(books, monkeypatch, caplog):
    calls = []
    real = indexing.copies_reindex

    def flaky(ids):
        calls.append(list(ids))
        if len(calls) == 1:
            raise RuntimeError("the index is away")
        real(ids)

    monkeypatch.setattr(indexing, "copies_reindex", flaky)
    background = indexing.CopiesInBackground(pause=0.01).start()
    try:
        lend_in_a_worker(background, books[0])
        _wait_for(lambda: len(calls) == 1)
        lend_in_a_worker(background, books[1])
    finally:
        background.stop()
    assert calls == [[books[0].record_id], [books[1].record_id]]
    assert "The search index missed 1 records" in caplog.text
    assert on_shelf() == [books[0].record_id]  # the missed one: `libcity reindex` repairs it


def _wait_for(condition, seconds: float = 10.0) -> None:
    done = threading.Event()
    for _ in range(int(seconds / 0.01)):
        if condition():
            return
        done.wait(0.01)
    raise AssertionError("waited in vain")
