"""The SIP2 2.00 wire codec: pure Python, no Django.

``FrameSplitter`` cuts a connection's bytes into frames, ``parse`` reads a frame into a
``Request``, ``encode`` writes a response. Each terminal account chooses its encoding
("utf-8", "gb18030", "cp850"), its checksum mode ("strict", "lenient", "off") and its field
delimiter; the server passes them on every call. Message layouts are data in ``layouts``.
"""

from .checksum import spec_checksum, vendor_checksum
from .dates import parse_sip_datetime, sip_datetime, yn
from .errors import (
    BadEncoding,
    ChecksumMismatch,
    Malformed,
    Oversized,
    ProtocolError,
    Truncated,
    UnknownMessage,
)
from .framing import FrameSplitter
from .layouts import LAYOUTS, REQUEST, RESPONSE, FixedField, Layout
from .reading import CHECKSUM_MODES, MAX_FRAME_LENGTH, Request, parse
from .writing import MAX_VALUE_BYTES, clean_value, encode

__all__ = [
    "CHECKSUM_MODES",
    "LAYOUTS",
    "MAX_FRAME_LENGTH",
    "MAX_VALUE_BYTES",
    "REQUEST",
    "RESPONSE",
    "BadEncoding",
    "ChecksumMismatch",
    "FixedField",
    "FrameSplitter",
    "Layout",
    "Malformed",
    "Oversized",
    "ProtocolError",
    "Request",
    "Truncated",
    "UnknownMessage",
    "clean_value",
    "encode",
    "parse",
    "parse_sip_datetime",
    "sip_datetime",
    "spec_checksum",
    "vendor_checksum",
    "yn",
]
