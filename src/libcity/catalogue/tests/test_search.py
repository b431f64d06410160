"""Catalogue search end to end: records and copies made through the services, the index
following each commit, searches through ``libcity.search.index``.

The same tests run on SQLite (FTS5) and on PostgreSQL (tsvector + GIN): both backends must
give the same answers.
"""

from __future__ import annotations

from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from libcity.catalogue import indexing
from libcity.catalogue.data import RecordData
from libcity.catalogue.models import ItemStatus
from libcity.catalogue.services import item_add, item_transition, record_create, record_update
from libcity.search import backends
from libcity.search.documents import SearchDocument
from libcity.search.index import index_clear, index_documents, index_ids, search
from libcity.search.query import FACETS, SearchRequest, parse_query

pytestmark = pytest.mark.django_db
AVAILABLE, ON_LOAN = ItemStatus.AVAILABLE, ItemStatus.ON_LOAN


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a block and its on-commit callbacks (the index follows commits)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def shelf(tiny_city, committed):
    """Five records. Copies: festival at b1 (on the shelf) and r1 (on loan, children's);
    Hongloumeng at b2 and central; Éloïse at r1 (foreign); the history at b1, on loan;
    the Python book has none. d1 holds b1 and r1, d2 holds b2; central is in no district."""
    index_clear()  # whatever other tests left behind
    city = tiny_city
    barcodes = iter(f"T{n:05d}" for n in range(1, 1000))

    def record(title, copies=(), **data):
        with committed():
            made = record_create(data=RecordData(title=title, **data))
            for unit, status, *kind in copies:
                item_type = kind[0] if kind else "book"
                item = item_add(record=made, barcode=next(barcodes), owner=unit,
                                item_type=item_type, status=AVAILABLE)  # fmt: skip
                if status != AVAILABLE:
                    item_transition(item=item, to_status=status)
        return made

    s = SimpleNamespace(city=city, record=record)
    s.festival = record(
        "图说中国节", [(city.b1, AVAILABLE), (city.r1, ON_LOAN, "children")],
        authors=["李露露"], subjects=["节日—风俗习惯—中国"], publisher="江苏人民出版社",
        year=2005, language="chi", clc="K892.1",
    )  # fmt: skip
    s.hongloumeng = record(
        "红楼梦", [(city.b2, AVAILABLE), (city.central, AVAILABLE)],
        authors=["曹雪芹", "高鹗"], publisher="人民文学出版社", year=1982, language="chi",
        clc="I242.4", isbns=["9787020002207"],
    )  # fmt: skip
    s.eloise = record(
        "Éloïse à Paris", [(city.r1, AVAILABLE, "foreign")],
        authors=["Kay Thompson"], year=1957, language="eng", clc="I712.85",
    )  # fmt: skip
    s.history = record(
        "中国通史", [(city.b1, ON_LOAN)],
        authors=["范文澜"], subjects=["中国—历史"], year=2008, language="chi", clc="K20",
    )  # fmt: skip
    s.python = record(
        "Python编程：从入门到实践", authors=["Eric Matthes"], year=2016, language="chi",
        clc="TP311.561",
    )  # fmt: skip
    return s


def found(q="", **options) -> set[int]:
    return set(search(SearchRequest(q=q, page_size=100, **options)).ids)


def ids(*records) -> set[int]:
    return {r.pk for r in records}


def test_the_backend_follows_the_database():
    assert backends.current().vendor == connection.vendor


# --------------------------------------------------------------------------- Chinese, pinyin


def test_chinese_is_found_by_word(shelf):
    assert found("中国") == ids(shelf.festival, shelf.history)
    assert found("中国 通史") == ids(shelf.history)
    assert found("红楼梦") == ids(shelf.hongloumeng)


