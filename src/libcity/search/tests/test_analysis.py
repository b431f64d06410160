"""The analysis chain, without a database: what the index stores and what a query looks for."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from libcity.search.analysis import (
    analyse,
    analyse_clc,
    clc_codes,
    fold,
    han_keys,
    isbn_compact,
    isbn_other_form,
    query_tokens,
    value_tokens,
)

TOKEN = re.compile(r"[^\W_]+")


def test_a_chinese_title_gives_words_pinyin_initials_pairs_and_characters():
    tokens = analyse("图说中国节").split()
    assert tokens[:3] == ["图说", "中国", "节"]  # reading order first
    for expected in ("tushuo", "zhongguo", "jie", "ts", "zg", "tushuozhongguojie", "tszgj",
                     "说中", "国节", "图", "说", "中", "国"):  # fmt: skip
        assert expected in tokens
    assert len(tokens) == len(set(tokens))


def test_search_segmentation_adds_the_shorter_words_and_their_pinyin():
    tokens = value_tokens("中华人民共和国")
    assert {"中华人民共和国", "人民", "共和国", "renmin", "gongheguo", "rm"} <= set(tokens)


def test_heteronyms_take_the_reading_of_their_word():
    assert "chongqing" in value_tokens("重庆")
    assert "yinhang" in value_tokens("银行")


def test_each_line_is_a_value_of_its_own():
    tokens = analyse("鲁迅\n许广平").split()
    assert "luxun" in tokens and "xuguangping" in tokens and "xgp" in tokens
    assert "luxunxuguangping" not in tokens


def test_latin_text_is_folded_and_split():
    assert analyse("Éloïse à PARIS, l'été 1957") == "eloise a paris l ete 1957"
    assert analyse("ﬁne Ｆｕｌｌ-width straße") == "fine full width strasse"


def test_mixed_text_keeps_both_parts():
    tokens = value_tokens("Python编程：从入门到实践")
    assert tokens[0] == "python" and "编程" in tokens and "rumen" in tokens


def test_isbns_in_both_forms_without_hyphens():
    assert value_tokens("978-7-02-000220-7") == ["9787020002207", "702000220x"]
    assert value_tokens("7-02-000220-X") == ["702000220x", "9787020002207"]
    assert query_tokens("7-02-000220-X") == ["702000220x"]
    assert query_tokens("ISBN 978-7-02-000220-7") == ["isbn", "9787020002207"]


def test_isbn_shapes_and_check_digits():
    assert isbn_compact("979-10-90636-07-1") == "9791090636071"
    assert isbn_other_form("9791090636071") is None  # 979 has no ISBN-10
    assert isbn_other_form("9787020002208") is None  # a wrong check digit
    assert isbn_compact("2019-2020") is None
    assert value_tokens("2019-2020") == ["2019", "2020"]


def test_han_keys():
    assert han_keys("节") == ["节"]
    assert han_keys("中国") == ["中国"]
    assert han_keys("人民出版社") == ["人民", "民出", "出版", "版社"]
    assert han_keys("中国", every=True) == ["中国", "中", "国"]


def test_clc_numbers_become_their_prefixes():
    assert analyse_clc("I247.5") == "i i2 i24 i247 i2475"
    assert clc_codes("TP311.56; K928") == ["tp31156", "k928"]
    assert analyse_clc("") == ""


@pytest.mark.parametrize("text", ["", "   ", "\n\n", "—", "🙂", "\x00"])
def test_nothing_to_index(text):
    assert analyse(text) == "" and query_tokens(text) == []


@given(st.text(max_size=80))
def test_tokens_are_only_letters_and_digits(text):
    """What reaches FTS5 and to_tsvector never holds syntax, spaces or punctuation."""
    for token in [*analyse(text).split(), *query_tokens(text), *analyse_clc(text).split()]:
        assert TOKEN.fullmatch(token), token


@given(st.text(max_size=80))
def test_what_a_query_looks_for_the_same_text_indexed_holds(text):
    indexed = set(analyse(text).split())
    for token in query_tokens(text):
        for key in han_keys(token) if "\u4e00" <= token[0] <= "\u9fff" else [token]:
            assert key in indexed


def test_fold():
    assert fold("ÉLOÏSE") == "eloise"
    assert fold(None) == ""
