"""Reading MARC files: which container (ISO 2709, MARCXML, MARC-in-JSON), then one result per
record, each a record read (with its flavour, encoding and exact source bytes) or a rejection
with its reason in words.

The container is told by the first byte that is not a space or a byte-order mark: ``<`` is
XML, ``{`` or ``[`` is JSON, anything else is ISO 2709. Flavour and encoding are decided per
record (see ``flavours`` and ``encodings``), because files mix them.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pymarc

from libcity.catalogue.marc import iso2709, marcjson, marcxml
from libcity.catalogue.marc.results import ReadResult

ISO2709 = "iso2709"
MARCXML = "marcxml"
JSON = "json"
CONTAINERS = (ISO2709, MARCXML, JSON)

_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


def read_marc(source: Path | str | bytes) -> Iterator[ReadResult]:
    """Every record of a MARC file (a path, or the file's bytes), in order."""
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    readers = {ISO2709: iso2709.read_iso2709, MARCXML: marcxml.read_marcxml,
               JSON: marcjson.read_marcjson}  # fmt: skip
    return readers[detect_container(data)](data)


def detect_container(data: bytes) -> str:
    if data.startswith(_BOMS[1:]):
        return MARCXML  # UTF-16 text: only XML comes that way
    head = data.removeprefix(_BOMS[0]).lstrip()[:1]
    if head == b"<":
        return MARCXML
    if head in (b"{", b"["):
        return JSON
    return ISO2709


def source_record(raw: bytes, *, container: str, encoding: str) -> pymarc.Record:
    """A record's stored source read again, text decoded, every field as it was."""
    if container == MARCXML:
        return marcxml.element_record(ET.fromstring(raw))[0]
    if container == JSON:
        return marcjson.json_record(json.loads(raw))
    return iso2709.parse(raw, encoding)
