"""Exporting the catalogue as MARC21 or CNMARC, in ISO 2709 or MARCXML, always UTF-8.

A record whose stored source is in the flavour asked for is written from that source: every
field, indicator and subfield as it came, decoded with its encoding and written as UTF-8
(MARC21 leader/09 ``a``; CNMARC 100 $a/26-29 ``50`` when the source was GB18030). Any other
record is built from its columns in the flavour asked for, with its copies as holdings
(MARC21 852, CNMARC 905).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import BinaryIO

import pymarc
from django.db.models import Prefetch
from django.utils.translation import gettext as _

from libcity.catalogue.marc import cnmarc, iso2709, marc21
from libcity.catalogue.marc.encodings import UTF8
from libcity.catalogue.marc.exceptions import MarcError
from libcity.catalogue.marc.flavours import CNMARC, MARC21
from libcity.catalogue.marc.reading import ISO2709, MARCXML, source_record
from libcity.catalogue.models import Item, ItemStatus, Record
from libcity.network.models import Unit

FLAVOURS = (MARC21, CNMARC)
FORMATS = (ISO2709, MARCXML)
_BUILDERS = {MARC21: marc21.marc_record, CNMARC: cnmarc.marc_record}


@dataclass
class ExportReport:
    written: int = 0
    from_source: int = 0
    built: int = 0
    skipped: list[str] = field(default_factory=list)  # "<record id> <title>: <reason>"

    def summary(self) -> str:
        return (f"exported {self.written} ({self.from_source} from their source, "
                f"{self.built} built), skipped {len(self.skipped)}")  # fmt: skip


def marc_export(*, out: BinaryIO, flavour: str, fmt: str, unit: Unit | None = None) -> ExportReport:
    """Write every record (with ``unit``: every record with a copy the unit owns, and only
    those copies) to ``out``."""
    if flavour not in FLAVOURS or fmt not in FORMATS:
        raise MarcError(_("Export as %(flavour)s in %(format)s is not possible.")
                        % {"flavour": flavour, "format": fmt})  # fmt: skip
    report = ExportReport()
    writer = _Writer(out, fmt=fmt, flavour=flavour)
    for record in _records(unit):
        _write_one(writer, record, flavour, report)
    writer.close()
    return report


def marc_record(record: Record, *, flavour: str, items: list[Item]) -> tuple[pymarc.Record, bool]:
    """The MARC record written for ``record``, and whether it came from the stored source."""
    if record.marc_flavour == flavour and record.marc_source:
        marc = source_record(bytes(record.marc_source), container=record.marc_format,
                             encoding=record.marc_encoding)  # fmt: skip
        if flavour == CNMARC and record.marc_encoding != UTF8:
            cnmarc.declare_unicode(marc)
        return marc, True
    return _BUILDERS[flavour](record, items), False


def _write_one(writer: _Writer, record: Record, flavour: str, report: ExportReport) -> None:
    try:
        marc, from_source = marc_record(record, flavour=flavour, items=record.export_items)
        writer.write(marc)
    except MarcError as error:
        report.skipped.append(f"{record.pk} {record.title}: {error.message}")
        return
    report.written += 1
    report.from_source += from_source
    report.built += not from_source


def _records(unit: Unit | None):
    items = (Item.objects.exclude(status=ItemStatus.WITHDRAWN)
             .select_related("owner").order_by("barcode"))  # fmt: skip
    records = Record.objects.order_by("pk")
    if unit is not None:
        items = items.filter(owner=unit)
        records = records.filter(pk__in=items.values("record_id"))
    prefetch = Prefetch("items", queryset=items, to_attr="export_items")
    return records.prefetch_related(prefetch).iterator(chunk_size=500)


class _Writer:
    """ISO 2709 or MARCXML out, UTF-8. MARC21 says UTF-8 in leader/09; UNIMARC leaves the
    position undefined, so a CNMARC record keeps the value it had."""

    def __init__(self, out: BinaryIO, *, fmt: str, flavour: str) -> None:
        self.out, self.flavour = out, flavour
        self.xml = pymarc.XMLWriter(out) if fmt == MARCXML else None

    def write(self, marc: pymarc.Record) -> None:
        leader09 = "a" if self.flavour == MARC21 else str(marc.leader)[9]
        if self.xml is None:
            self.out.write(iso2709.to_bytes(marc, leader09=leader09))
            return
        marc.leader = pymarc.Leader(str(marc.leader)[:9] + leader09 + str(marc.leader)[10:])
        self.xml.write(marc)

    def close(self) -> None:
        if self.xml is not None:
            self.xml.close(close_fh=False)