def test_a_single_character_finds_the_words_holding_it(shelf):
    assert found("曹") == ids(shelf.hongloumeng)
    assert found("国") == ids(shelf.festival, shelf.history)


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("tushuo", {"festival"}),
        ("zhongguo", {"festival", "history"}),
        ("tushuozhongguojie", {"festival"}),
        ("tszgj", {"festival"}),
        ("TuShuo", {"festival"}),
        ("caoxueqin", {"hongloumeng"}),
        ("cxq", {"hongloumeng"}),
    ],
)
def test_pinyin_and_initials_find_the_chinese(shelf, q, expected):
    assert found(q) == ids(*(getattr(shelf, name) for name in expected))


@pytest.mark.parametrize(
    ("q", "expected"),
    [("tush", {"festival"}), ("hongl", {"hongloumeng"}), ("tszg", {"festival"}),
     ("zhongg", {"festival", "history"}), ("图说中", {"festival"})],
)  # fmt: skip
def test_the_last_word_is_a_prefix(shelf, q, expected):
    assert found(q) == ids(*(getattr(shelf, name) for name in expected))


def test_only_the_last_word_is_a_prefix(shelf):
    assert found("tush zhongguo") == set()
    assert found("zhongguo tush") == ids(shelf.festival)


# ----------------------------------------------------------------------- English, ISBN


@pytest.mark.parametrize("q", ["eloise", "ÉLOÏSE", "Eloïse", "eloise paris", "PARIS"])
def test_latin_text_ignores_case_and_diacritics(shelf, q):
    assert found(q) == ids(shelf.eloise)


def test_mixed_script_titles_are_found_by_both_parts(shelf):
    assert found("python") == ids(shelf.python)
    assert found("python 编程") == ids(shelf.python)
    assert found("rumen") == ids(shelf.python)


@pytest.mark.parametrize(
    "q",
    ["9787020002207", "978-7-02-000220-7", "7-02-000220-X", "702000220x", "7-02-000220-x",
     "isbn:978-7-02-000220-7", "isbn:702000220X"],
)  # fmt: skip
def test_an_isbn_is_found_in_either_form_with_or_without_hyphens(shelf, q):
    assert found(q) == ids(shelf.hongloumeng)


def test_an_isbn_prefix_in_the_isbn_field(shelf):
    assert found("isbn:97870200") == ids(shelf.hongloumeng)
    assert found("isbn:9999") == set()


# ----------------------------------------------------------------------- fields, phrases


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("title:中国", {"festival", "history"}),
        ("title:paris", {"eloise"}),
        ("author:曹雪芹", {"hongloumeng"}),
        ("author:thompson", {"eloise"}),
        ("author:中国", set()),
        ("subject:历史", {"history"}),
        ("subject:节日", {"festival"}),
        ("publisher:人民文学", {"hongloumeng"}),
        ("class:K", {"festival", "history"}),
        ("class:k89", {"festival"}),
        ("class:I2", {"hongloumeng"}),
        ("class:I", {"hongloumeng", "eloise"}),
        ("class:TP311.5", {"python"}),
        ("class:I3", set()),
        ('title:"图说 中国"', {"festival"}),
        ("title:中国 class:K2", {"history"}),
        ("中国 author:范文澜", {"history"}),
    ],
)
def test_fielded_queries(shelf, q, expected):
    assert found(q) == ids(*(getattr(shelf, name) for name in expected))


def test_phrases_keep_their_words_together_and_in_order(shelf):
    assert found('"图说 中国"') == ids(shelf.festival)
    assert found('"中国 图说"') == set()
    assert found('"eloise a paris"') == ids(shelf.eloise)
    assert found('"paris eloise"') == set()


def test_an_unknown_field_is_plain_words(shelf):
    assert found("foo:中国") == set()  # foo is a word no record has
    assert found("paris:eloise") == ids(shelf.eloise)


# ------------------------------------------------------------------------ facets, filters


def test_facets_count_the_whole_match(shelf):
    result = search(SearchRequest(q="", page_size=1))
    assert result.count == 5 and len(result.ids) == 1
    assert result.facets == {
        "district": [("d1", 3), ("d2", 1)],
        "unit": [("b1", 2), ("r1", 2), ("b2", 1), ("central", 1)],
        "available_now": [("true", 3), ("false", 2)],
        "clc_top": [("I", 2), ("K", 2), ("T", 1)],
        "language": [("chi", 4), ("eng", 1)],
        "decade": [("2000", 2), ("1950", 1), ("1980", 1), ("2010", 1)],
        "item_type": [("book", 3), ("children", 1), ("foreign", 1)],
    }
    assert result.facets_exact


