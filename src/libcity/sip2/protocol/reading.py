"""Reading one SIP2 frame into a ``Request``: code, fixed fields by name, identified fields by id,
the AY sequence number and the AZ checksum.

The frame is decoded as a whole before it is split: in GB18030 the byte ``|`` (0x7C) can be the
second byte of a Chinese character (亅, 億, ...), so splitting bytes on the delimiter would cut
characters. The AY/AZ trailer is plain ASCII at the end, so its bytes are the last bytes of the
frame in every ASCII-compatible encoding, and the checksum is checked on the bytes as sent.

Terminals in the field are lenient writers; what we accept beyond the letter of the spec:
empty values (``AO|``), a last field without its delimiter, a delimiter right after the fixed
part or right before AY, empty segments (``||``), vendor fields (dp2's KC, KQ) kept like any
other, and a fixed part short of some spaces (a date zone sent as 3 spaces, a blank
nb-due-date left out) when exactly one reading of it fits the layout.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache, lru_cache

from .checksum import SPEC, VENDOR, spec_checksum, spec_valid, vendor_checksum
from .errors import BadEncoding, ChecksumMismatch, Malformed, Oversized, Truncated, UnknownMessage
from .layouts import DATE, LAYOUTS, OPTIONAL_DATE, FixedField, Layout

MAX_FRAME_LENGTH = 4096
"""Longest frame (bytes, without terminator) we read; SIP2 messages are far shorter."""

CHECKSUM_MODES = ("strict", "lenient", "off")

_TRAILER = re.compile(r"(?:AY([0-9]))?AZ([0-9A-Fa-f]{4})\Z")
_SEQUENCE_ONLY = re.compile(r"AY([0-9])\Z")
_FIELD_ID = re.compile(r"[A-Z][A-Z0-9]")
_RUNS = re.compile(r" +|[^ ]+")
_DATE_PARTS = re.compile(r"([0-9]{8})([A-Z ]{0,4})([0-9]{6})")


@dataclass(frozen=True)
class Request:
    """One message read from a terminal (requests; responses read the same way).

    ``fixed`` holds the fixed-length fields by their layout names, ``fields`` the identified
    fields by 2-letter id in the order of their first appearance, each with all its values.
    ``checksum_variant`` is "spec" or "vendor" for a checked AZ, None when there was no AZ or
    the account does not check.
    """

    code: str
    fixed: dict[str, str]
    fields: dict[str, list[str]] = field(default_factory=dict)
    sequence: int | None = None
    checksum: str | None = None
    checksum_variant: str | None = None

    @property
    def layout(self) -> Layout:
        return LAYOUTS[self.code]

    @property
    def name(self) -> str:
        """The message's name in the layout table, e.g. "checkout"."""
        return LAYOUTS[self.code].name

    def get(self, field_id: str, default: str = "") -> str:
        """The first value of an identified field, ``default`` when it is not there."""
        values = self.fields.get(field_id)
        return values[0] if values else default

    def get_all(self, field_id: str) -> list[str]:
        """Every value of a (repeatable) identified field, in order."""
        return list(self.fields.get(field_id, ()))


def parse(
    frame: bytes,
    *,
    encoding: str = "utf-8",
    checksum: str = "strict",
    delimiter: str = "|",
    max_length: int = MAX_FRAME_LENGTH,
) -> Request:
    """Read one frame (without its CR / CRLF terminator).

    ``checksum``: "strict" checks a present AZ per spec; "lenient" also takes dp2's variant;
    "off" strips AY/AZ without checking. A frame without AZ passes in every mode.
    Raises only ``ProtocolError`` subclasses for anything wrong with the bytes; ValueError for
    a bad argument (unknown mode or encoding).
    """
    _check_arguments(encoding, checksum, delimiter)
    frame = _frame_bytes(frame, max_length)
    layout = _layout(frame)
    text = _decode(frame, encoding)
    body, sequence, received = _split_trailer(text, layout, delimiter)
    variant = None
    if received is not None and checksum != "off":
        variant = _check(frame, body, received, lenient=checksum == "lenient", delimiter=delimiter)
    fixed, rest = _read_fixed(body[2:], layout, delimiter)
    return Request(
        code=layout.code,
        fixed=fixed,
        fields=_read_fields(rest, delimiter),
        sequence=sequence,
        checksum=received,
        checksum_variant=variant,
    )


@cache
def _check_arguments(encoding: str, checksum: str, delimiter: str) -> None:
    if checksum not in CHECKSUM_MODES:
        raise ValueError(f"checksum mode must be one of {CHECKSUM_MODES}, not {checksum!r}")
    if len(delimiter) != 1 or not delimiter.isascii() or delimiter.isalnum() or delimiter in "\r\n":
        raise ValueError(f"the field delimiter must be one ASCII punctuation mark: {delimiter!r}")
    try:
        ascii_compatible = "AYAZ09|^".encode(encoding) == b"AYAZ09|^"
    except LookupError:
        raise ValueError(f"unknown encoding {encoding!r}") from None
    if not ascii_compatible:
        raise ValueError(f"SIP2 needs an ASCII-compatible encoding, not {encoding!r}")


