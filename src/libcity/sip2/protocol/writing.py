"""Writing a SIP2 message (the server's responses) as bytes, without the terminator.

Fixed fields must have their exact widths and identified fields the spec requires must be
there: a mistake there is the server's, so it is a ValueError. Field values come from the
catalogue and from readers, so they are made safe instead: the delimiter, CR, LF and NUL
become a space, characters the terminal's encoding lacks become ``?``, and a value is cut to
255 bytes without splitting a character.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from .checksum import spec_checksum
from .layouts import LAYOUTS, NO_SEQUENCE, Layout

MAX_VALUE_BYTES = 255

_FIELD_ID = re.compile(r"[A-Z][A-Z0-9]")
_UNSAFE_IN_VALUE = "\r\n\x00"


def encode(
    code: str,
    fixed: Mapping[str, str] | Sequence[str],
    fields: Iterable[tuple[str, str | None]],
    *,
    encoding: str,
    delimiter: str = "|",
    sequence: int | None = None,
    checksum: bool = False,
) -> bytes:
    """One message: code, fixed fields (by name, or in layout order), identified fields in the
    given order, each followed by the delimiter. A field whose value is None is left out.

    With ``checksum`` the error-detection trailer follows: ``AY<sequence>AZ<4 hex>``, or
    ``AZ<4 hex>`` alone for 97 and 96 or when ``sequence`` is None. Without ``checksum``
    ``sequence`` is not written (a terminal checking neither sends nor expects AY).
    """
    layout = _layout(code)
    _check_delimiter(delimiter)
    body = bytearray(code.encode("ascii"))
    body += _fixed_bytes(layout, fixed, encoding, delimiter)
    body += _field_bytes(layout, fields, encoding, delimiter)
    if not checksum:
        return bytes(body)
    if code not in NO_SEQUENCE and sequence is not None:
        if not 0 <= sequence <= 9:
            raise ValueError(f"the AY sequence number is one digit 0-9, not {sequence!r}")
        body += b"AY%d" % sequence
    body += b"AZ"
    return bytes(body) + spec_checksum(bytes(body)).encode("ascii")


def clean_value(value: str, *, encoding: str, delimiter: str = "|") -> bytes:
    """A field value as safe bytes: no delimiter, CR, LF or NUL (each becomes a space),
    unencodable characters as ``?``, at most 255 bytes, never half a character."""
    for char in _UNSAFE_IN_VALUE + delimiter:
        value = value.replace(char, " ")
    data = value.encode(encoding, "replace")
    if len(data) <= MAX_VALUE_BYTES:
        return data
    out = bytearray()
    for char in value:
        piece = char.encode(encoding, "replace")
        if len(out) + len(piece) > MAX_VALUE_BYTES:
            break
        out += piece
    return bytes(out)


def _layout(code: str) -> Layout:
    try:
        return LAYOUTS[code]
    except (KeyError, TypeError):
        raise ValueError(f"no SIP2 message with code {code!r}") from None


def _check_delimiter(delimiter: str) -> None:
    if len(delimiter) != 1 or not delimiter.isascii() or delimiter.isalnum() or delimiter in "\r\n":
        raise ValueError(f"the field delimiter must be one ASCII punctuation mark: {delimiter!r}")


def _fixed_bytes(
    layout: Layout, fixed: Mapping[str, str] | Sequence[str], encoding: str, delimiter: str
) -> bytes:
    values = _fixed_values(layout, fixed)
    out = bytearray()
    for spec, value in zip(layout.fixed, values, strict=True):
        if not isinstance(value, str):
            raise ValueError(f"{layout.code} {spec.name}: a fixed field is a str, not {value!r}")
        if any(char in value for char in _UNSAFE_IN_VALUE + delimiter):
            raise ValueError(f"{layout.code} {spec.name}: delimiter or control character {value!r}")
        try:
            data = value.encode(encoding)
        except UnicodeEncodeError:
            raise ValueError(f"{layout.code} {spec.name}: {value!r} is not {encoding}") from None
        if len(value) != spec.width or len(data) != spec.width:
            raise ValueError(
                f"{layout.code} {spec.name} is {spec.width} characters wide, got {value!r}"
            )
        out += data
    return bytes(out)


def _fixed_values(layout: Layout, fixed: Mapping[str, str] | Sequence[str]) -> list[str]:
    names = layout.fixed_names
    if isinstance(fixed, Mapping):
        missing = [n for n in names if n not in fixed]
        extra = [n for n in fixed if n not in names]
        if missing or extra:
            raise ValueError(
                f"{layout.code} fixed fields: missing {missing}, unknown {extra}; "
                f"the layout is {list(names)}"
            )
        return [fixed[name] for name in names]
    if isinstance(fixed, str) or len(fixed) != len(names):
        raise ValueError(f"{layout.code} has the fixed fields {list(names)}, got {fixed!r}")
    return list(fixed)


def _field_bytes(
    layout: Layout, fields: Iterable[tuple[str, str | None]], encoding: str, delimiter: str
) -> bytes:
    out, seen = bytearray(), set()
    end = delimiter.encode("ascii")
    for field_id, value in fields:
        if not isinstance(field_id, str) or not _FIELD_ID.fullmatch(field_id):
            raise ValueError(f"{layout.code}: {field_id!r} is not a field identifier")
        if field_id in ("AY", "AZ"):
            raise ValueError(f"{layout.code}: AY/AZ are written by encode(checksum=True)")
        if value is None:
            continue
        if not isinstance(value, str):
            raise ValueError(f"{layout.code} {field_id}: a field value is a str, not {value!r}")
        out += field_id.encode("ascii") + clean_value(value, encoding=encoding, delimiter=delimiter)
        out += end
        seen.add(field_id)
    missing = [f for f in layout.required if f not in seen]
    if missing:
        raise ValueError(f"{layout.code} needs the fields {missing} (they may be empty)")
    return bytes(out)
