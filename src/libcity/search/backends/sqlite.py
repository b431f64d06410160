"""The embedded backend: SQLite FTS5 over the analysed tokens, and two plain side tables.

- ``search_text``: FTS5, ``unicode61 remove_diacritics 2``, one column per text field and
  ``year`` (one token a record: U+E000, ``y``, the year, which no analysed text can hold), the
  rowid is the record id; relevance is ``bm25`` with the field weights below;
- ``search_entry``: one row per record (year, language, clc_top, available anywhere, and
  ``facet_values``: its unit, district and item-type values packed in one string);
- ``search_value``: one row per record and many-valued facet value (unit, district,
  item_type, available_unit, available_district), keyed (record_id, facet, value) and
  indexed (facet, value): what filters look up.

FTS5 returns matches in rowid order, so the window (the first matches by record id) is the
first rows of one statement. Newest first over a larger match asks FTS5 for the matches of
one year at a time (the ``year`` token), newest year first, and stops when the page is full.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db import connection, transaction

from libcity.search.backends.base import (
    VALUE_FACETS,
    Backend,
    Hit,
    Match,
    chunks,
    placeholders,
)
from libcity.search.documents import TEXT_FIELDS, SearchDocument
from libcity.search.query import RELEVANCE, SearchRequest, Term

#: bm25 weights, in the column order of ``TEXT_FIELDS``.
WEIGHTS = {"title": 10.0, "author": 5.0, "subject": 3.0, "publisher": 2.0, "isbn": 5.0,
           "clc": 1.0, "other": 1.0}  # fmt: skip
_BM25 = "bm25(search_text, " + ", ".join(str(WEIGHTS[f]) for f in TEXT_FIELDS) + ", 0.0)"
_INSERT_TEXT = (
    f"INSERT INTO search_text (rowid, {', '.join(TEXT_FIELDS)}, year) "
    f"VALUES (%s, {placeholders(TEXT_FIELDS)}, %s)"
)
_INSERT_ENTRY = (
    "INSERT INTO search_entry (record_id, year, language, clc_top, available, facet_values) "
    "VALUES (%s, %s, %s, %s, %s, %s)"
)
_INSERT_VALUE = "INSERT INTO search_value (record_id, facet, value) VALUES (%s, %s, %s)"
#: ``text_match``'s default: records of any year.
ANY_YEAR = "any"
#: ``search_entry.facet_values``: the values of each of VALUE_FACETS, in that order, joined
#: by the unit separator, the three groups by the record separator.
_UNIT_SEPARATOR, _RECORD_SEPARATOR = "\x1f", "\x1e"
_NO_VALUES = ((), (), ())


def year_token(year: int | None) -> str:
    """The ``year`` column's token: private-use U+E000, ``y``, the year (``m`` for a minus);
    ``y`` alone for no year."""
    return "\ue000y" + ("" if year is None else str(year).replace("-", "m"))


def packed_values(doc: SearchDocument) -> str:
    """The district, unit and item-type values of a document in one string."""
    found = doc.facet_values()
    return _RECORD_SEPARATOR.join(_UNIT_SEPARATOR.join(found[facet]) for facet in VALUE_FACETS)


def _unpack(packed: str | None) -> tuple:
    if not packed:
        return _NO_VALUES
    districts, units, item_types = packed.split(_RECORD_SEPARATOR)
    return (
        districts.split(_UNIT_SEPARATOR) if districts else (),
        units.split(_UNIT_SEPARATOR) if units else (),
        item_types.split(_UNIT_SEPARATOR) if item_types else (),
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

    # ----------------------------------------------------------------------------- writes

    def write(self, docs: list[SearchDocument]) -> None:
        texts, entries, values = [], [], []
        for doc in docs:
            analysed = doc.analysed()
            texts.append([doc.record_id, *(analysed[f] for f in TEXT_FIELDS),
                          year_token(doc.year)])  # fmt: skip
            entries.append([doc.record_id, doc.year, doc.language, doc.clc_top, doc.available,
                            packed_values(doc)])  # fmt: skip
            for facet, found in doc.facet_values().items():
                values.extend([doc.record_id, facet, value] for value in found)
        with transaction.atomic(), connection.cursor() as cursor:
            self._delete(cursor, [doc.record_id for doc in docs])
            cursor.executemany(_INSERT_TEXT, texts)
            cursor.executemany(_INSERT_ENTRY, entries)
            cursor.executemany(_INSERT_VALUE, values)

    def write_copies(self, docs: list[SearchDocument]) -> list[int]:
        """Only the records whose copy facets changed are written: most loans and returns
        leave a title available where it was (another copy stands there)."""
        held = self._held_copy_facets([doc.record_id for doc in docs])
        missing = []
        with transaction.atomic(), connection.cursor() as cursor:
            for doc in docs:
                if doc.record_id not in held:
                    missing.append(doc.record_id)
                    continue
                values = {(facet, value) for facet, found in doc.facet_values().items()
                          for value in found}  # fmt: skip
                if held[doc.record_id] == (bool(doc.available), packed_values(doc), values):
                    continue
                cursor.execute(
                    "UPDATE search_entry SET available = %s, facet_values = %s "
                    "WHERE record_id = %s",
                    [doc.available, packed_values(doc), doc.record_id],
                )
                cursor.execute("DELETE FROM search_value WHERE record_id = %s", [doc.record_id])
                cursor.executemany(_INSERT_VALUE, [[doc.record_id, *pair] for pair in values])
        return missing

    def _held_copy_facets(self, record_ids: list[int]) -> dict[int, tuple]:
        """What the index holds of these records' copies: (available, packed values, the
        set of (facet, value) rows), by record id; records it does not hold are absent."""
        held: dict[int, tuple] = {}
        with connection.cursor() as cursor:
            for part in chunks(record_ids):
                marks = placeholders(part)
                cursor.execute("SELECT record_id, available, facet_values FROM search_entry "
                               f"WHERE record_id IN ({marks})", part)  # fmt: skip
                for record_id, available, packed in cursor.fetchall():
                    held[record_id] = (bool(available), packed or "", set())
                cursor.execute("SELECT record_id, facet, value FROM search_value "
                               f"WHERE record_id IN ({marks})", part)  # fmt: skip
                for record_id, facet, value in cursor.fetchall():
                    held[record_id][2].add((facet, value))
        return held

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

    def optimize(self) -> None:
        """FTS5 merges its segments into one b-tree (``optimize``); ANALYZE gives the
        planner the sizes of the side tables and their indexes."""
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO search_text (search_text) VALUES ('optimize')")
            cursor.execute("ANALYZE search_entry")
            cursor.execute("ANALYZE search_value")

    def ids(self, after: int, limit: int) -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT record_id FROM search_entry WHERE record_id > %s "
                "ORDER BY record_id LIMIT %s",
                [after, limit],
            )
            return [row[0] for row in cursor.fetchall()]

    # ------------------------------------------------------------------------------ reads

    def text_match(self, terms: list[Term], *, year: int | str | None = ANY_YEAR) -> Match:
        """``year`` (a year, or None): only the records of that year (of no year)."""
        if not terms:
            return Match("search_entry e")
        match = Match("search_text JOIN search_entry e ON e.record_id = search_text.rowid")
        expression = " AND ".join(fts_term(t) for t in terms)
        if year != ANY_YEAR:
            expression = f'({expression}) AND year : "{year_token(year)}"'
        match.add("search_text MATCH %s", [expression])
        return match

    def filter(self, match: Match, request: SearchRequest) -> None:
        if request.units:
            match.add(*_has_value("unit", request.units))
        for facet, chosen in (("district", request.districts), ("item_type", request.item_types)):
            if chosen:
                match.add(*_has_value(facet, chosen))
        for column, chosen in (("language", request.languages), ("clc_top", request.clc_top)):
            if chosen:
                match.add(f"e.{column} IN ({placeholders(chosen)})", chosen)
        if request.year_from is not None:
            match.add("e.year >= %s", [request.year_from])
        if request.year_to is not None:
            match.add("e.year <= %s", [request.year_to])

    def available(self, request: SearchRequest) -> tuple[str, list]:
        scope = request.availability_scope
        if scope is None:
            return "e.available = 1", []
        return _has_value(f"available_{scope[0]}", scope[1])

    def window(self, terms: list[Term], match: Match, request: SearchRequest) -> list[Hit]:
        """One statement: FTS5 gives its matches in rowid (record id) order, so the first
        rows are the window, and ``bm25`` scores only those."""
        available, params = self.available(request)
        values = "e.facet_values" if request.with_facets else "NULL"
        score = _BM25 if terms and request.sort == RELEVANCE else "0"
        order = "search_text.rowid" if terms else "e.record_id"
        sql = (
            f"SELECT e.record_id, e.year, e.language, e.clc_top, ({available}), {values}, "
            f"{score} FROM {match.from_where} ORDER BY {order} LIMIT %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, *match.params, request.count_cap + 1])
            rows = cursor.fetchall()
        return [Hit(row[0], row[1], row[2], row[3], bool(row[4]), _unpack(row[5]), row[6])
                for row in rows]  # fmt: skip

    def newest(self, terms: list[Term], match: Match, request: SearchRequest) -> list[int]:
        """Without terms, the year index in order. With terms, one FTS5 query a year, newest
        year first (the ``year`` token joins the terms), each in record-id order from the
        top, until the page is full."""
        wanted = request.offset + request.limit
        if not terms:
            order = "ORDER BY e.year DESC, e.record_id DESC"
            return self._ids(match, order, wanted)[request.offset :]
        found: list[int] = []
        for year in self._years_newest_first(request):
            year_match = self.matching(terms, request, year=year)
            found += self._ids(year_match, "ORDER BY search_text.rowid DESC", wanted - len(found))
            if len(found) >= wanted:
                break
        return found[request.offset : wanted]

    @staticmethod
    def _years_newest_first(request: SearchRequest) -> Iterator[int | None]:
        """The years the index holds, newest first (within the request's years), then None."""
        year = request.year_to + 1 if request.year_to is not None else None
        while True:
            with connection.cursor() as cursor:
                if year is None:
                    cursor.execute("SELECT max(year) FROM search_entry")
                else:
                    cursor.execute("SELECT max(year) FROM search_entry WHERE year < %s", [year])
                (year,) = cursor.fetchone()
            if year is None or (request.year_from is not None and year < request.year_from):
                break
            yield year
        if request.year_from is None and request.year_to is None:
            yield None

    @staticmethod
    def _ids(match: Match, order: str, limit: int) -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT e.record_id FROM {match.from_where} {order} LIMIT %s",
                           [*match.params, limit])  # fmt: skip
            return [row[0] for row in cursor.fetchall()]


def _has_value(facet: str, chosen) -> tuple[str, list]:
    """The matched record has one of these values of a many-valued facet. A unit holds few
    records: the units' records are looked up once (``IN``); a district or an item type holds
    many: each matched record is looked up (``EXISTS``), which stops at the window."""
    if facet.endswith("unit"):
        sql = (
            "e.record_id IN (SELECT record_id FROM search_value "
            f"WHERE facet = %s AND value IN ({placeholders(chosen)}))"
        )
    else:
        sql = (
            "EXISTS (SELECT 1 FROM search_value v WHERE v.record_id = e.record_id "
            f"AND v.facet = %s AND v.value IN ({placeholders(chosen)}))"
        )
    return sql, [facet, *chosen]
