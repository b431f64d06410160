"""Cutting a terminal's byte stream into frames.

SIP2 ends a message with CR; terminals also send CRLF, and some bare LF. A CR followed by an
LF is one terminator, even when the LF arrives in the next read. Empty frames (blank lines,
keep-alive CRs) are skipped. A frame longer than ``max_length`` is reported once as an
``Oversized`` error, its bytes are dropped up to the next terminator, and reading goes on:
the splitter never holds more than ``max_length`` bytes.
"""

from __future__ import annotations

import re

from .errors import Oversized
from .reading import MAX_FRAME_LENGTH

_TERMINATOR = re.compile(rb"[\r\n]")
_LF = 0x0A


class FrameSplitter:
    """Feed the bytes of one connection as they arrive; get complete frames (without their
    terminator) and ``Oversized`` errors back, in order."""

    def __init__(self, max_length: int = MAX_FRAME_LENGTH) -> None:
        if max_length < 1:
            raise ValueError("max_length must be positive")
        self.max_length = max_length
        self._buffer = bytearray()
        self._discarding = False  # inside an oversized frame
        self._after_cr = False  # the last byte seen was a CR (an LF next belongs to it)

    @property
    def pending(self) -> int:
        """Bytes held for a frame whose terminator has not arrived yet."""
        return len(self._buffer)

    def feed(self, data: bytes) -> list[bytes | Oversized]:
        """Take the next bytes read from the connection; return what they complete."""
        data = bytes(data)
        out: list[bytes | Oversized] = []
        start = 0
        if data and self._after_cr and data[0] == _LF:
            start = 1
        if data:
            self._after_cr = False
        while start < len(data):
            match = _TERMINATOR.search(data, start)
            end = match.start() if match else len(data)
            self._take(data[start:end], out)
            if match is None:
                break
            self._end_frame(out)
            start = end + 1
            if data[end] == 0x0D:
                if start == len(data):
                    self._after_cr = True
                elif data[start] == _LF:
                    start += 1
        return out

    def _take(self, piece: bytes, out: list[bytes | Oversized]) -> None:
        if self._discarding or not piece:
            return
        if len(self._buffer) + len(piece) > self.max_length:
            self._buffer.clear()
            self._discarding = True
            out.append(Oversized(f"frame longer than {self.max_length} bytes; dropped"))
            return
        self._buffer += piece

    def _end_frame(self, out: list[bytes | Oversized]) -> None:
        if self._buffer and not self._discarding:
            out.append(bytes(self._buffer))
        self._buffer.clear()
        self._discarding = False
