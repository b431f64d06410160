"""The copies-only refresh of the search index (``indexing.copies_only``, ``copies_changed``):
after a copy moves, the index must say what a full reindex would say, text untouched.

Run on both backends (SQLite: ``search_entry`` and ``search_value``; PostgreSQL: the arrays
of ``search_document``).
"""

from __future__ import annotations

import pytest

from libcity.catalogue import indexing
from libcity.catalogue.data import RecordData
from libcity.catalogue.models import Item, ItemStatus
from libcity.catalogue.services import item_add, item_transition, record_create, record_update
from libcity.search.index import index_clear, index_delete, search
from libcity.search.query import SearchRequest

pytestmark = pytest.mark.django_db
AVAILABLE = ItemStatus.AVAILABLE


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def book(tiny_city, committed):
    """红楼梦 with a copy on the shelf at b1 and one on loan at b2."""
    index_clear()
    with committed():
        record = record_create(data=RecordData(title="红楼梦", authors=["曹雪芹"], year=1982))
        here = item_add(record=record, barcode="K0001", owner=tiny_city.b1, status=AVAILABLE)
        there = item_add(record=record, barcode="K0002", owner=tiny_city.b2, status=AVAILABLE)
        item_transition(item=there, to_status=ItemStatus.ON_LOAN)
    return record, here, there


def view(**options) -> tuple:
    """What searches see: the matches and their facets."""
    result = search(SearchRequest(page_size=100, **options))
    return sorted(result.ids), result.facets


def everything() -> list[tuple]:
    return [
        view(),
        view(q="红楼梦"),
        view(available_now=True),
        view(available_now=True, units=["b1"]),
        view(available_now=True, units=["r1"]),
        view(available_now=True, districts=["d1"]),
        view(available_now=True, districts=["d2"]),
        view(units=["r1"]),
    ]


def test_moves_refresh_the_copy_facets_as_a_full_reindex_would(book, tiny_city, committed):
    record, here, there = book
    with committed(), indexing.copies_only():
        item_transition(item=here, to_status=ItemStatus.ON_LOAN, location=tiny_city.r1)
        item_transition(item=there, to_status=ItemStatus.AVAILABLE, location=tiny_city.r1)
    refreshed = everything()
    assert view(available_now=True, units=["r1"])[0] == [record.pk]
    assert view(available_now=True, units=["b1"])[0] == []
    with committed():
        indexing.records_changed([record.pk])
    assert everything() == refreshed


def test_the_text_is_kept_and_not_analysed_again(book, committed, monkeypatch):
    record, here, _there = book
    monkeypatch.setattr(indexing, "record_documents", lambda ids: pytest.fail("full reindex"))
    with committed(), indexing.copies_only():
        item_transition(item=here, to_status=ItemStatus.ON_LOAN)
    assert view(q="曹雪芹")[0] == [record.pk]
    assert view(available_now=True)[0] == []
    Item.objects.filter(pk=here.pk).update(status=AVAILABLE)  # behind the services' back
    with committed():
        indexing.copies_changed([record.pk])
    assert view(available_now=True)[0] == [record.pk]


def test_a_record_the_index_does_not_hold_is_indexed_in_full(book, committed):
    record, here, _there = book
    index_delete([record.pk])
    with committed(), indexing.copies_only():
        item_transition(item=here, to_status=ItemStatus.ON_LOAN)
    assert view(q="红楼梦")[0] == [record.pk]
    assert view(available_now=True)[0] == []


def test_a_text_change_in_the_same_transaction_still_reindexes_the_text(book, committed):
    record, here, _there = book
    with committed():
        record_update(record=record, data=RecordData(title="石头记", authors=["曹雪芹"]))
        with indexing.copies_only():
            item_transition(item=here, to_status=ItemStatus.ON_LOAN)
    assert view(q="石头记")[0] == [record.pk]
    assert view(q="红楼梦")[0] == []
    assert view(available_now=True)[0] == []


def test_copies_only_ends_with_its_block(book, committed):
    record, _here, _there = book
    with indexing.copies_only():
        pass
    with committed():
        record_update(record=record, data=RecordData(title="石头记"))
    assert view(q="石头记")[0] == [record.pk]


def _index_row_versions(record_id: int):
    """Something that changes whenever the index rewrites this record's copy facets: the
    SQLite connection's count of changed rows; the PostgreSQL row's ``ctid`` (an UPDATE
    makes a new row version even with the same values)."""
    from django.db import connection

    if connection.vendor == "sqlite":
        connection.ensure_connection()
        return connection.connection.total_changes
    with connection.cursor() as cursor:
        cursor.execute("SELECT ctid::text FROM search_document WHERE record_id = %s",
                       [record_id])  # fmt: skip
        return cursor.fetchone()[0]


def test_a_refresh_that_changes_no_facet_writes_nothing(book, tiny_city, committed):
    """Most loans and returns leave a title's facets as they were (another copy stands
    at the unit): the index row is then not written again."""
    record, _here, _there = book
    before, version = everything(), _index_row_versions(record.pk)
    with committed():
        indexing.copies_changed([record.pk])  # nothing moved
    assert _index_row_versions(record.pk) == version
    assert everything() == before


def test_an_available_unit_alone_changing_is_written(book, tiny_city, committed):
    """Only ``available_unit`` changes (the title stays available somewhere, the same
    units hold copies): the index must still follow."""
    record, _here, there = book
    with committed(), indexing.copies_only():
        item_transition(item=there, to_status=ItemStatus.AVAILABLE)
    assert view(available_now=True, units=["b2"])[0] == [record.pk]
    with committed(), indexing.copies_only():
        item_transition(item=there, to_status=ItemStatus.ON_LOAN)
    assert view(available_now=True, units=["b2"])[0] == []
    assert view(available_now=True, units=["b1"])[0] == [record.pk]
