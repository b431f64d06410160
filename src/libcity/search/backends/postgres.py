"""The city backend: PostgreSQL full-text search over the same analysed tokens.

One table, ``search_document``: a ``tsvector`` per searchable field (``title``, ``author``,
``subject``, ``publisher``, ``isbn``, ``clc``; no index of their own) and ``document``, all
fields together weighted A (title), B (author), C (subject), D (the rest), with a GIN index;
the facets as columns (``year``, ``language``, ``clc_top``, ``available``) and text arrays with
GIN indexes (``item_types``, ``units``, ``districts``, ``available_units``,
``available_districts``).

The vectors are written as ``tsvector`` literals (``'图说':1 'tushuo':4``), the tokens exactly
as the analysis made them with their positions, and queries as ``tsquery`` literals: no
PostgreSQL text parser in between (``to_tsvector('simple', ...)`` would classify characters by
the server's locale and could split or drop a token FTS5 keeps), so both engines hold the same
tokens.

Every term is matched against ``document`` (the GIN index finds the rows); a fielded term is
also matched against its field's vector (a recheck on those rows). Relevance is ``ts_rank``.
"""

from __future__ import annotations

from django.db import connection, transaction

from libcity.search.backends.base import Backend, Match
from libcity.search.documents import SearchDocument
from libcity.search.query import SearchRequest, Term

FIELD_COLUMNS = ("title", "author", "subject", "publisher", "isbn", "clc")
#: ts_rank weights for D, C, B, A.
RANK_WEIGHTS = "{0.1, 0.2, 0.4, 1.0}"
_ARRAYS = ("item_types", "units", "districts", "available_units", "available_districts")
#: The ``SearchDocument.facet_values`` key of each array column, in the same order.
_FACETS_OF_ARRAYS = ("item_type", "unit", "district", "available_unit", "available_district")
_INSERT = f"""
    INSERT INTO search_document (record_id, {", ".join(FIELD_COLUMNS)}, document, year,
        language, clc_top, available, {", ".join(_ARRAYS)})
    SELECT v.record_id, v.title, v.author, v.subject, v.publisher, v.isbn, v.clc,
        setweight(v.title, 'A') || setweight(v.author, 'B') || setweight(v.subject, 'C')
            || setweight(v.publisher || v.isbn || v.clc || v.other, 'D'),
        v.year, v.language, v.clc_top, v.available, {", ".join(f"v.{a}" for a in _ARRAYS)}
    FROM (SELECT %s::bigint AS record_id,
        %s::tsvector AS title, %s::tsvector AS author, %s::tsvector AS subject,
        %s::tsvector AS publisher, %s::tsvector AS isbn, %s::tsvector AS clc,
        %s::tsvector AS other, %s::integer AS year, %s::text AS language,
        %s::text AS clc_top, %s::boolean AS available, %s::text[] AS item_types,
        %s::text[] AS units, %s::text[] AS districts, %s::text[] AS available_units,
        %s::text[] AS available_districts) AS v
"""


#: The last position a tsvector keeps (later ones are stored as this one).
MAX_POSITION = 16383