def _frame_bytes(frame: bytes, max_length: int) -> bytes:
    if not isinstance(frame, bytes | bytearray | memoryview):
        raise TypeError(f"a frame is bytes, not {type(frame).__name__}")
    frame = bytes(frame).rstrip(b"\r\n")
    if len(frame) > max_length:
        raise Oversized(f"frame of {len(frame)} bytes is longer than {max_length}")
    if len(frame) < 2:
        raise Malformed(f"frame {frame!r} is too short to hold a message code")
    if b"\x00" in frame:
        raise Malformed(f"NUL byte at position {frame.index(0)}")
    if b"\r" in frame or b"\n" in frame:
        raise Malformed("CR or LF inside the frame (two messages without a terminator?)")
    return frame


def _layout(frame: bytes) -> Layout:
    head = frame[:2]
    code = head.decode("ascii", "replace")
    if len(head) == 2 and code in LAYOUTS:
        return LAYOUTS[code]
    readable = len(head) == 2 and head.isascii() and code.isprintable()
    raise UnknownMessage(
        f"unknown message code {code!r}" if readable else f"unreadable message code {head!r}",
        message_code=code if readable else None,
    )


def _decode(frame: bytes, encoding: str) -> str:
    try:
        return frame.decode(encoding)
    except UnicodeDecodeError as exc:
        bad = frame[exc.start : exc.end]
        message = f"bytes {bad!r} at position {exc.start} are not valid {encoding}"
        raise BadEncoding(message) from None


def _split_trailer(text: str, layout: Layout, delimiter: str) -> tuple[str, int | None, str | None]:
    """(text before AY/AZ, sequence, checksum as received). AY without AZ is taken only after a
    delimiter or the fixed part, so a last value ending in "AY1" keeps its characters."""
    match = _TRAILER.search(text, 2)
    if match is None:
        match = _SEQUENCE_ONLY.search(text, 2)
        at = match.start() if match else 0
        if match is None or (text[at - 1] != delimiter and at != 2 + layout.width):
            return text, None, None
        return text[:at], int(match[1]), None
    sequence = int(match[1]) if match[1] is not None else None
    return text[: match.start()], sequence, match[2]


def _check(frame: bytes, body: str, received: str, *, lenient: bool, delimiter: str) -> str:
    """Which checksum reading validates the frame; ChecksumMismatch when none does."""
    if spec_valid(frame[:-4], received):
        return SPEC
    vendor_text = body.removesuffix(delimiter)
    if lenient and vendor_checksum(vendor_text) == received.upper():
        return VENDOR
    expected = spec_checksum(frame[:-4])
    raise ChecksumMismatch(
        f"checksum {received} does not validate (spec: {expected}"
        + (f", vendor: {vendor_checksum(vendor_text)})" if lenient else ")"),
        received=received,
        expected=expected,
    )


# Fixed part -------------------------------------------------------------------------------


def _read_fixed(body: str, layout: Layout, delimiter: str) -> tuple[dict[str, str], str]:
    """Fixed fields by name, and the text after them.

    Read at full width when fields can start there and every value has its shape. Otherwise a
    fixed part short of spaces is lined up when exactly one reading fits (Malformed when more
    than one does); failing that, full width is still taken when the text after it can be
    fields (odd values such as protocol version "2.0E" pass), else Truncated or Malformed.
    """
    width = layout.width
    rest = body[width:]
    full = _named(layout, body[:width]) if len(body) >= width else None
    fields_follow = full is not None and _starts_fields(rest, layout, delimiter)
    if fields_follow and all(f.matches(full[f.name]) for f in layout.fixed):
        return full, rest
    readings = _short_readings(body, layout, delimiter)
    if len(readings) == 1:
        (values, length), *_ = readings.items()
        return dict(zip(layout.fixed_names, values, strict=True)), body[length:]
    if len(readings) > 1:
        raise Malformed(
            f"the fixed part of message {layout.code} is short and can be read in more than "
            f"one way: {body[:width]!r}"
        )
    if full is None:
        raise Truncated(
            f"message {layout.code} needs {width} characters of fixed fields, got {len(body)}"
        )
    if delimiter not in body[:width] and (fields_follow or _FIELD_ID.match(rest)):
        return full, rest  # odd fixed values, or a vendor field first
    raise Malformed(f"no field identifier after the fixed part of message {layout.code}: {rest!r}")


