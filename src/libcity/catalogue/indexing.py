"""Keeping the search index in step with the catalogue: after commit, reindex what changed.

``records_changed`` is called by every catalogue service inside its transaction.
"""

from __future__ import annotations

from django.db import transaction


def records_changed(record_ids: list[int]) -> None:
    """Reindex these records once the surrounding transaction commits."""
    ids = list(record_ids)
    transaction.on_commit(lambda: records_reindex(ids))


def records_reindex(record_ids: list[int]) -> None:
    """Rebuild the search documents of these records (written with the search backends)."""
    from libcity.search import index  # noqa: F401 - provided by the search room
