"""A record read → catalogue data, by the table of its flavour."""

from __future__ import annotations

from django.utils.translation import gettext as _

from libcity.catalogue.marc import cnmarc, marc21
from libcity.catalogue.marc.exceptions import MarcIncomplete
from libcity.catalogue.marc.fields import FieldsByTag, Mapped
from libcity.catalogue.marc.flavours import CNMARC, NOT_BIBLIOGRAPHIC
from libcity.catalogue.marc.results import MarcRecord

_TITLE_FIELD = {CNMARC: "200 $a"}


def record_data(read: MarcRecord) -> Mapped:
    """What the record says, with its source (bytes, container, flavour, encoding) kept.
    Raises MarcIncomplete for a record that cannot be a catalogue record."""
    if str(read.record.leader)[6:7] in NOT_BIBLIOGRAPHIC:
        raise MarcIncomplete(_("This is an authority or holdings record, not a bibliographic one."))
    table = cnmarc if read.flavour == CNMARC else marc21
    mapped = table.record_data(FieldsByTag(read.record))
    if not mapped.data.title:
        raise MarcIncomplete(_("The record has no title (%(field)s).")
                             % {"field": _TITLE_FIELD.get(read.flavour, "245 $a")})  # fmt: skip
    data = mapped.data
    data.marc_flavour, data.marc_format = read.flavour, read.container
    data.marc_encoding, data.marc_source = read.encoding, read.raw
    mapped.notes[:0] = read.notes
    return mapped
