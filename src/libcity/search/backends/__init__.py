"""The index backends, one per database engine, picked by ``connection.vendor``."""

from __future__ import annotations

from django.db import connection

from libcity.search.backends.base import Backend
from libcity.search.backends.postgres import PostgresBackend
from libcity.search.backends.sqlite import SqliteBackend

BACKENDS: dict[str, type[Backend]] = {"sqlite": SqliteBackend, "postgresql": PostgresBackend}


def current() -> Backend:
    """The backend of the default database."""
    try:
        return BACKENDS[connection.vendor]()
    except KeyError:
        raise NotImplementedError(f"No search backend for {connection.vendor}") from None


__all__ = ["BACKENDS", "Backend", "current"]
