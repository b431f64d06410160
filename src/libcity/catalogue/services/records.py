"""Records: one per edition. An incoming record whose ISBN (or, without one, whose
title/author/year key) matches an existing record is merged into it: its copies are attached
to the existing record and the merge is written to history."""

from __future__ import annotations

from dataclasses import dataclass, fields

from django.db import transaction
from django.utils.translation import gettext as _

from libcity.catalogue import indexing, policies
from libcity.catalogue.data import RecordData
from libcity.catalogue.exceptions import InvalidRecord
from libcity.catalogue.models import CatalogueHistory, Item, Record, RecordIsbn
from libcity.catalogue.selectors import record_match
from libcity.catalogue.services.checks import unstorable_text
from libcity.catalogue.services.items import item_add
from libcity.network.models import Unit
from libcity.staff.selectors import Actor

_COPIED = (
    "title", "responsibility", "authors", "alt_titles", "alt_authors", "publisher", "place",
    "year", "language", "clc", "subjects", "format", "marc_flavour", "marc_format",
    "marc_encoding", "marc_source",
)  # fmt: skip
#: The length of each text column of a record.
_LIMITS = {
    f.name: f.max_length for f in Record._meta.concrete_fields
    if f.max_length and not f.is_relation
}  # fmt: skip
_ISBN_LENGTH = RecordIsbn._meta.get_field("isbn").max_length


@dataclass
class ImportOutcome:
    record: Record
    merged: bool
    items: list[Item]


def record_create(*, data: RecordData, actor: Actor = None) -> Record:
    """A new record from ``data`` (no copies; see ``item_add``)."""
    columns = record_check(data)
    with transaction.atomic():
        record = Record.objects.create(**columns)
        _write_isbns(record, data.isbns)
        _history(record, created_history(data, actor))
        indexing.records_changed([record.pk])
    return record


def record_update(*, record: Record, data: RecordData, actor: Actor = None) -> Record:
    """Replace what the record says with ``data``; the source MARC stays unless ``data``
    brings one."""
    columns = record_check(data)
    with transaction.atomic():
        locked = Record.objects.select_for_update().get(pk=record.pk)
        if data.marc_source is None:
            for key in ("marc_flavour", "marc_format", "marc_encoding", "marc_source"):
                columns.pop(key)
        changed = sorted(k for k, v in columns.items() if getattr(locked, k) != v)
        Record.objects.filter(pk=record.pk).update(**columns)
        RecordIsbn.objects.filter(record=record).delete()
        _write_isbns(record, data.isbns)
        _history(record, history_columns("record_updated", actor, fields=changed))
        indexing.records_changed([record.pk])
    record.refresh_from_db()
    return record


def record_import(*, data: RecordData, unit: Unit, actor: Actor = None) -> ImportOutcome:
    """Copy cataloguing: merge into the matching record or create one, then add the copies.

    All or nothing: a copy that cannot be added (a barcode already taken, say) leaves neither
    the record nor any copy behind. (``records_import`` applies the same rules to many
    records at once.)
    """
    record_check(data)
    with transaction.atomic():
        existing = record_match(data.isbns, record_match_key(data))
        record = existing or record_create(data=data, actor=actor)
        if existing is not None:
            _history(existing, merged_history(data, actor))
        items = [_import_item(record, item, unit, actor) for item in data.items]
        indexing.records_changed([record.pk])
    return ImportOutcome(record=record, merged=existing is not None, items=items)


def _import_item(record: Record, item, unit: Unit, actor: Actor) -> Item:
    owner = Unit.objects.filter(code=item.owner_code).first() if item.owner_code else unit
    return item_add(
        record=record, barcode=item.barcode, owner=owner or unit, call_number=item.call_number,
        item_type=item.item_type, price=item.price, status=policies.IMPORTED_ITEM_STATUS,
        actor=actor,
    )  # fmt: skip


# --- the rules shared with the batch import (services/imports.py) ------------------------


def record_check(data: RecordData) -> dict:
    """What a record must be to be stored; raises InvalidRecord, else returns the columns
    of a new record made from ``data``. Everything the database would refuse is refused here
    first, in words, the same way on SQLite (which does not enforce lengths) and PostgreSQL.
    """
    if not (data.title or "").strip():
        raise InvalidRecord(_("A record needs a title."))
    if data.year is not None and not 0 < data.year < 3000:
        raise InvalidRecord(_("The year %(year)s is not a year.") % {"year": data.year})
    columns = record_columns(data)
    longest_isbn = max(columns["isbns"], key=len, default="")
    problem = unstorable_text(columns, _LIMITS) or unstorable_text(
        {"isbn": longest_isbn}, {"isbn": _ISBN_LENGTH}
    )
    if problem:
        raise InvalidRecord(problem)
    return columns


def record_match_key(data: RecordData) -> str:
    """The title/author/year key ``data`` would be matched (and stored) by."""
    return policies.match_key(data.title, data.authors[0] if data.authors else "", data.year)


def record_columns(data: RecordData) -> dict:
    """The columns of a new record made from ``data``."""
    columns = {f.name: getattr(data, f.name) for f in fields(data) if f.name in _COPIED}
    columns["title"] = data.title.strip()[:500]
    columns["isbns"] = list(dict.fromkeys(data.isbns))
    columns["isbn"] = columns["isbns"][0] if columns["isbns"] else ""
    columns["clc_top"] = policies.clc_top(data.clc)
    columns["match_key"] = record_match_key(data)
    return columns


def created_history(data: RecordData, actor: Actor) -> dict:
    """The columns of the ``record_created`` history row."""
    return history_columns("record_created", actor, isbns=data.isbns)


def merged_history(data: RecordData, actor: Actor) -> dict:
    """The columns of the ``record_merged`` row: what came in (ISBNs, title, the barcodes of
    the copies added) and was merged into a record."""
    return history_columns("record_merged", actor, isbns=data.isbns, title=data.title,
                           items=[i.barcode for i in data.items])  # fmt: skip


def history_columns(action: str, actor: Actor, **details) -> dict:
    who = actor if actor is not None and actor.is_authenticated else None
    return {"action": action, "actor_id": who.pk if who is not None else None,
            "details": details}  # fmt: skip


def _history(record: Record, columns: dict) -> None:
    CatalogueHistory.objects.create(record=record, **columns)


def _write_isbns(record: Record, isbns: list[str]) -> None:
    RecordIsbn.objects.bulk_create(
        [RecordIsbn(record=record, isbn=isbn) for isbn in dict.fromkeys(isbns)]
    )
