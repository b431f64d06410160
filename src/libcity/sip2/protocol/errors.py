"""Why a SIP2 frame could not be read. ``code`` is stable (logs, metrics); the message is for
people reading a log, in English, and says what was wrong with the bytes."""

from __future__ import annotations


class ProtocolError(Exception):
    """A frame from a terminal is not a SIP2 message we can read. The only error ``parse`` and
    ``FrameSplitter`` report."""

    code: str = "sip2_protocol"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class Malformed(ProtocolError):
    """The bytes break the message grammar: empty, NUL or CR inside, bad field identifiers,
    a fixed part that cannot be lined up, a broken AY/AZ trailer."""

    code = "sip2_malformed"


class UnknownMessage(ProtocolError):
    """The two-character message code is not one we know. ``message_code`` is that code when
    both characters are printable ASCII, else None."""

    code = "sip2_unknown_message"

    def __init__(self, message: str, *, message_code: str | None = None) -> None:
        super().__init__(message)
        self.message_code = message_code


class ChecksumMismatch(ProtocolError):
    """The AZ checksum does not validate in the account's checksum mode. The server usually
    answers with 96 (request SC resend)."""

    code = "sip2_checksum_mismatch"

    def __init__(self, message: str, *, received: str = "", expected: str = "") -> None:
        super().__init__(message)
        self.received = received
        self.expected = expected


class Truncated(ProtocolError):
    """The fixed-length part of the message is shorter than its layout."""

    code = "sip2_truncated"


class BadEncoding(ProtocolError):
    """The bytes are not valid in the character encoding configured for the account."""

    code = "sip2_bad_encoding"


class Oversized(ProtocolError):
    """A frame is longer than the maximum frame length."""

    code = "sip2_oversized"
