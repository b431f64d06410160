"""Search requests and results, and the small query language.

``parse_query`` turns what a person typed into ``Term``s made only of analysed tokens; the
backends quote every token themselves, so user text never reaches FTS5 or ``to_tsquery`` as
syntax. The language:

- free words, all required (AND): ``图说 中国``; a Han word is found wherever its characters
  stand together (``analysis.han_keys``), whatever the segmentation of the record;
- ``"quoted phrases"``: the words side by side, in order (Han characters written together
  must stand together; a Latin part and a Han part of one phrase are each kept whole);
- fields: ``title:`` ``author:`` ``subject:`` ``publisher:`` ``isbn:`` ``class:`` (a CLC
  prefix: ``class:K``, ``class:I2``), with a word or a quoted phrase (``title:"图说 中国"``);
  an unknown field (``foo:bar``) is read as plain words;
- the last word is also a prefix (``tush`` finds 图说 through its pinyin ``tushuo``) when it
  has two letters or digits or more; Han characters need no prefix (each one is indexed);
- anything else (unbalanced quotes, ``*``, ``-``, ``NEAR(``, ``AND``) is text, analysed like
  the rest; a query with no token left matches every record (browsing by facets).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import groupby

from django.conf import settings

from libcity.search.analysis import clc_codes, han_keys, is_han, query_tokens

#: The field names of the query language and the column each searches.
FIELDS = {
    "title": "title",
    "author": "author",
    "subject": "subject",
    "publisher": "publisher",
    "isbn": "isbn",
    "class": "clc",
}
#: The facets a result counts, in display order.
FACETS = ("district", "unit", "available_now", "clc_top", "language", "decade", "item_type")
RELEVANCE = "relevance"
NEWEST = "newest"
SORTS = (RELEVANCE, NEWEST)
MAX_QUERY_CHARS = 500
MAX_TERMS = 32
MAX_PAGE_SIZE = 100
#: No page reaches past this many results (deep pages cost; nobody reads them).
MAX_WINDOW = 10_000
MAX_FACET_VALUES = 50
#: A search reads at most this many matches, the ones of lowest record id (the same on both
#: engines): it counts them exactly up to here (past it the result says "more than N",
#: ``count_exact`` False), ranks them by relevance, and pages through them; a larger match is
#: ranked within these (newest first pages the whole match). ``settings.LIBCITY_SEARCH_COUNT_CAP``
#: changes the default.
COUNT_CAP = 1_000
#: Facets are counted over at most this many matches (exact below it, a sample above: the
#: matches of lowest record id, the same on both engines), and never past the count cap.
#: ``settings.LIBCITY_SEARCH_FACET_CAP`` changes the default.
FACET_MATCH_CAP = 1_000

_PUNCTUATION = re.compile(r"[^\w\s-]+")
_PIECE = re.compile(r'(?:(?P<field>\w+):)?(?:"(?P<phrase>[^"]*)"|(?P<word>[^\s"]+))|(?P<stray>")')


@dataclass(frozen=True)
class Term:
    """One required match: a token, or (``phrase``) tokens side by side, in ``field`` (a
    column name) or anywhere; ``prefix``: the last token may be the start of a longer one."""

    tokens: tuple[str, ...]
    field: str | None = None
    phrase: bool = False
    prefix: bool = False


@dataclass
class SearchRequest:
    q: str = ""
    districts: Sequence[str] = ()
    units: Sequence[str] = ()
    clc_top: Sequence[str] = ()
    languages: Sequence[str] = ()
    item_types: Sequence[str] = ()
    year_from: int | None = None
    year_to: int | None = None
    #: Only records with a copy on the shelf now: at one of ``units`` when given, else in one
    #: of ``districts`` when given, else anywhere.
    available_now: bool = False
    sort: str = RELEVANCE
    page: int = 1
    page_size: int = 20
    facet_limit: int = 10  # values per facet (top N by count)
    with_facets: bool = True
    facet_cap: int | None = None  # None: the default cap (see FACET_MATCH_CAP)
    count_cap: int | None = None  # None: the default cap (see COUNT_CAP)

    def __post_init__(self) -> None:
        self.page = max(1, int(self.page or 1))
        self.page_size = min(MAX_PAGE_SIZE, max(1, int(self.page_size or 20)))
        self.facet_limit = min(MAX_FACET_VALUES, max(1, int(self.facet_limit or 10)))
        cap = self.facet_cap or getattr(settings, "LIBCITY_SEARCH_FACET_CAP", FACET_MATCH_CAP)
        self.facet_cap = max(1, int(cap))
        cap = self.count_cap or getattr(settings, "LIBCITY_SEARCH_COUNT_CAP", COUNT_CAP)
        self.count_cap = max(1, int(cap))
        if self.sort not in SORTS:
            self.sort = RELEVANCE
        for name in ("districts", "units", "languages", "item_types"):
            setattr(self, name, _clean(getattr(self, name)))
        self.clc_top = [v.upper() for v in _clean(self.clc_top)]

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size

    @property
    def limit(self) -> int:
        """How many rows of this page may be shown (0 past ``MAX_WINDOW``)."""
        return max(0, min(self.page_size, MAX_WINDOW - self.offset))

    @property
    def availability_scope(self) -> tuple[str, list[str]] | None:
        """Where ``available_now`` looks: (``"unit"``, codes), (``"district"``, codes) or
        None for anywhere."""
        if self.units:
            return "unit", list(self.units)
        if self.districts:
            return "district", list(self.districts)
        return None


@dataclass
class SearchResult:
    #: The matches, exactly when ``count_exact``; else the count cap ("more than ``count``").
    count: int
    ids: list[int]  # the record ids of the page, in order
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    #: False when the match was larger than the request's ``facet_cap``: facets count a sample.
    facets_exact: bool = True
    page: int = 1
    page_size: int = 20
    #: False when more records matched than the request's ``count_cap``.
    count_exact: bool = True


def _clean(values: Sequence[str] | str | None) -> list[str]:
    if isinstance(values, str):
        values = [values]
    return list(dict.fromkeys(str(v).strip() for v in values or () if str(v).strip()))


def parse_query(text: str) -> list[Term]:
    """The terms of a query; never raises, whatever the text."""
    text = unicodedata.normalize("NFKC", text or "")[:MAX_QUERY_CHARS]
    terms: list[Term] = []
    last_is_word = False
    for match in _PIECE.finditer(text):
        if match["stray"] or _empty_field(match["word"]):
            continue
        name = (match["field"] or "").casefold()
        column = FIELDS.get(name)
        value = match["phrase"] if match["phrase"] is not None else match["word"]
        if name and column is None:  # an unknown field: its name is a plain word
            terms.extend(_terms(match["field"], None, phrase=False))
        found = _terms(value, column, phrase=match["phrase"] is not None)
        terms.extend(found)
        last_is_word = bool(found) and match["phrase"] is None and column != "clc"
    if last_is_word and len(terms[-1].tokens) == 1:
        token = terms[-1].tokens[0]
        if len(token) >= 2 and not is_han(token):
            terms[-1] = Term(terms[-1].tokens, terms[-1].field, prefix=True)
    return _unique(terms)[:MAX_TERMS]


def _empty_field(word: str | None) -> bool:
    """``title:`` with nothing after it (a query being typed): nothing to look for yet."""
    return bool(word) and word.endswith(":") and word[:-1].casefold() in FIELDS


def _terms(value: str, column: str | None, *, phrase: bool) -> list[Term]:
    if column == "clc":
        return [Term((code,), column) for code in clc_codes(value)]
    if not phrase:
        return [Term((key,), column) for token in query_tokens(value) for key in _keys(token)]
    terms = []
    for part in _PUNCTUATION.split(value):  # punctuation separates runs in the index too
        for han, group in groupby(query_tokens(part), key=is_han):
            group = list(group)
            if han:  # the pairs of the characters written together: side by side, in order
                terms.extend(Term((key,), column) for key in han_keys("".join(group)))
            else:
                terms.append(Term(tuple(group), column, phrase=len(group) > 1))
    return terms


def _keys(token: str) -> list[str]:
    return han_keys(token) if is_han(token) else [token]


def _unique(terms: list[Term]) -> list[Term]:
    """The terms once each (a repeated word adds nothing to AND), the prefix term kept."""
    seen: dict[tuple, Term] = {}
    for term in terms:
        key = (term.tokens, term.field, term.phrase)
        if key not in seen or term.prefix:
            seen.pop(key, None)
            seen[key] = term
    return list(seen.values())
