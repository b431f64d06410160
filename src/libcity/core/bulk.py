"""Inserting many rows at once, for imports: multi-row INSERTs built straight from dicts.

Django's ``bulk_create`` spends most of its time in Python, preparing each value of each model
instance through the field's whole conversion chain; a 100,000-record MARC import writes more
than a million rows. ``insert_rows`` takes plain dicts of column values (by attribute name:
``record_id``, not ``record``), fills in the model's defaults, converts only the values whose
type needs it (JSON, dates and times, decimals, bytes) and sends one statement per
``bulk_batch_size`` rows, returning the new ids when asked (PostgreSQL, and SQLite 3.35+,
return them; Django's ``bulk_create`` relies on the same ``RETURNING``). On PostgreSQL rows
whose ids are not wanted go by ``COPY``.

No signals are sent and ``save()`` is not called: for append-only rows written by a service
that has checked them already.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from itertools import chain
from typing import Any

from django.db import NotSupportedError, connections, models, router

#: Field types whose Python values the database driver takes as they are.
_PLAIN = (
    models.CharField, models.TextField, models.IntegerField, models.BooleanField,
    models.ForeignKey,
)  # fmt: skip
#: The most parameters one statement may carry (PostgreSQL's protocol allows 65,535).
_MAX_PARAMETERS = 65_000


def insert_rows(
    model: type[models.Model], rows: list[dict[str, Any]], *, returning_ids: bool = False
) -> list[int]:
    """Insert ``rows`` of ``model`` in as few statements as the database takes; the new ids
    in the rows' order when ``returning_ids`` (else an empty list)."""
    if not rows:
        return []
    database = connections[router.db_for_write(model)]
    if returning_ids and not database.features.can_return_rows_from_bulk_insert:
        raise NotSupportedError("This database does not return ids from a multi-row insert.")
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = [_Column(f, database) for f in fields]
    if database.vendor == "postgresql" and not returning_ids:
        _copy(database, model, fields, columns, rows)
        return []
    size = _rows_per_statement(database, fields, rows)
    ids: list[int] = []
    with database.cursor() as cursor:
        for start in range(0, len(rows), size):
            part = rows[start : start + size]
            values = [column.values(part) for column in columns]
            params = list(chain.from_iterable(zip(*values, strict=True)))
            cursor.execute(_statement(database, model, fields, len(part), returning_ids), params)
            if returning_ids:
                ids += [row[0] for row in cursor.fetchall()]
    return ids


def _copy(database, model, fields: list[models.Field], columns: list[_Column],
          rows: list[dict[str, Any]]) -> None:  # fmt: skip
    """PostgreSQL: one ``COPY`` stream. A multi-row INSERT of thousands of rows spends more
    time in the driver, which reads the statement's text for each of its placeholders, than
    in the database."""
    quote = database.ops.quote_name
    names = ", ".join(quote(f.column) for f in fields)
    values = [column.values(rows) for column in columns]
    with (
        database.cursor() as cursor,
        cursor.cursor.copy(f"COPY {quote(model._meta.db_table)} ({names}) FROM STDIN") as copy,
    ):
        for row in zip(*values, strict=True):
            copy.write_row(row)


class _Column:
    """One column of the insert: how a row's value becomes what the driver takes, and the
    model's default (converted once) for rows without one."""

    __slots__ = ("default", "name", "prepare")

    def __init__(self, field: models.Field, database) -> None:
        self.name = field.attname
        self.prepare = _converter(field, database)
        default = _default(field)
        self.default = default if self.prepare is None else self.prepare(default)

    def values(self, rows: list[dict[str, Any]]) -> list[Any]:
        """This column's value in each row (a column at a time: the rows' values are then
        interleaved by ``zip``, in C)."""
        name, default, prepare = self.name, self.default, self.prepare
        if prepare is None:
            return [row.get(name, default) for row in rows]
        return [prepare(row[name]) if name in row else default for row in rows]


def _default(field: models.Field) -> Any:
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return field.pre_save(field.model(), add=True)
    return field.get_default()


def _converter(field: models.Field, database) -> Callable | None:
    """How a value of ``field`` becomes what the driver takes: None for as it is. The
    backend's adapters are called directly (the field's own chain costs several times
    more, through the connection proxy each time)."""
    ops = database.ops
    if isinstance(field, _PLAIN):
        return None
    if isinstance(field, models.DateTimeField):
        return ops.adapt_datetimefield_value
    if isinstance(field, models.JSONField):
        return lambda value: ops.adapt_json_value(value, field.encoder)
    if isinstance(field, models.DecimalField):
        return lambda value: ops.adapt_decimalfield_value(
            value, field.max_digits, field.decimal_places
        )
    return lambda value: field.get_db_prep_save(value, database)


def _rows_per_statement(database, fields: list[models.Field], rows: list[dict]) -> int:
    """As many rows as one statement may carry: SQLite's own limit on variables (Django
    assumes the oldest builds' 999; 32,766 since SQLite 3.32), else the backend's."""
    if database.vendor == "sqlite":
        database.ensure_connection()
        allowed = database.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // len(fields)
    else:
        allowed = database.ops.bulk_batch_size(fields, rows)
    return max(1, min(allowed, _MAX_PARAMETERS // len(fields)))


def _statement(database, model, fields: list[models.Field], count: int, returning: bool) -> str:
    quote = database.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    values = database.ops.bulk_insert_sql(fields, [["%s"] * len(fields)] * count)
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) {values}"
    if returning:
        returned, _params = database.ops.return_insert_columns([model._meta.pk])
        sql = f"{sql} {returned}"
    return sql
