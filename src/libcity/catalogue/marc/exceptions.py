"""Why a MARC record or file could not be taken in. Stable codes; messages for people."""

from __future__ import annotations

from libcity.core.exceptions import InvalidInput


class MarcError(InvalidInput):
    code = "marc_invalid"


class MarcUnreadable(MarcError):
    """The bytes are not a record: ISO 2709 framing, leader or directory broken, XML or JSON
    not well-formed."""

    code = "marc_unreadable"


class MarcEncodingError(MarcError):
    """The text of the record does not decode in the character set it must be in."""

    code = "marc_encoding"


class MarcIncomplete(MarcError):
    """A readable record that cannot become a catalogue record (no title, not bibliographic)."""

    code = "marc_incomplete"