def test_facets_follow_the_query_and_the_top_n(shelf):
    result = search(SearchRequest(q="中国", facet_limit=1))
    assert result.count == 2
    assert result.facets["unit"] == [("b1", 2)]
    assert result.facets["clc_top"] == [("K", 2)]
    assert result.facets["available_now"] == [("false", 1)]  # 1 vs 1: the value decides


def test_no_match_names_every_facet_empty(shelf):
    result = search(SearchRequest(q="nothing-like-this"))
    assert (result.count, result.ids) == (0, [])
    assert result.facets == {name: [] for name in FACETS}
    assert search(SearchRequest(q="中国", with_facets=False)).facets == {}


def test_facets_over_a_large_match_count_a_sample(shelf):
    """Above the cap, facets count the matches of lowest id (the same on both engines)."""
    result = search(SearchRequest(facet_cap=2))
    assert result.count == 5 and not result.facets_exact
    assert result.facets["language"] == [("chi", 2)]  # the festival and Hongloumeng
    assert result.facets["unit"] == [("b1", 1), ("b2", 1), ("central", 1), ("r1", 1)]


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"districts": ["d1"]}, {"festival", "eloise", "history"}),
        ({"districts": ["d2"]}, {"hongloumeng"}),
        ({"units": ["central"]}, {"hongloumeng"}),
        ({"units": ["r1", "b2"]}, {"festival", "eloise", "hongloumeng"}),
        ({"units": ["b1"], "districts": ["d2"]}, set()),
        ({"clc_top": ["k"]}, {"festival", "history"}),
        ({"languages": ["eng"]}, {"eloise"}),
        ({"item_types": ["foreign", "children"]}, {"eloise", "festival"}),
        ({"year_from": 2000, "year_to": 2010}, {"festival", "history"}),
        ({"year_from": 2010}, {"python"}),
        ({"year_to": 1960}, {"eloise"}),
        ({"available_now": True}, {"festival", "hongloumeng", "eloise"}),
        ({"available_now": True, "units": ["r1"]}, {"eloise"}),
        ({"available_now": True, "districts": ["d1"]}, {"festival", "eloise"}),
        ({"units": ["nowhere"]}, set()),
    ],
)
def test_filters(shelf, options, expected):
    assert found(**options) == ids(*(getattr(shelf, name) for name in expected))


def test_filters_and_words_together(shelf):
    assert found("中国", districts=["d1"], available_now=True) == ids(shelf.festival)
    assert found("zhongguo", year_from=2006) == ids(shelf.history)


def test_availability_follows_the_item_status(shelf, committed):
    assert found("中国", available_now=True) == ids(shelf.festival)
    copy = shelf.history.items.get()
    with committed():
        item_transition(item=copy, to_status=AVAILABLE)
    assert found("中国", available_now=True) == ids(shelf.festival, shelf.history)
    assert found(units=["b1"], available_now=True) == ids(shelf.festival, shelf.history)
    with committed():
        item_transition(item=copy, to_status=ItemStatus.MISSING)
    assert found("中国", available_now=True) == ids(shelf.festival)


def test_withdrawn_copies_leave_the_facets(shelf, committed):
    with committed():
        for copy in shelf.hongloumeng.items.filter(location=shelf.city.central):
            item_transition(item=copy, to_status=ItemStatus.WITHDRAWN)
    assert found(units=["central"]) == set()
    assert found(units=["b2"]) == ids(shelf.hongloumeng)


def test_a_moved_copy_is_found_where_it_stands(shelf, committed):
    copy = shelf.eloise.items.get()
    with committed():
        item_transition(item=copy, to_status=ItemStatus.IN_TRANSIT, location=shelf.city.b2)
    assert found(units=["r1"]) == ids(shelf.festival)
    assert found(districts=["d2"]) == ids(shelf.hongloumeng, shelf.eloise)