def _named(layout: Layout, text: str) -> dict[str, str]:
    values, start = {}, 0
    for fixed in layout.fixed:
        values[fixed.name] = text[start : start + fixed.width]
        start += fixed.width
    return values


def _starts_fields(rest: str, layout: Layout, delimiter: str) -> bool:
    """Whether identified fields can plausibly begin at ``rest``."""
    return not rest or rest[0] == delimiter or rest[:2] in layout.field_ids


def _short_readings(body: str, layout: Layout, delimiter: str) -> dict[tuple[str, ...], int]:
    """Ways to read a fixed part sent short of some spaces: for each place where the fields
    could start, the fixed values with the spaces put back. At most two (two means ambiguous).
    """
    readings: dict[tuple[str, ...], int] = {}
    for length in range(min(layout.width, len(body) + 1) - 1, -1, -1):
        if not _starts_fields(body[length:], layout, delimiter):
            continue
        for values in _fill(layout.fixed, body[:length]):
            readings.setdefault(values, length)
            if len(readings) > 1:
                return readings
    return readings


def _fill(fixed: tuple[FixedField, ...], text: str) -> list[tuple[str, ...]]:
    """Up to two distinct readings of ``text`` as the fixed fields, each field matching its
    pattern once the missing spaces are put back."""

    @cache
    def solve(index: int, start: int) -> tuple[tuple[str, ...], ...]:
        if index == len(fixed):
            return ((),) if start == len(text) else ()
        spec = fixed[index]
        found: list[tuple[str, ...]] = []
        for taken in range(min(spec.width, len(text) - start), -1, -1):
            values = _widen(spec, text[start : start + taken])
            if not values:
                continue
            for tail in solve(index + 1, start + taken):
                for value in values:
                    if (value, *tail) not in found:
                        found.append((value, *tail))
                    if len(found) > 1:
                        return tuple(found)
        return tuple(found)

    return list(solve(0, 0))


@lru_cache(maxsize=4096)
def _widen(spec: FixedField, text: str) -> tuple[str, ...]:
    """Values of the field's full width that ``text`` is, minus some spaces (at most two)."""
    missing = spec.width - len(text)
    if missing == 0:
        return (text,) if spec.matches(text) else ()
    if spec.pattern in (DATE, OPTIONAL_DATE):
        return _widen_date(text, blank=spec.pattern == OPTIONAL_DATE)
    if " " not in spec.pattern and spec.pattern != ".":
        return ()  # a field that never holds a space cannot have lost one
    if spec.width > 4 and text.strip("Y "):
        return ()  # the wide fields holding spaces (patron status, summary) are Y or space
    return _insert_spaces(text, spec.width, spec)


def _widen_date(text: str, *, blank: bool) -> tuple[str, ...]:
    if not text.strip(" "):
        return (" " * 18,) if blank else ()
    match = _DATE_PARTS.fullmatch(text)
    if match is None:
        return ()
    day, zone, clock = match.groups()
    zones = _insert_spaces(zone, 4, None)
    return tuple(day + z + clock for z in zones)


def _insert_spaces(text: str, width: int, spec: FixedField | None) -> tuple[str, ...]:
    """Distinct values of ``width`` made by adding spaces to ``text`` that fit ``spec``
    (at most two). Spaces added next to one another are one choice, not many."""
    words, gaps = [], [0]  # the non-space runs, and the spaces before, between and after them
    for run in _RUNS.findall(text):
        if run[0] == " ":
            gaps[-1] = len(run)
        else:
            words.append(run)
            gaps.append(0)
    found: list[str] = []
    for extra in _compositions(width - len(text), len(gaps)):
        spaces = [" " * (g + e) for g, e in zip(gaps, extra, strict=True)]
        value = spaces[0] + "".join(w + s for w, s in zip(words, spaces[1:], strict=True))
        if value not in found and (spec is None or spec.matches(value)):
            found.append(value)
            if len(found) > 1:
                break
    return tuple(found)


def _compositions(total: int, parts: int):
    """Every way to share ``total`` among ``parts`` ordered places."""
    if parts == 1:
        yield (total,)
        return
    for first in range(total, -1, -1):
        for rest in _compositions(total - first, parts - 1):
            yield (first, *rest)


# Identified fields ------------------------------------------------------------------------


def _read_fields(rest: str, delimiter: str) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for segment in rest.split(delimiter):
        if not segment.strip(" "):
            continue  # "||", a delimiter after the fixed part or before AY
        field_id = segment[:2]
        if not _FIELD_ID.fullmatch(field_id):
            raise Malformed(f"{segment[:20]!r} does not start with a field identifier")
        if field_id in ("AY", "AZ"):
            raise Malformed(f"misplaced or broken error-detection field {segment[:20]!r}")
        fields.setdefault(field_id, []).append(segment[2:])
    return fields
