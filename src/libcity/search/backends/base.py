"""What both backends share: the flow of a search, and the pieces of SQL it is built from.

A search reads a **window**: the first matches in record-id order, at most the request's
``count_cap`` of them (``Backend.window``, one or two statements). Everything else is worked
out here from the window, the same way for both engines:

- the count: the window's size, exact when the match holds no more (``count_exact``);
- the facets: counted over the first ``facet_cap`` hits of the window;
- the page: by relevance, the window's hits by their engine's score (a larger match is ranked
  within its window); newest first, the window sorted by year when it is the whole match, else
  one more statement over the whole match (``Backend.newest``).

So a search costs what its window costs, whatever the size of the match or of the catalogue.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from itertools import chain

from libcity.search.documents import SearchDocument
from libcity.search.query import (
    FACETS,
    RELEVANCE,
    SearchRequest,
    SearchResult,
    Term,
    parse_query,
)

#: The many-valued facets a hit carries, by name.
VALUE_FACETS = ("district", "unit", "item_type")


@dataclass(slots=True)
class Hit:
    """One record of the window: what its facets and its place on a page need."""

    record_id: int
    year: int | None
    language: str
    clc_top: str
    available: bool  # a copy on the shelf in the request's availability scope
    #: The values of each of VALUE_FACETS, in that order, each value once.
    values: Sequence[Sequence[str]] = ((), (), ())
    score: float = 0.0  # the engine's relevance, lower is better

    @property
    def newest_key(self) -> tuple:
        """Year descending (no year last), then record id descending."""
        return (self.year is None, -(self.year or 0), -self.record_id)

    @property
    def relevance_key(self) -> tuple:
        """Score ascending, then record id descending."""
        return (self.score, -self.record_id)


#: How many ids go into one ``IN (...)`` or one batch of rows.
CHUNK = 500


@dataclass
class Match:
    """``FROM source WHERE where``, with parameters in that order."""

    source: str
    source_params: list = field(default_factory=list)
    where: list[str] = field(default_factory=list)
    where_params: list = field(default_factory=list)

    def add(self, sql: str, params: Sequence = ()) -> None:
        self.where.append(sql)
        self.where_params.extend(params)

    @property
    def from_where(self) -> str:
        return f"{self.source} WHERE {' AND '.join(self.where) or '1 = 1'}"

    @property
    def params(self) -> list:
        return [*self.source_params, *self.where_params]


def placeholders(values: Sequence) -> str:
    return ", ".join(["%s"] * len(values))


def chunks(values: Sequence, size: int = CHUNK):
    for start in range(0, len(values), size):
        yield values[start : start + size]


class Backend:
    vendor = ""

    # ---------------------------------------------------------------------- to implement

    def write(self, docs: list[SearchDocument]) -> None:
        raise NotImplementedError

    def write_copies(self, docs: list[SearchDocument]) -> list[int]:
        """Replace the copy facets of these records, not their text; the ids not held."""
        raise NotImplementedError

    def delete(self, record_ids: list[int]) -> None:
        raise NotImplementedError

    def clear(self) -> None:
        raise NotImplementedError

    def ids(self, after: int, limit: int) -> list[int]:
        raise NotImplementedError

    def optimize(self) -> None:
        raise NotImplementedError

    def text_match(self, terms: list[Term], **options) -> Match:
        """The source and the text conditions (all terms required); ``options`` are the
        backend's own (a year, for SQLite's newest-first walk)."""
        raise NotImplementedError

    def filter(self, match: Match, request: SearchRequest) -> None:
        raise NotImplementedError

    def available(self, request: SearchRequest) -> tuple[str, list]:
        """A boolean SQL expression: the matched row has a copy on the shelf in scope."""
        raise NotImplementedError

    def window(self, terms: list[Term], match: Match, request: SearchRequest) -> list[Hit]:
        """The first ``request.count_cap + 1`` matches in record-id order (one more than the
        cap says the match is larger), scored when there are terms and the sort is by
        relevance, with their facet values when the request wants facets."""
        raise NotImplementedError

    def newest(self, terms: list[Term], match: Match, request: SearchRequest) -> list[int]:
        """The ids of the request's page of the whole match, newest first (year descending,
        no year last, then record id descending)."""
        raise NotImplementedError

    # ------------------------------------------------------------------------ the flow

    def search(self, request: SearchRequest) -> SearchResult:
        terms = parse_query(request.q)
        match = self.matching(terms, request)
        hits = self.window(terms, match, request)
        exact = len(hits) <= request.count_cap
        hits = hits[: request.count_cap]
        ids = self._page(terms, match, request, hits, exact) if hits and request.limit else []
        facets = facet_counts(hits[: request.facet_cap], request) if request.with_facets else {}
        return SearchResult(
            count=len(hits), ids=ids, facets=facets, page=request.page,
            page_size=request.page_size, count_exact=exact,
            facets_exact=exact and len(hits) <= request.facet_cap,
        )  # fmt: skip

    def matching(self, terms: list[Term], request: SearchRequest, **options) -> Match:
        """The text, the filters and availability: what a record must meet. A copy on the
        shelf at one of the chosen units (districts) stands at one of them: that filter then
        goes without saying, and is left out (the planner would count it twice)."""
        match = self.text_match(terms, **options)
        if request.available_now:
            scope = request.availability_scope
            implied = {"unit": "units", "district": "districts"}.get(scope[0]) if scope else None
            self.filter(match, replace(request, **{implied: ()}) if implied else request)
            match.add(*self.available(request))
        else:
            self.filter(match, request)
        return match

    def _page(
        self, terms: list[Term], match: Match, request: SearchRequest, hits: list[Hit],
        exact: bool,
    ) -> list[int]:  # fmt: skip
        """By relevance, the window ranked; newest first (or nothing to rank), the window
        sorted when it is the whole match, else the engine's newest order."""
        if terms and request.sort == RELEVANCE:
            ranked = sorted(hits, key=lambda hit: hit.relevance_key)
        elif exact:
            ranked = sorted(hits, key=lambda hit: hit.newest_key)
        else:
            return self.newest(terms, match, request)
        return [hit.record_id for hit in ranked[request.offset : request.offset + request.limit]]


def facet_counts(hits: list[Hit], request: SearchRequest) -> dict[str, list[tuple[str, int]]]:
    """Each facet's top ``facet_limit`` values over these hits, by count then value; a record
    counts once per value. Every facet is named, empty when nothing matched."""
    counted = {
        facet: Counter(chain.from_iterable(hit.values[n] for hit in hits))
        for n, facet in enumerate(VALUE_FACETS)
    }
    counted["language"] = Counter(hit.language for hit in hits if hit.language)
    counted["clc_top"] = Counter(hit.clc_top for hit in hits if hit.clc_top)
    counted["decade"] = Counter(str(decade(hit.year)) for hit in hits if hit.year is not None)
    counted["available_now"] = Counter("true" if hit.available else "false" for hit in hits)
    return {name: top(counted[name], request.facet_limit) for name in FACETS}


def top(counted: Counter, limit: int) -> list[tuple[str, int]]:
    """The ``limit`` values counted most, by count then value."""
    return heapq.nsmallest(limit, counted.items(), key=lambda pair: (-pair[1], pair[0]))


def decade(year: int) -> int:
    """1990 for 1990–1999 (toward zero, as SQL's integer division)."""
    return int(year / 10) * 10 if year < 0 else year // 10 * 10