# ------------------------------------------------------------------ order and pagination


def test_newest_first(shelf):
    order = [shelf.python, shelf.history, shelf.festival, shelf.hongloumeng, shelf.eloise]
    assert search(SearchRequest(sort="newest")).ids == [r.pk for r in order]
    assert search(SearchRequest(q="", sort="relevance")).ids == [r.pk for r in order]
    assert search(SearchRequest(q="zhongguo", sort="newest")).ids == [
        shelf.history.pk,
        shelf.festival.pk,
    ]


def test_a_record_without_a_year_comes_last_when_newest_first(shelf):
    undated = shelf.record("无年代的书")
    assert search(SearchRequest(sort="newest")).ids[-1] == undated.pk


def test_relevance_puts_a_title_match_before_a_subject_match(shelf):
    forest = shelf.record("森林", year=1990)
    sea = shelf.record("海洋", subjects=["森林"], year=2020)
    assert search(SearchRequest(q="森林")).ids == [forest.pk, sea.pk]
    assert search(SearchRequest(q="森林", sort="newest")).ids == [sea.pk, forest.pk]


def test_pages(shelf):
    pages = [search(SearchRequest(sort="newest", page=n, page_size=2)) for n in (1, 2, 3, 4)]
    assert [len(p.ids) for p in pages] == [2, 2, 1, 0]
    assert {p.count for p in pages} == {5}
    assert [i for p in pages for i in p.ids] == search(SearchRequest(sort="newest")).ids


def test_page_numbers_and_sizes_are_kept_in_bounds(shelf):
    result = search(SearchRequest(page=0, page_size=1000, sort="sideways", facet_limit=0))
    assert (result.page, result.page_size, len(result.ids)) == (1, 100, 5)
    assert search(SearchRequest(page=10_000, page_size=100)).ids == []


# ---------------------------------------------------------------------------- hostile input


@pytest.mark.parametrize(
    "q",
    ['"', '""', '"""', "*", "**", "-", ":", "::", "a:b:c", "NEAR(", "NEAR(中国 图说, 2)", "AND",
     "OR", "NOT", "中国 AND", "中国 OR 图说", '"中国', '中国"', "title:", "title:\"", "class:",
     "isbn:", "(", ")", "{title}: 中国", "^中国", "中国*", "'", "\\", "%", "_", "%_%", "\x00",
     "'; DROP TABLE search_text; --", "title:* author:*", "x" * 1000, "中" * 1000,
     "tushuo " * 200, "", "   ", "\t\n", "🙂", "𠀀", "ﾃｽﾄ", "é" * 300],
)  # fmt: skip
def test_hostile_input_returns_cleanly(shelf, q):
    result = search(SearchRequest(q=q))
    assert result.count >= 0 and isinstance(result.ids, list)


#: Letters of several scripts, digits, ISBN hyphens, Han (with unassigned code points), and
#: the syntax characters of FTS5 and tsquery.
TEXT = st.text(
    st.sampled_from(
        list("aAéÉßx9０٣- \"'*:()&|!<>^{}+,.") + list("图说中国节红楼梦\u9fff𠀀〇テスЖ")
    )
    | st.characters(codec="utf-8"),
    max_size=40,
)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(text=TEXT)
def test_any_title_is_found_by_typing_it(tiny_city, text):
    """Both engines hold exactly the tokens of the analysis, and never choke on a query."""
    index_clear()
    index_documents([SearchDocument(record_id=1, title=text), SearchDocument(record_id=2)])
    result = search(SearchRequest(q=text))
    if parse_query(text):
        assert result.ids == [1]
    else:
        assert result.count == 2


def test_long_and_unknown_text_is_indexed_and_found(tiny_city):
    index_clear()
    rare, long_word = "𠀀𠀁𠀂" * 400, "x" * 3000
    index_documents(
        [SearchDocument(record_id=1, title=rare + " " + long_word, other="中" * 20_000)]
    )
    assert found("𠀁𠀂𠀀") == found(long_word) == found("中中中") == {1}


