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
from libcity.catalogue.services.items import item_add
from libcity.network.models import Unit
from libcity.staff.selectors import Actor

_COPIED = (
    "title", "responsibility", "authors", "alt_titles", "alt_authors", "publisher", "place",
    "year", "language", "clc", "subjects", "format", "marc_flavour", "marc_format",
    "marc_encoding", "marc_source",
)  # fmt: skip


@dataclass
class ImportOutcome:
    record: Record
    merged: bool
    items: list[Item]


def record_create(*, data: RecordData, actor: Actor = None) -> Record:
    """A new record from ``data`` (no copies; see ``item_add``)."""
    _check(data)
    with transaction.atomic():
        record = Record.objects.create(**_columns(data))
        _write_isbns(record, data.isbns)
        _history("record_created", record, actor, isbns=data.isbns)
        indexing.records_changed([record.pk])
    return record


def record_update(*, record: Record, data: RecordData, actor: Actor = None) -> Record:
    """Replace what the record says with ``data``; the source MARC stays unless ``data``
    brings one."""
    _check(data)
    with transaction.atomic():
        locked = Record.objects.select_for_update().get(pk=record.pk)
        columns = _columns(data)
        if data.marc_source is None:
            for key in ("marc_flavour", "marc_format", "marc_encoding", "marc_source"):
                columns.pop(key)
        changed = sorted(k for k, v in columns.items() if getattr(locked, k) != v)
        Record.objects.filter(pk=record.pk).update(**columns)
        RecordIsbn.objects.filter(record=record).delete()
        _write_isbns(record, data.isbns)
        _history("record_updated", record, actor, fields=changed)
        indexing.records_changed([record.pk])
    record.refresh_from_db()
    return record


def record_import(*, data: RecordData, unit: Unit, actor: Actor = None) -> ImportOutcome:
    """Copy cataloguing: merge into the matching record or create one, then add the copies.

    All or nothing: a copy that cannot be added (a barcode already taken, say) leaves neither
    the record nor any copy behind.
    """
    _check(data)
    with transaction.atomic():
        existing = record_match(data.isbns, policies.match_key(*_key_parts(data)))
        record = existing or record_create(data=data, actor=actor)
        if existing is not None:
            _history("record_merged", existing, actor, isbns=data.isbns, title=data.title,
                     items=[i.barcode for i in data.items])  # fmt: skip
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


def _check(data: RecordData) -> None:
    if not (data.title or "").strip():
        raise InvalidRecord(_("A record needs a title."))
    if data.year is not None and not 0 < data.year < 3000:
        raise InvalidRecord(_("The year %(year)s is not a year.") % {"year": data.year})


def _key_parts(data: RecordData) -> tuple[str, str, int | None]:
    return data.title, (data.authors[0] if data.authors else ""), data.year


def _columns(data: RecordData) -> dict:
    columns = {f.name: getattr(data, f.name) for f in fields(data) if f.name in _COPIED}
    columns["title"] = data.title.strip()[:500]
    columns["isbns"] = list(dict.fromkeys(data.isbns))
    columns["isbn"] = columns["isbns"][0] if columns["isbns"] else ""
    columns["clc_top"] = policies.clc_top(data.clc)
    columns["match_key"] = policies.match_key(*_key_parts(data))
    return columns


def _write_isbns(record: Record, isbns: list[str]) -> None:
    RecordIsbn.objects.bulk_create(
        [RecordIsbn(record=record, isbn=isbn) for isbn in dict.fromkeys(isbns)]
    )


def _history(action: str, record: Record, actor: Actor, **details) -> None:
    who = actor if actor is not None and actor.is_authenticated else None
    CatalogueHistory.objects.create(action=action, record=record, actor=who, details=details)
