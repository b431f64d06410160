"""Which character set a record's text is in, and how pymarc is told to decode it.

MARC21 says it in leader/09: ``a`` is UTF-8, blank is MARC-8. Files in the wild break that
rule one way: UTF-8 text under a blank leader/09 (decoding it as MARC-8 gives mojibake
without an error). A record with non-ASCII bytes, no MARC-8 escape sequences and valid UTF-8
throughout is read as UTF-8 (pymarc's ``force_utf8``), with a note. MARC-8 text with
diacritics is almost never valid UTF-8: its combining marks are bytes 0xE0-0xFE followed by
an ASCII letter.

CNMARC and UNIMARC records in China are UTF-8 or GB18030 (a superset of GBK and GB 2312);
leader/09 is not defined there, and 100 $a/26-29 (character sets) is often left at its old
value after a conversion, so it is only a hint, reported when the bytes disagree. The bytes
decide: UTF-8 when they decode as UTF-8, else GB18030 (pymarc's ``file_encoding``). Read as
MARC-8, GB18030 also decodes "fine" into nonsense, which is why the flavour is decided first.
"""

from __future__ import annotations

from typing import Any

import pymarc
from django.utils.translation import gettext as _
from pymarc import Subfield
from pymarc.marc8 import marc8_to_unicode

from libcity.catalogue.marc.exceptions import MarcEncodingError
from libcity.catalogue.marc.flavours import CNMARC

UTF8 = "utf-8"
MARC8 = "marc-8"
GB18030 = "gb18030"
ENCODINGS = (UTF8, MARC8, GB18030)

_ESCAPE = b"\x1b"
_BYTE_PER_CHARACTER = "latin-1"
#: UNIMARC 100 $a/26-29: two two-character character-set codes; "50" is ISO 10646.
_UNICODE_SET = "50"


def choose_encoding(
    *, leader09: str, text: bytes, flavour: str, charsets: str = ""
) -> tuple[str, list[str]]:
    """The encoding of a record whose field bytes are ``text``, and notes when the record's
    own claim was not followed. Raises MarcEncodingError when no encoding fits."""
    if flavour == CNMARC:
        return _cnmarc(text, charsets)
    if leader09 == "a":
        if not decodes(text, UTF8):
            raise MarcEncodingError(_("Leader/09 says UTF-8 but the text is not valid UTF-8."))
        return UTF8, []
    if not text.isascii() and _ESCAPE not in text and decodes(text, UTF8):
        return UTF8, [_("Leader/09 says MARC-8 but the text is UTF-8; read as UTF-8.")]
    return MARC8, []


def reader_options(encoding: str) -> dict[str, Any]:
    """pymarc's ``MARCReader``/``Record`` arguments that decode text in ``encoding``.

    For MARC-8, pymarc is asked for one character per byte (Latin-1, which loses nothing)
    and ``finish`` converts the few values that are not plain ASCII: pymarc's own MARC-8 path
    runs its converter over every value and is four times slower.
    """
    if encoding == UTF8:
        return {"to_unicode": True, "force_utf8": True, "utf8_handling": "strict"}
    if encoding == GB18030:
        return {"to_unicode": True, "file_encoding": GB18030}
    return {"to_unicode": True, "file_encoding": _BYTE_PER_CHARACTER}


def finish(record: pymarc.Record, encoding: str) -> pymarc.Record:
    """Complete the decoding ``reader_options`` started (MARC-8 values with escapes or
    bytes above 0x7F)."""
    if encoding != MARC8:
        return record
    for field in record.fields:
        if not field.control_field and not all(_plain(s.value) for s in field.subfields):
            field.subfields = [_decoded(s, field.tag) for s in field.subfields]
    return record


def _decoded(subfield: Subfield, tag: str) -> Subfield:
    return (
        subfield if _plain(subfield.value) else Subfield(subfield.code, _marc8(subfield.value, tag))
    )


def _plain(value: str) -> bool:
    return value.isascii() and "\x1b" not in value


def _marc8(value: str, tag: str) -> str:
    try:
        return marc8_to_unicode(value.encode(_BYTE_PER_CHARACTER), hide_utf8_warnings=True)
    except UnicodeDecodeError:
        raise MarcEncodingError(_("Invalid MARC-8 in field %(tag)s.") % {"tag": tag}) from None


def decodes(text: bytes, encoding: str) -> bool:
    try:
        text.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _cnmarc(text: bytes, charsets: str) -> tuple[str, list[str]]:
    if text.isascii():
        return UTF8, []
    for encoding in (UTF8, GB18030):
        if decodes(text, encoding):
            return encoding, _hint_notes(charsets, encoding)
    raise MarcEncodingError(_("The text is neither UTF-8 nor GB18030."))


def _hint_notes(charsets: str, encoding: str) -> list[str]:
    """A note when 100 $a/26-29 names character sets that do not match the bytes."""
    if not charsets.strip():
        return []
    says_unicode = _UNICODE_SET in (charsets[:2], charsets[2:4])
    if says_unicode == (encoding == UTF8):
        return []
    return [_("100 $a/26-29 names character sets %(sets)s, but the text is %(encoding)s.")
            % {"sets": charsets.strip(), "encoding": encoding.upper()}]  # fmt: skip
