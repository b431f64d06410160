"""The embedded backend: SQLite FTS5 over the analysed tokens, and two plain side tables.

- ``search_text``: FTS5, ``unicode61 remove_diacritics 2``, one column per text field, the
  rowid is the record id; relevance is ``bm25`` with the field weights below;
- ``search_entry``: one row per record (year, language, clc_top, available anywhere);
- ``search_value``: one row per record and many-valued facet value (unit, district,
  item_type, available_unit, available_district), keyed (record_id, facet, value) and
  indexed (facet, value), so a filter is an index lookup and facets one GROUP BY.
"""

from __future__ import annotations

from django.db import connection, transaction

from libcity.search.backends.base import Backend, Match, chunks, placeholders
from libcity.search.documents import TEXT_FIELDS, SearchDocument
from libcity.search.query import SearchRequest, Term

#: bm25 weights, in the column order of ``TEXT_FIELDS``.
WEIGHTS = {"title": 10.0, "author": 5.0, "subject": 3.0, "publisher": 2.0, "isbn": 5.0,
           "clc": 1.0, "other": 1.0}  # fmt: skip
_BM25 = "bm25(search_text, " + ", ".join(str(WEIGHTS[f]) for f in TEXT_FIELDS) + ")"
_INSERT_TEXT = (
    f"INSERT INTO search_text (rowid, {', '.join(TEXT_FIELDS)}) "
    f"VALUES (%s, {placeholders(TEXT_FIELDS)})"
)


def fts_term(term: Term) -> str:
    """One term in FTS5 syntax: the tokens in one double-quoted string (a phrase when more
    than one), ``*`` for a prefix, ``column :`` for a field. Tokens hold only letters and
    digits, and a double quote would be doubled anyway: user text is never syntax here."""
    text = '"' + " ".join(term.tokens).replace('"', '""') + '"'
    if term.prefix:
        text += " *"
    return f"{term.field} : {text}" if term.field else text


class SqliteBackend(Backend):
    vendor = "sqlite"
    key = "e.record_id"
    year = "e.year"

    # ----------------------------------------------------------------------------- writes

    def write(self, docs: list[SearchDocument]) -> None:
        texts, entries, values = [], [], []
        for doc in docs:
            analysed = doc.analysed()
            texts.append([doc.record_id, *(analysed[f] for f in TEXT_FIELDS)])
            entries.append([doc.record_id, doc.year, doc.language, doc.clc_top, doc.available])
            for facet, found in doc.facet_values().items():
                values.extend([doc.record_id, facet, value] for value in found)
        with transaction.atomic(), connection.cursor() as cursor:
            self._delete(cursor, [doc.record_id for doc in docs])
            cursor.executemany(_INSERT_TEXT, texts)
            cursor.executemany(
                "INSERT INTO search_entry (record_id, year, language, clc_top, available) "
                "VALUES (%s, %s, %s, %s, %s)",
                entries,
            )
            cursor.executemany(
                "INSERT INTO search_value (record_id, facet, value) VALUES (%s, %s, %s)", values
            )

    def write_copies(self, docs: list[SearchDocument]) -> list[int]:
        missing = []
        with transaction.atomic(), connection.cursor() as cursor:
            for doc in docs:
                cursor.execute("UPDATE search_entry SET available = %s WHERE record_id = %s",
                               [doc.available, doc.record_id])  # fmt: skip
                if cursor.rowcount == 0:
                    missing.append(doc.record_id)
                    continue
                cursor.execute("DELETE FROM search_value WHERE record_id = %s", [doc.record_id])
                cursor.executemany(
                    "INSERT INTO search_value (record_id, facet, value) VALUES (%s, %s, %s)",
                    [[doc.record_id, facet, value]
                     for facet, found in doc.facet_values().items() for value in found],
                )  # fmt: skip
        return missing

    def delete(self, record_ids: list[int]) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            self._delete(cursor, record_ids)

    def _delete(self, cursor, record_ids: list[int]) -> None:
        for part in chunks(record_ids):
            marks = placeholders(part)
            cursor.execute(f"DELETE FROM search_text WHERE rowid IN ({marks})", part)
            cursor.execute(f"DELETE FROM search_entry WHERE record_id IN ({marks})", part)
            cursor.execute(f"DELETE FROM search_value WHERE record_id IN ({marks})", part)

    def clear(self) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            for table in ("search_text", "search_entry", "search_value"):
                cursor.execute(f"DELETE FROM {table}")

    def ids(self, after: int, limit: int) -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT record_id FROM search_entry WHERE record_id > %s "
                "ORDER BY record_id LIMIT %s",
                [after, limit],
            )
            return [row[0] for row in cursor.fetchall()]

    # ------------------------------------------------------------------------------ reads

    def text_match(self, terms: list[Term]) -> Match:
        if not terms:
            return Match("search_entry e")
        match = Match("search_text JOIN search_entry e ON e.record_id = search_text.rowid")
        match.add("search_text MATCH %s", [" AND ".join(fts_term(t) for t in terms)])
        match.order = f"{_BM25}, e.record_id DESC"
        return match

    def filter(self, match: Match, request: SearchRequest) -> None:
        for facet, chosen in (("unit", request.units), ("district", request.districts),
                              ("item_type", request.item_types)):  # fmt: skip
            if chosen:
                match.add(self._has_value(facet, chosen), [facet, *chosen])
        for column, chosen in (("language", request.languages), ("clc_top", request.clc_top)):
            if chosen:
                match.add(f"e.{column} IN ({placeholders(chosen)})", chosen)
        if request.year_from is not None:
            match.add("e.year >= %s", [request.year_from])
        if request.year_to is not None:
            match.add("e.year <= %s", [request.year_to])

    @staticmethod
    def _has_value(facet: str, chosen) -> str:
        return (
            "e.record_id IN (SELECT record_id FROM search_value "
            f"WHERE facet = %s AND value IN ({placeholders(chosen)}))"
        )

    def available(self, request: SearchRequest) -> tuple[str, list]:
        scope = request.availability_scope
        if scope is None:
            return "e.available = 1", []
        facet, chosen = f"available_{scope[0]}", scope[1]
        return self._has_value(facet, chosen), [facet, *chosen]

    def facet_rows(self, match: Match, request: SearchRequest) -> list[tuple[str, str, int]]:
        available, available_params = self.available(request)
        sql = f"""
            WITH m AS MATERIALIZED (
                SELECT e.record_id AS record_id, e.year AS year, e.language AS language,
                       e.clc_top AS clc_top, ({available}) AS available
                FROM {match.from_where} ORDER BY {self.key} LIMIT %s
            ),
            f(facet, value) AS (
                SELECT v.facet, v.value FROM search_value v JOIN m ON m.record_id = v.record_id
                 WHERE v.facet IN ('district', 'unit', 'item_type')
                UNION ALL SELECT 'language', language FROM m WHERE language <> ''
                UNION ALL SELECT 'clc_top', clc_top FROM m WHERE clc_top <> ''
                UNION ALL SELECT 'decade', CAST(year / 10 * 10 AS TEXT) FROM m
                 WHERE year IS NOT NULL
                UNION ALL SELECT 'available_now', CASE WHEN available THEN 'true' ELSE 'false' END
                  FROM m
            )
            SELECT facet, value, n FROM (
                SELECT facet, value, count(*) AS n,
                       row_number() OVER (PARTITION BY facet ORDER BY count(*) DESC, value) AS rk
                FROM f GROUP BY facet, value
            ) WHERE rk <= %s
        """
        params = [*available_params, *match.params, request.facet_cap, request.facet_limit]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
