"""The window: a search reads at most ``count_cap`` matches, those of lowest record id, counts
them, ranks them, counts facets over them; newest first pages the whole match. The same on
both engines (these tests run on SQLite and on PostgreSQL), whatever the order the index was
written in, whichever plan PostgreSQL takes.
"""

from __future__ import annotations

import random

import pytest
from django.db import connection

from libcity.search.backends import postgres
from libcity.search.documents import SearchDocument
from libcity.search.index import index_clear, index_documents, search
from libcity.search.query import SearchRequest

pytestmark = pytest.mark.django_db
YEARS = [2020, None, 1999, 2020, 2024, 1985, None, 2003, 2024, 2011, 1999, 2026]


def book(record_id: int, **fields) -> SearchDocument:
    """Every book has 中国 in its title; odd ids are in district d1, even ones in d2."""
    district = "d1" if record_id % 2 else "d2"
    defaults = {
        "title": f"中国 第{record_id}册",
        "year": YEARS[(record_id - 1) % len(YEARS)],
        "units": [f"u{record_id % 3}"],
        "districts": [district],
        "language": "chi",
    }
    return SearchDocument(record_id=record_id, **{**defaults, **fields})


PLANS = ["walk", "walk then index", "index"] if connection.vendor == "postgresql" else ["any"]


@pytest.fixture(params=PLANS)
def plan(request, monkeypatch):
    """On PostgreSQL, each way of reading the window: walking the primary key (the text
    taken for common), the same for a row or two then the GIN index for the rest, the GIN
    index alone."""
    if request.param != "any":
        monkeypatch.setattr(postgres, "_DENSE", 10**9 if request.param == "index" else 0)
    if request.param == "walk then index":
        monkeypatch.setattr(postgres, "_WALK", 0.1)
    return request.param


@pytest.fixture
def shelf(plan):
    """Twelve books written in a shuffled order, one at a time (PostgreSQL's heap then holds
    them out of record-id order)."""
    index_clear()
    ids = list(range(1, 13))
    random.Random(4).shuffle(ids)
    for record_id in ids:
        index_documents([book(record_id)])
    return ids


def newest_order(ids):
    years = {i: YEARS[(i - 1) % len(YEARS)] for i in ids}
    return sorted(ids, key=lambda i: (years[i] is None, -(years[i] or 0), -i))


def test_a_match_within_the_cap_is_counted_exactly(shelf):
    result = search(SearchRequest(q="中国", count_cap=12))
    assert (result.count, result.count_exact, result.facets_exact) == (12, True, True)


def test_a_match_beyond_the_cap_is_counted_as_more_than_the_cap(shelf):
    result = search(SearchRequest(q="中国", count_cap=5))
    assert (result.count, result.count_exact, result.facets_exact) == (5, False, False)
    browse = search(SearchRequest(count_cap=11))
    assert (browse.count, browse.count_exact) == (11, False)


def test_facets_count_the_window_of_lowest_record_ids(shelf):
    result = search(SearchRequest(q="中国", count_cap=5))
    assert result.facets["district"] == [("d1", 3), ("d2", 2)]  # ids 1 to 5
    assert result.facets["unit"] == [("u1", 2), ("u2", 2), ("u0", 1)]
    assert search(SearchRequest(q="中国", count_cap=5, facet_cap=2)).facets["district"] == [
        ("d1", 1),
        ("d2", 1),
    ]


def test_relevance_ranks_the_window(shelf):
    result = search(SearchRequest(q="中国", count_cap=5, page_size=100))
    assert sorted(result.ids) == [1, 2, 3, 4, 5]
    assert search(SearchRequest(q="中国", count_cap=5, page=2, page_size=3)).ids == result.ids[3:]


def test_relevance_prefers_a_title_match_within_the_window(plan):
    index_clear()
    index_documents([book(i, title="海洋", subject="森林") for i in (1, 2, 3)])
    index_documents([book(4, title="森林")])
    assert search(SearchRequest(q="森林")).ids[0] == 4
    assert 4 not in search(SearchRequest(q="森林", count_cap=2)).ids  # outside the window


@pytest.mark.parametrize("cap", [1, 4, 100])
def test_newest_first_pages_the_whole_match_whatever_the_cap(shelf, cap):
    pages = [search(SearchRequest(q="中国", sort="newest", count_cap=cap, page=n, page_size=5))
             for n in (1, 2, 3, 4)]  # fmt: skip
    assert [i for page in pages for i in page.ids] == newest_order(range(1, 13))


@pytest.mark.parametrize("cap", [1, 100])
@pytest.mark.parametrize(
    ("options", "wanted"),
    [
        ({"districts": ["d1"]}, lambda i: i % 2 == 1),
        ({"units": ["u0"]}, lambda i: i % 3 == 0),
        ({"year_from": 2000, "year_to": 2024},
         lambda i: YEARS[i - 1] is not None and 2000 <= YEARS[i - 1] <= 2024),
        ({"q": "", "districts": ["d2"]}, lambda i: i % 2 == 0),
    ],
)  # fmt: skip
def test_newest_first_with_filters_beyond_the_cap(shelf, cap, options, wanted):
    request = SearchRequest(**{"q": "中国", **options}, sort="newest", count_cap=cap)
    assert search(request).ids == newest_order([i for i in range(1, 13) if wanted(i)])


def test_a_query_without_terms_browses_newest_first_beyond_the_cap(shelf):
    assert search(SearchRequest(count_cap=3)).ids == newest_order(range(1, 13))


def test_the_window_is_the_same_whatever_the_write_order(plan):
    """Written in reverse, one at a time, then rewritten: the window is still ids 1 to 4."""
    index_clear()
    for record_id in range(12, 0, -1):
        index_documents([book(record_id)])
    index_documents([book(2), book(3)])
    result = search(SearchRequest(q="中国", count_cap=4, page_size=100))
    assert sorted(result.ids) == [1, 2, 3, 4]
    assert result.facets["district"] == [("d1", 2), ("d2", 2)]
