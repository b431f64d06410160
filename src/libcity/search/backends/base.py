"""What both backends share: the flow of a search (count, page, facets) and its pieces of SQL.

A backend says how text is matched (``text_match``), how filters and availability read in its
tables, and how facets are counted; the flow here runs three statements per search: the
count, the page of ids, the facets (one GROUP BY over the matched ids, capped).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import connection

from libcity.search.documents import SearchDocument
from libcity.search.query import (
    FACETS,
    RELEVANCE,
    SearchRequest,
    SearchResult,
    Term,
    parse_query,
)

#: How many ids go into one ``IN (...)`` or one batch of rows.
CHUNK = 500


@dataclass
class Match:
    """``SELECT ... FROM source WHERE where ORDER BY order``, with parameters in that order."""

    source: str
    source_params: list = field(default_factory=list)
    where: list[str] = field(default_factory=list)
    where_params: list = field(default_factory=list)
    order: str = ""
    order_params: list = field(default_factory=list)

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
    #: The record id and year columns of the matched rows (the table alias included).
    key = ""
    year = ""

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

    def text_match(self, terms: list[Term]) -> Match:
        """The source and the text conditions (all terms required), with the relevance
        order when there are terms."""
        raise NotImplementedError

    def filter(self, match: Match, request: SearchRequest) -> None:
        raise NotImplementedError

    def available(self, request: SearchRequest) -> tuple[str, list]:
        """A boolean SQL expression: the matched row has a copy on the shelf in scope."""
        raise NotImplementedError

    def facet_rows(self, match: Match, request: SearchRequest) -> list[tuple[str, str, int]]:
        raise NotImplementedError

    # ------------------------------------------------------------------------ the flow

    def search(self, request: SearchRequest) -> SearchResult:
        terms = parse_query(request.q)
        match = self.text_match(terms)
        self.filter(match, request)
        if request.available_now:
            match.add(*self.available(request))
        if not (terms and request.sort == RELEVANCE):
            match.order, match.order_params = f"{self.year} DESC NULLS LAST, {self.key} DESC", []
        count = self._count(match)
        ids = self._page(match, request) if count and request.limit else []
        facets: dict[str, list[tuple[str, int]]] = {}
        if request.with_facets:  # every facet named, empty when nothing matched
            facets = self._facets(match, request) if count else {name: [] for name in FACETS}
        exact = count <= request.facet_cap
        return SearchResult(count, ids, facets, exact, request.page, request.page_size)

    def _count(self, match: Match) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {match.from_where}", match.params)
            return int(cursor.fetchone()[0])

    def _page(self, match: Match, request: SearchRequest) -> list[int]:
        sql = f"SELECT {self.key} FROM {match.from_where} ORDER BY {match.order} LIMIT %s OFFSET %s"
        params = [*match.params, *match.order_params, request.limit, request.offset]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return [int(row[0]) for row in cursor.fetchall()]

    def _facets(self, match: Match, request: SearchRequest) -> dict[str, list[tuple[str, int]]]:
        found: dict[str, list[tuple[str, int]]] = {name: [] for name in FACETS}
        for facet, value, n in self.facet_rows(match, request):
            found[facet].append((str(value), int(n)))
        for values in found.values():
            values.sort(key=lambda pair: (-pair[1], pair[0]))
        return found
