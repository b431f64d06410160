"""ISO 2709, the MARC exchange format: framing records, saying in words what is wrong with a
broken one, and writing one.

A well-formed record (framed, its directory numbers, two indicators a field, subfield codes
in ASCII, text that decodes) is parsed here straight into pymarc's objects, the same ones
pymarc would make (``_parsed``): it is most of the work of an import, and pymarc's reader
costs several times more per record (a reader, a log handler and a warnings filter each
time). Anything else goes to pymarc's ``MARCReader``, which yields ``None`` for a bad record
and keeps the exception and the bytes, and warns about what it mends; the rejection or the
notes are made from that. After a framing error (a record length that is not a number, a
record that does not end where its leader says) the file position is no longer trustworthy,
so reading resumes after the next end-of-record mark.
"""

from __future__ import annotations

import io
import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pymarc
from django.utils.translation import gettext as _
from pymarc import Indicators, Subfield
from pymarc.exceptions import (
    BadSubfieldCodeWarning,
    EndOfRecordNotFound,
    FatalReaderError,
    RecordLengthInvalid,
    TruncatedRecord,
)

from libcity.catalogue.marc.encodings import (
    GB18030,
    MARC8,
    UTF8,
    choose_encoding,
    decodes,
    finish,
    reader_options,
)
from libcity.catalogue.marc.exceptions import MarcEncodingError, MarcError, MarcUnreadable
from libcity.catalogue.marc.flavours import detect_flavour
from libcity.catalogue.marc.results import MarcRecord, ReadResult, Rejection

END_OF_RECORD = b"\x1d"
END_OF_FIELD = b"\x1e"
SUBFIELD = b"\x1f"
LEADER_LENGTH = 24
MAX_LENGTH = 99_999
_SUBFIELD_TEXT = SUBFIELD.decode("ascii")
_new, _tuple = object.__new__, tuple.__new__
#: How pymarc decodes subfield values, by our encoding (``reader_options``).
_TEXT = {UTF8: UTF8, GB18030: GB18030, MARC8: "latin-1"}
#: Bytes between records that are not records: line ends, spaces, NUL and DOS end-of-file.
_PADDING = b" \t\r\n\x00\x1a"


def read_iso2709(data: bytes) -> Iterator[ReadResult]:
    """One result per record of an ISO 2709 file, in order; a broken record does not stop
    the file."""
    handle = io.BytesIO(data)
    number = 0
    while (start := _next_start(data, handle.tell())) < len(data):
        number += 1
        chunk = _framed(data, start)
        try:
            plan = _plan(chunk) if chunk else None
        except MarcEncodingError as error:
            handle.seek(start + len(chunk))
            yield Rejection(number, _encoding_words(chunk, error), error.code, offset=start,
                            label=_control_number(chunk))  # fmt: skip
            continue
        record = _parsed(chunk, plan) if plan is not None else None
        if record is None:
            yield _read_one(data, handle, start, number, plan)
            continue
        handle.seek(start + len(chunk))
        yield _finished(record, chunk, start, number, plan, [])


def parse(chunk: bytes, encoding: str) -> pymarc.Record:
    """One record's bytes (a stored source) parsed again, text decoded from ``encoding``."""
    with pymarc_notes():
        record = pymarc.Record(_as_pymarc_reads(chunk, encoding), **reader_options(encoding))
    _restore_leader(record, chunk)
    return finish(record, encoding)


def to_bytes(record: pymarc.Record, *, leader09: str | None = None) -> bytes:
    """The record in ISO 2709, UTF-8. pymarc sets leader/09 to ``a``; ``leader09`` puts
    another value back (UNIMARC leaves the position undefined)."""
    data = record.as_marc()
    if len(data) > MAX_LENGTH:
        raise MarcError(_("The record is %(n)d bytes long; ISO 2709 allows 99,999.")
                        % {"n": len(data)})  # fmt: skip
    if leader09 is not None:
        data = data[:9] + leader09.encode("ascii") + data[10:]
    return data


def diagnose(chunk: bytes, error: Exception | None) -> str:
    """What is wrong with a record pymarc could not read, in words."""
    for check in (_leader_problem, _directory_problem, _field_problem):
        problem = check(chunk, error)
        if problem:
            return problem
    if isinstance(error, UnicodeDecodeError):
        return _("The leader or directory contains bytes that are not ASCII.")
    return _("The record is damaged (%(error)s).") % {"error": _error_words(error)}


@dataclass
class ParseNotes:
    """What pymarc warned about while parsing one record."""

    notes: list[str] = field(default_factory=list)
    bad_codes: list[bytes] = field(default_factory=list)  # subfields whose code is not ASCII


