"""The query language, without a database: terms, fields, prefixes, and the quoting of both
backends' syntax."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from libcity.search.backends.postgres import tsquery_term
from libcity.search.backends.sqlite import fts_term
from libcity.search.query import MAX_TERMS, SearchRequest, Term, parse_query


def terms(q):
    return [(t.tokens, t.field, t.phrase, t.prefix) for t in parse_query(q)]


def test_free_words_are_all_required_and_the_last_is_a_prefix():
    assert terms("tushuo zhong") == [(("tushuo",), None, False, False),
                                     (("zhong",), None, False, True)]  # fmt: skip


def test_han_words_look_for_their_keys_and_are_never_prefixes():
    assert terms("人民出版社") == [
        ((k,), None, False, False) for k in ("人民", "民出", "出版", "版社")
    ]
    assert terms("图说中") == [(("图说",), None, False, False), (("中",), None, False, False)]


def test_a_one_letter_last_word_is_not_a_prefix():
    assert terms("vitamin k") == [(("vitamin",), None, False, False), (("k",), None, False, False)]


def test_phrases():
    assert terms('"eloise a paris"') == [(("eloise", "a", "paris"), None, True, False)]
    assert terms('"图说 中国"') == [((k,), None, False, False) for k in ("图说", "说中", "中国")]
    assert terms('"python 编程"') == [(("python",), None, False, False),
                                      (("编程",), None, False, False)]  # fmt: skip


def test_a_phrase_joins_han_across_spaces_not_across_punctuation():
    assert terms('"图说 中国"') == terms('"图说中国"')
    assert terms('"中国·图说"') == [
        (("中国",), None, False, False),
        (("图说",), None, False, False),
    ]
    assert terms('"hello, big world"') == [(("hello",), None, False, False),
                                           (("big", "world"), None, True, False)]  # fmt: skip


def test_fields():
    assert terms("title:中国 author:Lu") == [(("中国",), "title", False, False),
                                             (("lu",), "author", False, True)]  # fmt: skip
    assert terms('TITLE:"a b"') == [(("a", "b"), "title", True, False)]
    assert terms("class:I247.5") == [(("i2475",), "clc", False, False)]
    assert terms("isbn:7-02-000220-X") == [(("702000220x",), "isbn", False, True)]
    assert terms("title：中国") == [(("中国",), "title", False, False)]  # a full-width colon


def test_unknown_fields_and_stray_syntax_are_words():
    assert terms("foo:bar") == [(("foo",), None, False, False), (("bar",), None, False, True)]
    assert terms("a:b:c") == [((x,), None, False, False) for x in "abc"]
    assert terms('"abc') == [(("abc",), None, False, True)]
    assert terms("NEAR(x, 2)") == [(("near",), None, False, False), (("x",), None, False, False),
                                   (("2",), None, False, False)]  # fmt: skip
    for q in ('"', "*", "-", ":", "()", "title:", "", "   "):
        assert parse_query(q) == []


def test_repeated_words_count_once_and_terms_are_capped():
    assert terms("a a a") == [(("a",), None, False, False)]
    assert len(parse_query(" ".join(f"w{n}" for n in range(100)))) == MAX_TERMS


@given(st.text(max_size=200))
def test_parsing_never_fails(text):
    for term in parse_query(text):
        assert term.tokens and all(term.tokens)


def test_both_dialects_quote_every_token():
    term = Term(('a"b', "c'd"), field="title", phrase=True, prefix=True)
    assert fts_term(term) == 'title : "a""b c\'d" *'
    assert tsquery_term(term) == "('a\"b' <-> 'c''d':*)"
    assert fts_term(Term(("near",))) == '"near"'
    assert tsquery_term(Term(("x\\",))) == "('x\\\\')"


def test_requests_keep_their_numbers_in_bounds():
    r = SearchRequest(page=-3, page_size=500, facet_limit=1000, sort="?", units=" b1 ")
    assert (r.page, r.page_size, r.facet_limit, r.sort, r.units) == (
        1,
        100,
        50,
        "relevance",
        ["b1"],
    )
    assert SearchRequest(page=101, page_size=100).limit == 0
    assert SearchRequest(clc_top=["k", "k"]).clc_top == ["K"]
    assert SearchRequest(units=["b1"], districts=["d1"]).availability_scope == ("unit", ["b1"])
    assert SearchRequest(districts=["d1"]).availability_scope == ("district", ["d1"])
    assert SearchRequest().availability_scope is None
