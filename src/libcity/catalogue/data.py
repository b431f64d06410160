"""What a record or an item says, before it is in the database: the shape MARC readers and
forms produce and ``record_import`` / ``record_create`` take."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass
class ItemData:
    barcode: str
    call_number: str = ""
    item_type: str = "book"
    price: Decimal | None = None
    owner_code: str = ""  # a unit code from the file's holdings; empty: the importing unit


@dataclass
class RecordData:
    title: str
    responsibility: str = ""
    authors: list[str] = field(default_factory=list)
    publisher: str = ""
    place: str = ""
    year: int | None = None
    isbns: list[str] = field(default_factory=list)  # ISBN-13, normalised
    language: str = ""
    clc: str = ""
    subjects: list[str] = field(default_factory=list)
    # Other forms of the title and of the names, for search: the original script of a
    # romanised record (MARC21 880), parallel and variant titles, pinyin (CNMARC 200 $9).
    alt_titles: list[str] = field(default_factory=list)
    alt_authors: list[str] = field(default_factory=list)
    format: str = "book"
    marc_flavour: str = ""
    marc_format: str = ""
    marc_encoding: str = ""
    marc_source: bytes | None = None
    items: list[ItemData] = field(default_factory=list)
