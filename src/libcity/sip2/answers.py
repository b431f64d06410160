"""What the SIP2 answers are made of: the response's code, its fixed fields in order and its
identified fields, and the mappings from the library's words to SIP2's codes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from libcity.catalogue.models import ItemStatus, ItemType
from libcity.core import clock
from libcity.sip2.protocol import sip_datetime


@dataclass
class Answer:
    """A response: ``fixed`` in the order of the message's layout; ``fields`` as (id, value)
    pairs in order (a repeatable field appears once per value)."""

    code: str
    fixed: list[str]
    fields: list[tuple[str, str]] = field(default_factory=list)

    def add(self, field_id: str, value: object) -> Answer:
        """Add a field unless its value is None."""
        if value is not None:
            self.fields.append((field_id, str(value)))
        return self

    def screen(self, *messages: str) -> Answer:
        for message in messages:
            if message:
                self.fields.append(("AF", message))
        return self


def now_stamp() -> str:
    return sip_datetime(clock.as_local(clock.now()).replace(tzinfo=None))


def day_stamp(day: dt.date | None) -> str | None:
    """A due date as SIP2 writes it (the end of the day)."""
    if day is None:
        return None
    return sip_datetime(dt.datetime.combine(day, dt.time(23, 59, 59)))


def count(n: int) -> str:
    """A 4-digit count (9999 at most)."""
    return f"{min(max(n, 0), 9999):04d}"


#: Circulation status (item information, 18) of each item status.
CIRCULATION_STATUS = {
    ItemStatus.AVAILABLE: "03",
    ItemStatus.ON_LOAN: "04",
    ItemStatus.IN_PROCESSING: "06",
    ItemStatus.ON_HOLD_SHELF: "08",
    ItemStatus.IN_TRANSIT: "10",
    ItemStatus.LOST: "12",
    ItemStatus.MISSING: "13",
    ItemStatus.WITHDRAWN: "01",
}

#: Media type (CK) of each item type: 000 other, 001 book, 002 magazine, 006 CD/CD-ROM.
MEDIA_TYPE = {
    ItemType.BOOK: "001",
    ItemType.CHILDREN: "001",
    ItemType.FOREIGN_LANGUAGE: "001",
    ItemType.LOCAL_DOCUMENT: "001",
    ItemType.REFERENCE: "001",
    ItemType.PERIODICAL: "002",
    ItemType.AUDIO_VISUAL: "006",
}

#: Supported messages (BX, 16 positions in the specification's order): patron status,
#: checkout, checkin, block patron, SC/ACS status, resend, login, patron information, end
#: patron session, fee paid, item information, item status update, patron enable, hold,
#: renew, renew all. Every one is answered.
SUPPORTED_MESSAGES = "Y" * 16

#: SIP2 language codes and Django's languages: 001 English, 019 Chinese (the default).
LANGUAGES = {"001": "en", "019": "zh-hans"}
DEFAULT_LANGUAGE_CODE = "019"
