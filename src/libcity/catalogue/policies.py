"""Cataloguing rules that a library may set differently."""

from __future__ import annotations

import re
import unicodedata

from libcity.catalogue.models import ItemStatus

#: The status a new copy starts in: processing (labels, stamps) before it reaches a shelf.
NEW_ITEM_STATUS = ItemStatus.IN_PROCESSING
#: The status of copies that arrive with a MARC file's holdings: already on a shelf elsewhere.
IMPORTED_ITEM_STATUS = ItemStatus.AVAILABLE
#: What cataloguing staff may set by hand; loans, transits and the hold shelf are set by
#: circulation, holds and logistics through their own services.
STAFF_SETTABLE_STATUSES = frozenset(
    {ItemStatus.AVAILABLE, ItemStatus.IN_PROCESSING, ItemStatus.MISSING, ItemStatus.LOST,
     ItemStatus.WITHDRAWN}
)  # fmt: skip
#: A barcode: letters, digits, and - . / _ ; 4 to 40 characters.
BARCODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-./_]{3,39}")
#: The 22 top classes of the Chinese Library Classification (no L, M, W, Y).
CLC_TOP_CLASSES = frozenset("ABCDEFGHIJKNOPQRSTUVXZ")

_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


def fold(text: str) -> str:
    """Case- and diacritic-folded text (NFKD, combining marks dropped), for keys and search."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def match_key(title: str, first_author: str, year: int | None) -> str:
    """The copy-cataloguing key of a record without ISBN: folded title/author/year, no
    punctuation. Empty when the title is empty (such a record is never merged)."""
    title_part = _NOT_WORD.sub("", fold(title))
    if not title_part:
        return ""
    author_part = _NOT_WORD.sub("", fold(first_author))
    return f"{title_part[:120]}|{author_part[:60]}|{year or ''}"


def clc_top(clc: str) -> str:
    """The top class letter of a CLC number, or '' when it is not one of the 22."""
    letter = (clc or "").strip()[:1].upper()
    return letter if letter in CLC_TOP_CLASSES else ""
