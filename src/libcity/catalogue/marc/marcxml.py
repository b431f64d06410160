"""MARCXML (the MARC21 slim schema, also used for UNIMARC and CNMARC): reading record by
record, with each ``<record>`` element kept as the record's source.

Records are streamed with ``iterparse`` and turned into pymarc records here rather than by
pymarc's SAX handler, so that a record with a field without a tag or a subfield without a code
is rejected alone, in words, and the rest of the file is still read. XML that is not
well-formed stops the file where it breaks (nothing after that point can be trusted).
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pymarc
from django.utils.translation import gettext as _
from pymarc import Field, Indicators, Subfield

from libcity.catalogue.marc.encodings import UTF8
from libcity.catalogue.marc.exceptions import MarcUnreadable
from libcity.catalogue.marc.flavours import detect_flavour
from libcity.catalogue.marc.results import MarcRecord, ReadResult, Rejection

MARC_NS = "http://www.loc.gov/MARC21/slim"
_JUNK_AFTER_ROOT = 9  # expat: several top-level elements (records without a collection)
_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*?\?>", re.S)
_DECLARED_ENCODING = re.compile(rb"""encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_EXPAT_ENCODINGS = {"utf-8", "utf8", "us-ascii", "ascii", "iso-8859-1", "latin-1", "utf-16"}
_RECORD_TAGS = frozenset({"record", f"{{{MARC_NS}}}record"})
_TAG = re.compile(r"[0-9A-Za-z]{3}")


def read_marcxml(data: bytes) -> Iterator[ReadResult]:
    """One result per ``<record>`` of a MARCXML document."""
    number = 0
    try:
        for element in _record_elements(_expat_ready(data)):
            number += 1
            yield _read(element, number)
            element.clear()
    except ET.ParseError as error:
        yield _not_well_formed(number + 1, error)
    except LookupError as error:  # expat asked Python for a codec that does not exist
        words = _("The XML declares an encoding that does not exist (%(error)s).")
        yield Rejection(number + 1, words % {"error": error}, MarcUnreadable.code)


def element_record(element: ET.Element) -> tuple[pymarc.Record, list[str]]:
    """A ``<record>`` element as a pymarc record, with notes on what was repaired."""
    record, notes = pymarc.Record(), []
    leader = None
    for child in element:
        name = _local(child.tag)
        if name == "leader":
            leader = _leader(child.text or "", notes)
        elif name == "controlfield":
            record.add_field(Field(tag=_tag(child), data=child.text or ""))
        elif name == "datafield":
            record.add_field(_datafield(child, notes))
    if leader is None:
        notes.append(_("The record has no leader."))
    record.leader = pymarc.Leader(leader or " " * 24)
    return record, notes


def serialized(element: ET.Element) -> bytes:
    """The element as UTF-8 XML, in the MARCXML default namespace when it is in it."""
    namespace = MARC_NS if element.tag.startswith(f"{{{MARC_NS}}}") else None
    try:
        text = ET.tostring(element, encoding="unicode", default_namespace=namespace)
    except ValueError:  # a child outside the namespace: keep prefixes
        text = ET.tostring(element, encoding="unicode")
    return text.encode("utf-8")


def _not_well_formed(number: int, error: ET.ParseError) -> Rejection:
    line, column = error.position
    words = _("The XML is not well-formed at line %(line)d, column %(column)d; the rest of "
              "the file is not read.") % {"line": line, "column": column + 1}  # fmt: skip
    return Rejection(number, words, MarcUnreadable.code)


def _read(element: ET.Element, number: int) -> ReadResult:
    try:
        record, notes = element_record(element)
    except MarcUnreadable as error:
        return Rejection(number, error.message, error.code, label=_control_number(element))
    coded = next((s.value for f in record.get_fields("100") for s in f.subfields
                  if s.code == "a"), "")  # fmt: skip
    flavour = detect_flavour({field.tag for field in record.fields}, coded)
    return MarcRecord(number, None, record, serialized(element), "marcxml", flavour, UTF8, notes)


def _record_elements(data: bytes) -> Iterator[ET.Element]:
    """``<record>`` elements in document order. Some files are records one after another
    without a ``<collection>``; they are read again inside one."""
    seen = 0
    try:
        for element in _iter_records(data):
            seen += 1
            yield element
        return
    except ET.ParseError as error:
        if error.code != _JUNK_AFTER_ROOT:
            raise
    for index, element in enumerate(_iter_records(_wrapped(data))):
        if index >= seen:
            yield element


def _iter_records(data: bytes) -> Iterator[ET.Element]:
    for _event, element in ET.iterparse(io.BytesIO(data), events=("end",)):
        if element.tag in _RECORD_TAGS:
            yield element


def _wrapped(data: bytes) -> bytes:
    return b"<collection>" + _DECLARATION.sub(b"", data, count=1) + b"</collection>"


def _expat_ready(data: bytes) -> bytes:
    """The document in an encoding expat reads: GBK, GB18030, Big5... are transcoded to
    UTF-8 and the declaration says so."""
    declaration = _DECLARATION.match(data)
    found = _DECLARED_ENCODING.search(declaration.group(0)) if declaration else None
    if not found or found.group(1).decode("ascii").lower() in _EXPAT_ENCODINGS:
        return data
    try:
        text = data.decode(found.group(1).decode("ascii"))
    except (LookupError, UnicodeDecodeError):
        return data  # expat will say what is wrong
    body = _DECLARATION.sub(b"", text.encode("utf-8"), count=1)
    return b'<?xml version="1.0" encoding="UTF-8"?>' + body


def _leader(text: str, notes: list[str]) -> str:
    if len(text) != 24:
        notes.append(
            _("The leader has %(n)d characters, not 24; padded or cut.") % {"n": len(text)}
        )
    return text[:24].ljust(24)


def _tag(element: ET.Element) -> str:
    tag = (element.get("tag") or "").strip()
    if not _TAG.fullmatch(tag):
        raise MarcUnreadable(_("A %(element)s has no valid tag (%(tag)s).")
                             % {"element": _local(element.tag), "tag": repr(tag)})  # fmt: skip
    return tag


def _datafield(element: ET.Element, notes: list[str]) -> Field:
    tag = _tag(element)
    if tag < "010" and tag.isdigit():
        raise MarcUnreadable(
            _("Field %(tag)s is a control field but has subfields.") % {"tag": tag}
        )
    indicators = [_indicator(element.get(name), tag, notes) for name in ("ind1", "ind2")]
    subfields = [_subfield(child, tag) for child in element if _local(child.tag) == "subfield"]
    return Field(tag=tag, indicators=Indicators(*indicators), subfields=subfields)


def _indicator(value: str | None, tag: str, notes: list[str]) -> str:
    if value is None or len(value) == 1:
        return value or " "
    notes.append(_("Field %(tag)s has an indicator that is not one character; read as blank.")
                 % {"tag": tag})  # fmt: skip
    return " "


def _subfield(element: ET.Element, tag: str) -> Subfield:
    code = element.get("code") or ""
    if len(code) != 1:
        raise MarcUnreadable(_("Subfield code missing in field %(tag)s.") % {"tag": tag})
    return Subfield(code, element.text or "")


def _control_number(element: ET.Element) -> str:
    for child in element:
        if _local(child.tag) == "controlfield" and child.get("tag") == "001":
            return (child.text or "").strip()
    return ""


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]