def test_syntax_characters_are_text(shelf):
    assert found('"中国') == ids(shelf.festival, shelf.history)
    assert found("中国 AND 通史") == set()  # 'and' is a word no record has
    assert found("*中国*") == ids(shelf.festival, shelf.history)
    assert found("-中国") == ids(shelf.festival, shelf.history)


def test_an_empty_query_browses_everything(shelf):
    assert (
        found("")
        == found("  ")
        == found('"')
        == ids(shelf.festival, shelf.hongloumeng, shelf.eloise, shelf.history, shelf.python)
    )


# ----------------------------------------------------------------- freshness and reindex


def test_the_index_follows_record_updates(shelf, committed):
    with committed():
        record_update(record=shelf.python, data=RecordData(title="流畅的Python", year=2017))
    assert found("liuchang") == ids(shelf.python)
    assert found("rumen") == set()


def test_nothing_is_indexed_before_the_commit(shelf):
    record_create(data=RecordData(title="未提交的书"))  # on_commit callbacks never run here
    assert found("未提交") == set()


def test_an_import_reindexes_each_record_once(shelf, committed, monkeypatch):
    calls = []
    real = indexing.records_reindex
    monkeypatch.setattr(indexing, "records_reindex", lambda ids: calls.append(ids) or real(ids))
    with committed():
        made = record_create(data=RecordData(title="一本书"))
        for n in range(3):
            item_add(record=made, barcode=f"ONCE{n}", owner=shelf.city.b1, status=AVAILABLE)
    assert calls == [[made.pk]]
    assert found("yibenshu", units=["b1"]) == {made.pk}


def test_alternative_titles_and_authors_are_indexed(shelf, committed):
    """The original script of a romanised record (MARC 880) is found like the title."""
    romanised = shelf.record(
        "Hong lou meng", alt_titles=["红楼梦 (程乙本)"], authors=["Cao, Xueqin"],
        alt_authors=["曹霑"], language="chi", year=1792,
    )  # fmt: skip
    assert found("title:程乙本") == {romanised.pk}
    assert found("title:红楼梦") == ids(shelf.hongloumeng, romanised)
    assert found("author:caozhan") == {romanised.pk}
    assert found("author:xueqin") == {romanised.pk}


def test_reindex_all_rebuilds_after_a_clear(shelf):
    everything = found()
    index_clear()
    assert found() == set() and search(SearchRequest(q="中国")).count == 0
    seen = []
    assert indexing.reindex_all(batch=2, progress=lambda done, total: seen.append(done)) == 5
    assert seen == [2, 4, 5]
    assert found() == everything
    assert found("tszgj", available_now=True) == ids(shelf.festival)


def test_reindex_all_drops_entries_without_a_record(shelf):
    index_documents([SearchDocument(record_id=10_000_000, title="幽灵")])
    assert found("幽灵") == {10_000_000}
    indexing.reindex_all()
    assert found("幽灵") == set()
    assert index_ids() == sorted(found())


def test_records_reindex_takes_out_ids_without_a_record(shelf):
    index_documents([SearchDocument(record_id=10_000_001, title="幽灵")])
    indexing.records_reindex([10_000_001, shelf.festival.pk])
    assert found("幽灵") == set() and found("tszgj") == ids(shelf.festival)


def test_records_reindex_takes_many_ids_in_batches(shelf):
    index_clear()
    indexing.records_reindex([*range(100_000, 140_000), shelf.eloise.pk], batch=7000)
    assert found() == ids(shelf.eloise)


def test_the_reindex_command(shelf):
    index_clear()
    out, err = StringIO(), StringIO()
    call_command("reindex", "--batch", "2", stdout=out, stderr=err)
    assert found() == ids(
        shelf.festival, shelf.hongloumeng, shelf.eloise, shelf.history, shelf.python
    )
    assert "5 records" in out.getvalue()
    assert "5/5" in err.getvalue()
