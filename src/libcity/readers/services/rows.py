"""The steps every reader service shares: lock the reader's row, write its history."""

from __future__ import annotations

from libcity.readers.models import Reader, ReaderHistory
from libcity.staff.selectors import Actor


def lock(reader: Reader) -> Reader:
    """The reader re-read under a row lock (call inside ``transaction.atomic``)."""
    return (
        Reader.objects.select_for_update(of=("self",)).select_related("home_unit").get(pk=reader.pk)
    )


def write_history(reader: Reader, action: str, actor: Actor, **details) -> ReaderHistory:
    """An append-only row. ``details`` must never hold the resident ID."""
    return ReaderHistory.objects.create(
        reader=reader, action=action, actor=actor_user(actor), details=details
    )


def actor_user(actor: Actor):
    """The account to record: None for the system or an anonymous visitor."""
    return actor if actor is not None and actor.is_authenticated else None