def _lexeme(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector_literal(analysed: str) -> str:
    """Analysed tokens as a tsvector literal, each with its position (``'a':1 'b':2``)."""
    return " ".join(
        f"{_lexeme(token)}:{min(position, MAX_POSITION)}"
        for position, token in enumerate(analysed.split(), start=1)
    )


def tsquery_term(term: Term) -> str:
    """One term in ``tsquery`` syntax: quoted lexemes, ``<->`` between the words of a
    phrase, ``:*`` for a prefix. Tokens hold only letters and digits; quotes and
    backslashes would be escaped anyway: user text is never syntax here."""
    lexemes = [_lexeme(token) for token in term.tokens]
    if term.prefix:
        lexemes[-1] += ":*"
    return "(" + " <-> ".join(lexemes) + ")"


class PostgresBackend(Backend):
    vendor = "postgresql"
    key = "d.record_id"
    year = "d.year"

    # ----------------------------------------------------------------------------- writes

    def write(self, docs: list[SearchDocument]) -> None:
        rows = []
        for doc in docs:
            analysed = doc.analysed()
            arrays = doc.facet_values()
            vectors = [tsvector_literal(analysed[f]) for f in (*FIELD_COLUMNS, "other")]
            facets = [arrays[name] for name in _FACETS_OF_ARRAYS]
            rows.append([doc.record_id, *vectors, doc.year, doc.language, doc.clc_top,
                         doc.available, *facets])  # fmt: skip
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM search_document WHERE record_id = ANY(%s)",
                [[doc.record_id for doc in docs]],
            )
            cursor.executemany(_INSERT, rows)

    def write_copies(self, docs: list[SearchDocument]) -> list[int]:
        sets = ", ".join(f"{column} = %s::text[]" for column in _ARRAYS)
        sql = f"UPDATE search_document SET available = %s, {sets} WHERE record_id = %s"
        missing = []
        with connection.cursor() as cursor:
            for doc in docs:
                arrays = doc.facet_values()
                facets = [arrays[name] for name in _FACETS_OF_ARRAYS]
                cursor.execute(sql, [doc.available, *facets, doc.record_id])
                if cursor.rowcount == 0:
                    missing.append(doc.record_id)
        return missing

    def delete(self, record_ids: list[int]) -> None:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM search_document WHERE record_id = ANY(%s)", [record_ids])

    def clear(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM search_document")

    def ids(self, after: int, limit: int) -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT record_id FROM search_document WHERE record_id > %s "
                "ORDER BY record_id LIMIT %s",
                [after, limit],
            )
            return [row[0] for row in cursor.fetchall()]

    # ------------------------------------------------------------------------------ reads

    def text_match(self, terms: list[Term]) -> Match:
        if not terms:
            return Match("search_document d")
        everything = " & ".join(tsquery_term(t) for t in terms)
        match = Match("search_document d CROSS JOIN (SELECT %s::tsquery AS q) AS query",
                      [everything])  # fmt: skip
        match.add("d.document @@ query.q")
        for column in FIELD_COLUMNS:
            mine = [tsquery_term(t) for t in terms if t.field == column]
            if mine:
                match.add(f"d.{column} @@ %s::tsquery", [" & ".join(mine)])
        match.order = f"ts_rank('{RANK_WEIGHTS}', d.document, query.q) DESC, d.record_id DESC"
        return match

    def filter(self, match: Match, request: SearchRequest) -> None:
        for column, chosen in (("units", request.units), ("districts", request.districts),
                               ("item_types", request.item_types)):  # fmt: skip
            if chosen:
                match.add(f"d.{column} && %s::text[]", [list(chosen)])
        for column, chosen in (("language", request.languages), ("clc_top", request.clc_top)):
            if chosen:
                match.add(f"d.{column} = ANY(%s::text[])", [list(chosen)])
        if request.year_from is not None:
            match.add("d.year >= %s", [request.year_from])
        if request.year_to is not None:
            match.add("d.year <= %s", [request.year_to])

    def available(self, request: SearchRequest) -> tuple[str, list]:
        scope = request.availability_scope
        if scope is None:
            return "d.available", []
        return f"d.available_{scope[0]}s && %s::text[]", [scope[1]]

    def facet_rows(self, match: Match, request: SearchRequest) -> list[tuple[str, str, int]]:
        available, available_params = self.available(request)
        sql = f"""
            WITH m AS MATERIALIZED (
                SELECT d.year, d.language, d.clc_top, d.units, d.districts, d.item_types,
                       ({available}) AS available
                FROM {match.from_where} ORDER BY {self.key} LIMIT %s
            ),
            f(facet, value) AS (
                SELECT 'district', unnest(districts) FROM m
                UNION ALL SELECT 'unit', unnest(units) FROM m
                UNION ALL SELECT 'item_type', unnest(item_types) FROM m
                UNION ALL SELECT 'language', language FROM m WHERE language <> ''
                UNION ALL SELECT 'clc_top', clc_top FROM m WHERE clc_top <> ''
                UNION ALL SELECT 'decade', (year / 10 * 10)::text FROM m WHERE year IS NOT NULL
                UNION ALL SELECT 'available_now', CASE WHEN available THEN 'true' ELSE 'false' END
                  FROM m
            )
            SELECT facet, value, n FROM (
                SELECT facet, value, count(*) AS n,
                       row_number() OVER (PARTITION BY facet
                                          ORDER BY count(*) DESC, value COLLATE "C") AS rk
                FROM f GROUP BY facet, value
            ) AS counted WHERE rk <= %s
        """
        params = [*available_params, *match.params, request.facet_cap, request.facet_limit]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
