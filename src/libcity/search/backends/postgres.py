"""The city backend: PostgreSQL full-text search over the same analysed tokens.

One table, ``search_document``: ``document``, every field's tokens weighted A (title), B
(author), C (subject), D (the rest), with a GIN index, kept in the row (lz4); a ``tsvector``
for each field that shares weight D and can be asked for (``publisher``, ``isbn``, ``clc``; no
index of their own); the facets as columns (``year``, ``language``, ``clc_top``,
``available``) and text arrays with GIN indexes (``item_types``, ``units``, ``districts``,
``available_units``, ``available_districts``).

The vectors are written as ``tsvector`` literals (``'图说':1 'tushuo':4``), the tokens exactly
as the analysis made them with their positions, and queries as ``tsquery`` literals: no
PostgreSQL text parser in between (``to_tsvector('simple', ...)`` would classify characters by
the server's locale and could split or drop a token FTS5 keeps), so both engines hold the same
tokens.

Every term is matched against ``document`` (the GIN index finds the rows): a ``title:``,
``author:`` or ``subject:`` term there with its field's weight (``'中国':A``); a
``publisher:``, ``isbn:`` or ``class:`` term is also matched against its field's vector.
Relevance is ``ts_rank`` over ``document``.

A search reads its window (the first matches by record id) by one of two plans, chosen from
the planner's estimate of the match (``PostgresBackend._text_window``), and newest first over
a larger match by the planner's own plan (the year index or the GIN index).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator

from django.db import connection, transaction

from libcity.search.backends.base import VALUE_FACETS, Backend, Hit, Match
from libcity.search.documents import SearchDocument
from libcity.search.query import RELEVANCE, SearchRequest, Term

#: The fields written, in order; a staged batch holds them all.
TEXT_COLUMNS = ("title", "author", "subject", "publisher", "isbn", "clc", "other")
#: The fields with a vector of their own (they share weight D in ``document``).
FIELD_COLUMNS = ("publisher", "isbn", "clc")
#: The fields a term is asked in by its weight in ``document``.
WEIGHTS = {"title": "A", "author": "B", "subject": "C"}
#: ts_rank weights for D, C, B, A.
RANK_WEIGHTS = "{0.1, 0.2, 0.4, 1.0}"
_ARRAYS = ("item_types", "units", "districts", "available_units", "available_districts")
#: The ``SearchDocument.facet_values`` key of each array column, in the same order.
_FACETS_OF_ARRAYS = ("item_type", "unit", "district", "available_unit", "available_district")
#: The columns written for each document, in order (``other`` only feeds ``document``).
_STAGED = ("record_id", *TEXT_COLUMNS, "year", "language", "clc_top", "available", *_ARRAYS)
#: A batch is copied into this temporary table (``COPY``: one stream, no statement a row),
#: then moved into ``search_document`` by one ``INSERT ... SELECT`` that weights the fields.
_STAGE = """
    CREATE TEMPORARY TABLE IF NOT EXISTS search_stage (
        record_id bigint, title tsvector, author tsvector, subject tsvector,
        publisher tsvector, isbn tsvector, clc tsvector, other tsvector, year integer,
        language text, clc_top text, available boolean, item_types text[], units text[],
        districts text[], available_units text[], available_districts text[]
    ) ON COMMIT DELETE ROWS
"""
_FROM_STAGE = f"""
    INSERT INTO search_document (record_id, {", ".join(FIELD_COLUMNS)}, document, year,
        language, clc_top, available, {", ".join(_ARRAYS)})
    SELECT s.record_id, {", ".join(f"s.{c}" for c in FIELD_COLUMNS)},
        setweight(s.title, 'A') || setweight(s.author, 'B') || setweight(s.subject, 'C')
            || setweight(s.publisher || s.isbn || s.clc || s.other, 'D'),
        s.year, s.language, s.clc_top, s.available, {", ".join(f"s.{a}" for a in _ARRAYS)}
    FROM search_stage s
