"""What reading a MARC file yields, one per record: a record read, or a rejection."""

from __future__ import annotations

from dataclasses import dataclass, field

import pymarc


@dataclass
class MarcRecord:
    """A record as read: the pymarc record (text decoded), its exact source bytes, and what
    was found out about it on the way."""

    number: int  # 1-based position in the file
    offset: int | None  # byte offset in an ISO 2709 file
    record: pymarc.Record
    raw: bytes  # this record's bytes as they came (ISO 2709), or its serialized element
    container: str  # iso2709 | marcxml | json
    flavour: str  # marc21 | cnmarc
    encoding: str  # utf-8 | marc-8 | gb18030
    notes: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        """The record's control number (001), for reports."""
        found = self.record.get("001")
        return (found.data or "").strip() if found is not None and found.control_field else ""


@dataclass(frozen=True)
class Rejection:
    """A record that could not be taken in, and why, in words."""

    number: int
    reason: str
    code: str
    offset: int | None = None
    label: str = ""  # the 001 or the title, when known

    def line(self) -> str:
        """``#<n> <001 or title>: <reason>`` for the import report."""
        where = self.label or (f"at byte {self.offset}" if self.offset is not None else "")
        return (
            f"#{self.number} {where}: {self.reason}" if where else f"#{self.number}: {self.reason}"
        )


ReadResult = MarcRecord | Rejection
