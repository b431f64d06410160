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
import time
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
#: The text of a search is common, and its window read by walking the primary key, when its
#: expected density is at least sqrt(window × _DENSE / records) (see ``_dense``).
_DENSE = 15
#: The walk reads this many times the rows the match's expected density says a window takes,
#: and never more than _WALK_MAX rows.
_WALK = 4
_WALK_MAX = 100_000
#: Memory for the window's statements: bitmaps of a large match stay exact (with the default
#: 4 MB a bitmap over a million rows goes lossy and every row of a lossy page is rechecked).
_WORK_MEM = "64MB"
_TABLE = "search_document d"
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
        """Only rows whose copy facets changed are written (an unchanged row would still
        be a new row version and new GIN entries): most loans and returns leave a title
        available where it was."""
        sets = ", ".join(f"{column} = %s::text[]" for column in _ARRAYS)
        old = ", ".join(("available", *_ARRAYS))
        new = ", ".join(["%s", *(["%s::text[]"] * len(_ARRAYS))])
        sql = (f"UPDATE search_document SET available = %s, {sets} WHERE record_id = %s "
               f"AND ({old}) IS DISTINCT FROM ({new})")  # fmt: skip
        untouched = []
        with connection.cursor() as cursor:
            for doc in docs:
                arrays = doc.facet_values()
                values = [doc.available, *(arrays[name] for name in _FACETS_OF_ARRAYS)]
                cursor.execute(sql, [*values, doc.record_id, *values])
                if cursor.rowcount == 0:
                    untouched.append(doc.record_id)
            if not untouched:
                return []
            cursor.execute("SELECT record_id FROM search_document WHERE record_id = ANY(%s)",
                           [untouched])  # fmt: skip
            held = {row[0] for row in cursor.fetchall()}
        return [pk for pk in untouched if pk not in held]

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
        """The first ``size`` text matches by record id. The GIN index finds matches but
        not in that order, and sorting a large match means reading all of it; so:

        - when the text alone is common (its expected density at least
          sqrt(window × _DENSE / records): testing a row, reading its vector, costs about
          _DENSE times what the GIN index spends on a match), walk the primary key in order
          testing each row, for about ``_WALK`` times the rows the expected density of the
          whole match says a window takes (at most ``_WALK_MAX``);
        - else, or for the rest of the match past the rows walked, ``_indexed_window``."""
        text, everything, records = self._estimates(match)
        hits: list[Hit] = []
        last = None
        with transaction.atomic():
            if text * text >= size * _DENSE * records:
                rows = max(
                    1, int(min(_WALK_MAX, records, _WALK * size * records / max(everything, 1)))
                )
                with _plans(work_mem=_WORK_MEM, enable_bitmapscan="off"):
                    walked = f"(SELECT * FROM search_document ORDER BY record_id LIMIT {rows})"
                    walk = Match(f"{walked} d", match.source_params, match.where,
                                 match.where_params)  # fmt: skip
                    hits = self._hits(walk, request, f"ORDER BY d.record_id LIMIT {size}")
                if len(hits) == size or (last := self._record_id_at(rows)) is None:
                    return hits
            with _plans(work_mem=_WORK_MEM, enable_seqscan="off", enable_indexscan="off"):
                return hits + self._indexed_window(match, request, size - len(hits), last)

    def _indexed_window(
        self, match: Match, request: SearchRequest, size: int, after: int | None
    ) -> list[Hit]:
        """The first ``size`` matches by record id (after ``after``) from the GIN indexes:
        any ``size`` matches bound the window (the size-th smallest record id among them is
        at least the window's last), so the first rows the heap gives, in its own order, set
        the bound, and the window is read in record-id order up to it: not much further than
        those rows when the table holds its rows in record-id order, as a bulk load writes
        them. A quarter more rows than needed keep the few rows stored out of order (written
        later into free space) from pushing the bound up."""
        after_sql = f"AND d.record_id > {after} " if after is not None else ""
        sample = self._hits(match, request, f"{after_sql}LIMIT {size + size // 4}")
        if len(sample) < size:
            return sorted(sample, key=lambda hit: hit.record_id)
        bound = sorted(hit.record_id for hit in sample)[size - 1]
        order = f"AND d.record_id <= {bound} ORDER BY d.record_id LIMIT {size}"
        return self._hits(match, request, after_sql + order)

    def _estimates(self, match: Match) -> tuple[float, float, float]:
        """The matches the planner expects for the text alone and for the whole match, and
        the records the table holds (its statistics, read once a minute)."""
        text = _expected(match.where[:1], match.where_params[:1])
        everything = _expected(match.where, match.where_params) if len(match.where) > 1 else text
        return text, everything, _records()

    @staticmethod
    def _record_id_at(rows: int) -> int | None:
        """The record id of the ``rows``-th row in record-id order (None past the end)."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT record_id FROM search_document ORDER BY record_id OFFSET %s LIMIT 1",
                [rows - 1],
            )
            found = cursor.fetchone()
        return found[0] if found else None

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


def _expected(where: list[str], params: list) -> float:
    """The rows the planner expects to meet these conditions."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) SELECT 1 FROM {_TABLE} WHERE {' AND '.join(where)}",
                       params)  # fmt: skip
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return float(plan[0]["Plan"]["Plan Rows"])


_RECORDS: dict[str, float] = {}


def _records() -> float:
    """The records ``search_document`` holds, from its statistics (``reltuples``), read again
    after a minute."""
    now = time.monotonic()
    if now - _RECORDS.get("at", -60.0) >= 60.0:
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE oid = 'search_document'::regclass")
            _RECORDS.update(at=now, records=max(1.0, float(cursor.fetchone()[0])))
    return _RECORDS["records"]


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
def _plans(**settings: str) -> Iterator[None]:
    """Within a transaction, some planner settings changed, then put back. The planner does
    not count the cost of reading each row's ``tsvector``, which is most of the work of
    testing rows against a query: left alone, it walks an index testing rows where the GIN
    index would find them, and the other way round (``enable_<scan kind>``)."""
    names = list(settings)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT "
            + ", ".join(f"current_setting('{name}')" for name in names)
            + ", "
            + ", ".join(f"set_config('{name}', %s, true)" for name in names),
            list(settings.values()),
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