"""


#: The arrays of the many-valued facets, in the order of ``VALUE_FACETS``.
_VALUE_ARRAYS = ", ".join(f"d.{facet}s" for facet in VALUE_FACETS)
#: A match is dense, and read by walking the primary key, when its expected density is at
#: least sqrt(window × _DENSE / records): testing a row (reading its vector) costs about
#: _DENSE times what the GIN index spends on one match of a term.
_DENSE = 15
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

    # ----------------------------------------------------------------------------- writes

    def write(self, docs: list[SearchDocument]) -> None:
        rows = []
        for doc in docs:
            analysed = doc.analysed()
            arrays = doc.facet_values()
            vectors = [tsvector_literal(analysed[f]) for f in TEXT_COLUMNS]
            facets = [arrays[name] for name in _FACETS_OF_ARRAYS]
            rows.append([doc.record_id, *vectors, doc.year, doc.language, doc.clc_top,
                         doc.available, *facets])  # fmt: skip
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_STAGE)
            cursor.execute("TRUNCATE search_stage")  # the caller's transaction may be long
            with cursor.cursor.copy(f"COPY search_stage ({', '.join(_STAGED)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(
                "DELETE FROM search_document WHERE record_id = ANY(%s)",
                [[doc.record_id for doc in docs]],
            )
            cursor.execute(_FROM_STAGE)

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

    def optimize(self) -> None:
        """VACUUM moves the GIN pending list into the index proper and marks the pages all
        visible (outside a transaction only: within one, autovacuum will); ANALYZE gives the
        planner the lexeme and value frequencies it estimates a match by."""
        with connection.cursor() as cursor:
            if connection.in_atomic_block:
                cursor.execute("ANALYZE search_document")
            else:
                cursor.execute("VACUUM (ANALYZE) search_document")

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
        match = Match("search_document d")
        if terms:
            match.add("d.document @@ %s::tsquery", [tsquery(terms, weighted=True)])
        for column in FIELD_COLUMNS:
            mine = [t for t in terms if t.field == column]
            if mine:
                match.add(f"d.{column} @@ %s::tsquery", [tsquery(mine)])
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

    def window(self, terms: list[Term], match: Match, request: SearchRequest) -> list[Hit]:
        size = request.count_cap + 1
        if terms:
            hits = self._text_window(match, request, size)
        else:
            hits = self._hits(match, request, f"ORDER BY d.record_id LIMIT {size}")
        if terms and request.sort == RELEVANCE:
            _score(hits[: request.count_cap], terms)
        return hits

    def _text_window(self, match: Match, request: SearchRequest, size: int) -> list[Hit]:
        """The first ``size`` text matches by record id, by the cheaper of two plans for the
        match the planner expects (``_plan``):

        - a dense match: walk the primary key in order and test each row against the query
          (reading its ``tsvector``), until ``size`` rows matched: about ``size / density``
          rows;
        - a sparser one: the GIN index finds every match (its cost grows with the match) and
          only those below a record id bound are read, the bound set from the density so
          that about twice ``size`` fall below it; when fewer do (the planner's guess was
          high), ``size`` matches the heap gives first bound it instead (they exist)."""
        expected, records, low, high = self._plan(match)
        in_order = f"ORDER BY d.record_id LIMIT {size}"
        with transaction.atomic():
            if expected * expected >= size * _DENSE * max(records, 1):
                with _plans(bitmapscan="off"):
                    return self._hits(match, request, in_order)
            with _plans(seqscan="off", indexscan="off"):
                bound = low + int(2 * size * (high - low + 1) / max(expected, 1))
                if bound < high:
                    hits = self._hits(match, request, f"AND d.record_id <= {bound} {in_order}")
                    if len(hits) == size:
                        return hits
                hits = self._hits(match, request, f"LIMIT {size}")
                if len(hits) < size:
                    return sorted(hits, key=lambda hit: hit.record_id)
                bound = max(hit.record_id for hit in hits)
                return self._hits(match, request, f"AND d.record_id <= {bound} {in_order}")

    def _plan(self, match: Match) -> tuple[float, float, int, int]:
        """The matches the planner expects, the records the table holds (its statistics),
        and the lowest and highest record id."""
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (FORMAT JSON) SELECT 1 FROM {match.from_where}", match.params)
            plan = cursor.fetchone()[0]
            cursor.execute(
                "SELECT reltuples, (SELECT min(record_id) FROM search_document), "
                "(SELECT max(record_id) FROM search_document) FROM pg_class "
                "WHERE oid = 'search_document'::regclass"
            )
            records, low, high = cursor.fetchone()
        plan = json.loads(plan) if isinstance(plan, str) else plan
        return float(plan[0]["Plan"]["Plan Rows"]), float(records), low or 0, high or 0

    def _hits(self, match: Match, request: SearchRequest, rest: str) -> list[Hit]:
        available, params = self.available(request)
        sql = (
            f"SELECT d.record_id, d.year, d.language, d.clc_top, ({available}), "
            f"{_VALUE_ARRAYS} FROM {match.from_where} {rest}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, *match.params])
            rows = cursor.fetchall()
        return [Hit(row[0], row[1], row[2], row[3], row[4], row[5:]) for row in rows]

    def newest(self, terms: list[Term], match: Match, request: SearchRequest) -> list[int]:
        sql = (
            f"SELECT d.record_id FROM {match.from_where} "
            "ORDER BY d.year DESC NULLS LAST, d.record_id DESC LIMIT %s OFFSET %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*match.params, request.limit, request.offset])
            return [row[0] for row in cursor.fetchall()]


def tsquery(terms: list[Term], *, weighted: bool = False) -> str:
    """Terms in ``tsquery`` syntax, all required; ``weighted``: a term of a field that has
    a weight asks for it (``'中国':A``)."""
    return " & ".join(
        weighted_term(term) if weighted and term.field in WEIGHTS else tsquery_term(term)
        for term in terms
    )


def weighted_term(term: Term) -> str:
    """A term asked in its field's weight: each lexeme with the weight (``'a':A <-> 'b':A``,
    ``'c':*A``), so a phrase stays within the field."""
    weight = WEIGHTS[term.field]
    lexemes = [_lexeme(token) + ":" + weight for token in term.tokens]
    if term.prefix:
        lexemes[-1] = lexemes[-1][: -len(weight)] + "*" + weight
    return "(" + " <-> ".join(lexemes) + ")"


def _score(hits: list[Hit], terms: list[Term]) -> None:
    """``ts_rank`` of these hits (as a score, lower is better): one read of each document."""
    if not hits:
        return
    sql = (
        f"SELECT d.record_id, ts_rank('{RANK_WEIGHTS}', d.document, %s::tsquery) "
        "FROM search_document d WHERE d.record_id = ANY(%s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [tsquery(terms), [hit.record_id for hit in hits]])
        ranks = dict(cursor.fetchall())
    for hit in hits:
        hit.score = -ranks[hit.record_id]


@contextlib.contextmanager
def _plans(**switches: str) -> Iterator[None]:
    """Within a transaction, some of the planner's scan kinds switched (``enable_<kind>``),
    then put back. The planner does not count the cost of reading each row's ``tsvector``,
    which is most of the work of testing rows against a query: left alone, it walks an
    index testing rows where the GIN index would find them, and the other way round."""
    names = [f"enable_{kind}" for kind in switches]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT "
            + ", ".join(f"current_setting('{name}')" for name in names)
            + ", "
            + ", ".join(f"set_config('{name}', %s, true)" for name in names),
            list(switches.values()),
        )
        before = cursor.fetchone()[: len(names)]
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT " + ", ".join(f"set_config('{name}', %s, true)" for name in names),
                list(before),
            )