@contextmanager
def pymarc_notes() -> Iterator[ParseNotes]:
    """Collect what pymarc warns about while parsing (missing indicators, a subfield code
    that is not ASCII) for the record, instead of letting it print to the log."""
    found = ParseNotes()
    logger = logging.getLogger("pymarc")
    handler = _Collector(found.notes)
    propagate, logger.propagate = logger.propagate, False
    logger.addHandler(handler)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", BadSubfieldCodeWarning)
            yield found
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
    found.bad_codes += [getattr(w.message, "subf", b"") or b"" for w in caught
                        if isinstance(w.message, BadSubfieldCodeWarning)]  # fmt: skip


class _Collector(logging.Handler):
    def __init__(self, notes: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.notes = notes

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if "indicator" in message:
            self.notes.append(_("A field has missing or extra indicators; read as blanks."))
        else:
            self.notes.append(message)


@dataclass
class _Plan:
    """What the record's bytes say before pymarc parses them: flavour and encoding."""

    flavour: str
    encoding: str
    notes: list[str]
    entries: list[tuple[bytes, int, int]]  # the directory: tag, length, offset


def _read_one(data: bytes, handle: io.BytesIO, start: int, number: int, plan: _Plan | None):
    if plan is not None and _needs_leader_patch(data, start, plan.encoding):
        chunk = _framed(data, start) or b""
        handle.seek(start + len(chunk))
        target = io.BytesIO(_as_pymarc_reads(chunk, plan.encoding))
    else:
        handle.seek(start)
        target = handle
    encoding = plan.encoding if plan else MARC8
    reader = pymarc.MARCReader(target, permissive=True, **reader_options(encoding))
    with pymarc_notes() as parsed:
        record = next(reader)
    if record is None:
        chunk = _broken_chunk(data, handle, start, reader)
        return Rejection(
            number,
            diagnose(chunk, reader.current_exception),
            MarcUnreadable.code,
            offset=start,
            label=_control_number(chunk),
        )
    chunk = data[start : start + len(reader.current_chunk)]
    if parsed.bad_codes:
        return Rejection(
            number,
            _bad_code_words(chunk, parsed.bad_codes[0]),
            MarcUnreadable.code,
            offset=start,
            label=_control_number(chunk),
        )
    return _finished(record, chunk, start, number, plan, parsed.notes)


def _finished(record, chunk: bytes, start: int, number: int, plan: _Plan | None, notes):
    """A record pymarc's objects hold: its leader as in the file, its text decoded."""
    encoding = plan.encoding if plan else MARC8
    _restore_leader(record, chunk)
    try:
        finish(record, encoding)
    except MarcEncodingError as error:
        return Rejection(number, error.message, error.code, offset=start,
                         label=_control_number(chunk))  # fmt: skip
    flavour = plan.flavour if plan else detect_flavour({f.tag for f in record.fields})
    return MarcRecord(number, start, record, chunk, "iso2709", flavour, encoding,
                      [*notes, *(plan.notes if plan else [])])  # fmt: skip


def _parsed(chunk: bytes, plan: _Plan) -> pymarc.Record | None:
    """The record pymarc would read from ``chunk`` (decoded as ``reader_options`` asks), or
    None when pymarc would have something to say about it (a warning or an error): pymarc
    then reads it itself. ``chunk`` is framed and its directory numbers (``_plan``)."""
    chunk = _as_pymarc_reads(chunk, plan.encoding)
    try:
        leader = chunk[:LEADER_LENGTH].decode("ascii")
        text = _TEXT[plan.encoding]
        control = UTF8 if leader[9] == "a" else text
        base = int(chunk[12:17])
        fields = [_field(tag.decode("ascii"), chunk[base + offset : base + offset + length - 1],
                         text, control)
                  for tag, length, offset in plan.entries]  # fmt: skip
    except (UnicodeDecodeError, _Unusual):
        return None
    if not fields:
        return None
    record = pymarc.Record.__new__(pymarc.Record)
    record.leader, record.fields = pymarc.Leader(leader), fields
    record.pos, record._Record__pos = 0, 0
    record.force_utf8, record.to_unicode = plan.encoding == UTF8, True
    return record


class _Unusual(Exception):
    """Something pymarc's reader warns about: it reads that record itself."""


def _field(tag: str, body: bytes, text: str, control: str) -> pymarc.Field:
    """One field as pymarc's ``Record.decode_marc`` makes it (``Field`` without its
    constructor, which checks what is known here). The body is decoded at once, then cut
    at the subfield marks: no byte of a character is below 0x20 in UTF-8 or GB18030, so
    this gives what decoding each subfield apart gives, and fails where that would."""
    field = _new(pymarc.Field)
    field.tag = tag
    if tag < "010" and tag.isdigit():
        field.data, field.control_field = body.decode(control), True
        field._indicators, field.subfields = None, []
        return field
    first, *parts = body.decode(text).split(_SUBFIELD_TEXT)
    if len(first) != 2 or not first.isascii():
        raise _Unusual  # missing or extra indicators
    subfields = [_tuple(Subfield, (part[0], part[1:])) for part in parts if part]
    if not body.isascii() and any(code > "\x7f" for code, _value in subfields):
        raise _Unusual  # a subfield code that is not ASCII
    field.data, field.control_field = None, False
    field._indicators, field.subfields = _tuple(Indicators, first), subfields
    return field


def _plan(chunk: bytes) -> _Plan | None:
    """Flavour and encoding from the record's own bytes; None when its leader or directory
    is broken (pymarc will then refuse it and ``diagnose`` says why)."""
    entries = _directory(chunk)
    if not entries:
        return None
    base = int(chunk[12:17])
    coded = _subfield_a(chunk, base, entries, b"100")
    flavour = detect_flavour({tag.decode("latin-1") for tag, _l, _o in entries}, coded)
    encoding, notes = choose_encoding(leader09=chr(chunk[9]), text=chunk[base:],
                                      flavour=flavour, charsets=coded[26:30])  # fmt: skip
    return _Plan(flavour, encoding, notes, entries)


def _framed(data: bytes, start: int) -> bytes:
    """The record at ``start`` when its length is a number and it ends with the mark; else
    empty bytes."""
    head = data[start : start + 5]
    if not head.isdigit():
        return b""
    chunk = data[start : start + int(head)]
    return chunk if len(chunk) > LEADER_LENGTH and chunk.endswith(END_OF_RECORD) else b""


def _directory(chunk: bytes) -> list[tuple[bytes, int, int]]:
    """(tag, length, offset) of every directory entry; empty when the directory is broken."""
    if not chunk[12:17].isdigit():
        return []
    base = int(chunk[12:17])
    directory = chunk[LEADER_LENGTH : base - 1]
    if base <= LEADER_LENGTH or base >= len(chunk) or len(directory) % 12:
        return []
    entries = [directory[i : i + 12] for i in range(0, len(directory), 12)]
    if not all(entry[3:].isdigit() for entry in entries):
        return []
    return [(entry[:3], int(entry[3:7]), int(entry[7:])) for entry in entries]


def _subfield_a(chunk: bytes, base: int, entries, tag: bytes) -> str:
    for found, length, offset in entries:
        if found == tag:
            body = chunk[base + offset : base + offset + length]
            for part in body.split(SUBFIELD)[1:]:
                if part[:1] == b"a":
                    return part[1:].rstrip(END_OF_FIELD).decode("ascii", "replace")
            return ""
    return ""


def _needs_leader_patch(data: bytes, start: int, encoding: str) -> bool:
    """pymarc reads any record with leader/09 ``a`` as UTF-8; a GB18030 record that carries
    it (it means nothing in UNIMARC) is handed to pymarc with a blank there instead."""
    return encoding == GB18030 and data[start + 9 : start + 10] == b"a"


def _as_pymarc_reads(chunk: bytes, encoding: str) -> bytes:
    if encoding == GB18030 and chunk[9:10] == b"a":
        return chunk[:9] + b" " + chunk[10:]
    return chunk


def _restore_leader(record: pymarc.Record, chunk: bytes) -> None:
    if str(record.leader)[9:10] != chunk[9:10].decode("latin-1"):
        record.leader = pymarc.Leader(chunk[:LEADER_LENGTH].decode("latin-1"))


def _bad_code_words(chunk: bytes, subfield: bytes) -> str:
    """A subfield code that is not ASCII, and the field it is in: the record's subfields
    can no longer be trusted (the code's byte may have been lost)."""
    entries, base = _directory(chunk), int(chunk[12:17])
    tag = next(
        (
            t.decode("latin-1")
            for t, length, offset in entries
            if SUBFIELD + subfield in chunk[base + offset : base + offset + length]
        ),
        "?",
    )
    return _("A subfield code in field %(tag)s is not ASCII (%(bytes)s).") % {
        "tag": tag, "bytes": subfield[:3].hex(" ")}  # fmt: skip


def _encoding_words(chunk: bytes, error: MarcEncodingError) -> str:
    """The encoding problem, and the first field where it shows."""
    entries = _directory(chunk)
    base = int(chunk[12:17])
    for tag, length, offset in entries:
        body = chunk[base + offset : base + offset + length]
        if not decodes(body, UTF8):
            return " ".join([error.message, _("The first bad bytes are in field %(tag)s.")
                             % {"tag": tag.decode("latin-1")}])  # fmt: skip
    return error.message


def _next_start(data: bytes, position: int) -> int:
    while position < len(data) and data[position] in _PADDING:
        position += 1
    return position


def _broken_chunk(data: bytes, handle: io.BytesIO, start: int, reader) -> bytes:
    """The bytes of a record pymarc refused; after a framing error, move to the next record."""
    if not isinstance(reader.current_exception, FatalReaderError):
        return bytes(reader.current_chunk or b"")
    end = data.find(END_OF_RECORD, start)
    end = len(data) if end < 0 else end + 1
    handle.seek(end)
    if isinstance(reader.current_exception, TruncatedRecord):
        return data[start:]
    return data[start:end]


def _leader_problem(chunk: bytes, error) -> str:
    if len(chunk) < LEADER_LENGTH:
        return _("The record is only %(n)d bytes long; the leader alone is 24.") % {"n": len(chunk)}
    if isinstance(error, RecordLengthInvalid) or not chunk[:5].isdigit():
        return _("The leader is not numeric: the record length (leader/00-04) is %(v)s.") % {
            "v": _shown(chunk[:5])}  # fmt: skip
    if isinstance(error, TruncatedRecord):
        return _("The file ends inside this record: %(got)d of %(want)d bytes.") % {
            "got": len(chunk), "want": int(chunk[:5])}  # fmt: skip
    if not chunk[12:17].isdigit():
        return _("The leader is not numeric: the base address (leader/12-16) is %(v)s.") % {
            "v": _shown(chunk[12:17])}  # fmt: skip
    base = int(chunk[12:17])
    if base <= LEADER_LENGTH:
        return _("The base address of data (leader/12-16) is %(base)d, inside the leader.") % {
            "base": base}  # fmt: skip
    if base >= len(chunk):
        return _("The base address of data (%(base)d) points past the end of the record "
                 "(%(n)d bytes).") % {"base": base, "n": len(chunk)}  # fmt: skip
    return ""


def _directory_problem(chunk: bytes, error) -> str:
    directory = chunk[LEADER_LENGTH : int(chunk[12:17]) - 1]
    if len(directory) % 12:
        return _("The directory is damaged: its length (%(n)d) is not a multiple of 12.") % {
            "n": len(directory)}  # fmt: skip
    if not directory:
        return _("The record has no fields.")
    for index in range(0, len(directory), 12):
        entry = directory[index : index + 12]
        if not entry[3:].isdigit() or not entry[:3].isalnum():
            return _("Directory entry %(n)d (%(entry)s) is not a tag and two numbers.") % {
                "n": index // 12 + 1, "entry": _shown(entry)}  # fmt: skip
    return ""


def _field_problem(chunk: bytes, error) -> str:
    """After "no end of record where the leader says": find the field that is not as long as
    its directory entry says, and a non-ASCII subfield code in it (a common cause)."""
    if not isinstance(error, EndOfRecordNotFound):
        return ""
    base = int(chunk[12:17])
    directory = chunk[LEADER_LENGTH : base - 1]
    for index in range(0, len(directory), 12):
        tag, length, offset = directory[index : index + 3], directory[index + 3 : index + 7], \
            directory[index + 7 : index + 12]  # fmt: skip
        start = base + int(offset)
        body = chunk[start : start + int(length)]
        if not body.endswith(END_OF_FIELD):
            return _field_words(tag.decode("ascii"), chunk[start:])
    return _("The record does not end where its leader says (byte %(n)s).") % {
        "n": int(chunk[:5])}  # fmt: skip


def _field_words(tag: str, rest: bytes) -> str:
    body = rest.split(END_OF_FIELD, 1)[0]
    for part in body.split(SUBFIELD)[1:]:
        if part and part[0] > 0x7F:
            return _("Field %(tag)s has a subfield code that is not ASCII (%(bytes)s), so it "
                     "is longer than its directory entry says.") % {
                "tag": tag, "bytes": part[:2].hex(" ")}  # fmt: skip
        if not part:
            return _("Subfield code missing in field %(tag)s.") % {"tag": tag}
    return _("Field %(tag)s is not as long as its directory entry says.") % {"tag": tag}


def _error_words(error: Exception | None) -> str:
    if error is None:
        return _("unknown error")
    return str(error) or type(error).__name__


def _shown(value: bytes) -> str:
    return repr(value.decode("latin-1"))


def _control_number(chunk: bytes) -> str:
    """The 001 of a record, read straight from its bytes, when its directory allows."""
    try:
        base = int(chunk[12:17])
        directory = chunk[LEADER_LENGTH : base - 1]
        for index in range(0, len(directory), 12):
            if directory[index : index + 3] == b"001":
                length, offset = int(directory[index + 3 : index + 7]), int(
                    directory[index + 7 : index + 12])  # fmt: skip
                value = chunk[base + offset : base + offset + length].split(END_OF_FIELD)[0]
                return value.decode("utf-8", "replace").strip()
    except ValueError:
        return ""
    return ""
