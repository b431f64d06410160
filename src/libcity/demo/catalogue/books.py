"""The demo city's books, made from a ``random.Random``: records with their copies, spread over
the units that hold stock. Pure data: nothing here touches the database.

The same seed, sizes and plan give the same books, title for title and ISBN for ISBN.
Barcodes are not made here: the writer takes them from the ``item_barcode`` sequence, so a
build into an empty database gives the same barcodes too.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import random
import string
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from pypinyin import Style, lazy_pinyin
from stdnum import ean

from libcity.catalogue.data import RecordData
from libcity.catalogue.models import ItemStatus
from libcity.demo.catalogue.words import (
    BODIES,
    COMMON_WORDS,
    COPIES,
    ENGLISH_AUTHORS,
    ENGLISH_SHELVES,
    FALLBACK_PUBLISHERS,
    FEW_COPIES,
    FOREIGN_AUTHORS,
    GIVEN,
    NOVELS_BY_COUNTRY,
    PUBLISHERS,
    PUBLISHERS_EN,
    SHELVES,
    STOCK,
    STOCK_KINDS,
    SURNAMES,
    Shelf,
)
from libcity.demo.plan import CityPlan
from libcity.network.models import UnitKind, UnitTier

FIRST_YEAR, LAST_YEAR = 1985, 2026
ALL_SHELVES: tuple[Shelf, ...] = SHELVES + ENGLISH_SHELVES
# Words that date a title: a book about them is not older than this.
WORD_SINCE = {"大语言模型": 2023, "生成式人工智能": 2023, "数字人民币": 2020, "民法典": 2020,
              "垃圾分类": 2017, "Rust": 2016, "Kotlin": 2017, "TypeScript": 2014, "Go": 2012,
              "新能源汽车": 2010, "高铁": 2008, "粤港澳大湾区": 2017, "城市书房": 2015,
              "总分馆制": 2010, "Deep Learning": 2016, "深度学习": 2015, "内耗": 2020}  # fmt: skip
# The share of an edition published with a second ISBN (hardback and paperback, say).
SECOND_ISBN = 0.04
# Surnames whose reading as a surname differs from the character's commonest reading.
_SURNAME_INITIAL = {"曾": "Z", "区": "O", "单": "S", "解": "X", "仇": "Q", "查": "Z", "覃": "Q",
                    "缪": "M", "朴": "P", "万": "W", "重": "C", "乐": "Y"}  # fmt: skip


@dataclass
class Book:
    """One record and its copies; each copy is ``(unit code, status)``, in shelf order."""

    data: RecordData
    call_number: str
    item_type: str
    price: Decimal
    copies: list[tuple[str, str]]


# --- where copies stand -----------------------------------------------------------------------


class Stock:
    """The units that hold stock, with a cumulative weight table per kind of book (``STOCK``).

    Within a tier a unit's share follows the residents it serves; service points of one kind
    share their kind's part evenly. Lockers and van stops are left out: they hold no stock.
    """

    def __init__(self, plan: CityPlan) -> None:
        groups: dict[str, list[tuple[str, float]]] = {}
        for unit in plan.units:
            group = _stock_group(unit.tier, unit.kind)
            if group:
                groups.setdefault(group, []).append((unit.code, float(unit.residents or 1)))
        self.tables: dict[str, tuple[list[str], list[float]]] = {}
        for table, shares in STOCK.items():
            codes, weights = [], []
            for group, share in shares.items():
                members = groups.get(group, [])
                if group in STOCK_KINDS:  # service points: evenly
                    members = [(code, 1.0) for code, _ in members]
                total = sum(w for _, w in members)
                for code, weight in members:
                    codes.append(code)
                    weights.append(share * weight / total)
            self.tables[table] = (codes, list(itertools.accumulate(weights)))

    def pick(self, rng: random.Random, table: str) -> str:
        codes, cumulative = self.tables[table]
        return codes[bisect.bisect(cumulative, rng.random() * cumulative[-1])]


def _stock_group(tier: str, kind: str) -> str:
    if kind == UnitKind.LIBRARY:
        return tier if tier != UnitTier.SERVICE_POINT else ""
    return kind if kind in STOCK_KINDS else ""


# --- ISBNs ------------------------------------------------------------------------------------


class Isbns:
    """ISBN-13s in each publisher's real range (978-7-<registrant>-<title>-<check>), never the
    same twice: each publisher walks its title numbers in a fixed scrambled order."""

    _STEP = 7919  # prime, so coprime with every power of ten: the walk visits each number once

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.state: dict[str, list[int]] = {}  # publisher → [start, taken]

    def capacity(self, publisher: str) -> int:
        return 10 ** (8 - len(PUBLISHERS[publisher].prefix))

    def has_room(self, publisher: str) -> bool:
        state = self.state.get(publisher)
        return state is None or state[1] < self.capacity(publisher)

    def take(self, publisher: str) -> str:
        capacity = self.capacity(publisher)
        state = self.state.setdefault(publisher, [self.rng.randrange(capacity), 0])
        if state[1] >= capacity:
            raise ValueError(f"{publisher} has no ISBN left")
        number = (state[0] + state[1] * self._STEP) % capacity
        state[1] += 1
        prefix = PUBLISHERS[publisher].prefix
        body = f"9787{prefix}{number:0{8 - len(prefix)}d}"
        return body + ean.calc_check_digit(body)


# --- names ------------------------------------------------------------------------------------

_SURNAME_CUM = list(itertools.accumulate(w for _s, w in SURNAMES))


def chinese_name(rng: random.Random) -> str:
    surname = SURNAMES[bisect.bisect(_SURNAME_CUM, rng.random() * _SURNAME_CUM[-1])][0]
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return surname + given


@functools.lru_cache(maxsize=4096)
def _initial(character: str) -> str:
    if character in _SURNAME_INITIAL:
        return _SURNAME_INITIAL[character]
    if character.isascii():
        return character.upper() if character.isalpha() else "X"
    letters = lazy_pinyin(character, style=Style.FIRST_LETTER, errors="ignore")
    return (letters[0][:1] if letters and letters[0] else "x").upper()


def author_mark(name: str) -> str:
    """``W23``: the initial of the author's surname (its pinyin for a Chinese name) and two
    digits from the whole name, the way an author table gives a shelf order."""
    if "," in name:  # "Carter, Emily"
        surname = name.split(",")[0]
    elif "·" in name:  # "约翰·史密斯": the surname comes last
        surname = name.split("·")[-1]
    else:
        surname = name
    digits = zlib.crc32(name.encode()) % 90 + 10
    return f"{_initial(surname[:1])}{digits}"


# --- books ------------------------------------------------------------------------------------

AVAILABLE = ItemStatus.AVAILABLE.value
IN_PROCESSING = ItemStatus.IN_PROCESSING.value
MISSING = ItemStatus.MISSING.value


@functools.lru_cache(maxsize=512)
def _fields(template: str) -> tuple[str, ...]:
    return tuple(f for _t, f, _s, _c in string.Formatter().parse(template) if f)


class BookMaker:
    """Makes ``records`` books with ``items`` copies in all, one after another."""

    def __init__(self, rng: random.Random, stock: Stock) -> None:
        self.rng = rng
        self.stock = stock
        self.isbns = Isbns(rng)
        self._shelf_cum = list(itertools.accumulate(s.weight for s in ALL_SHELVES))
        self._many = [i for i, s in enumerate(ALL_SHELVES) if not s.few_copies]

    def books(self, records: int, items: int) -> Iterator[Book]:
        shelves, copies = self._draw(records, items)
        for shelf, count in zip(shelves, copies, strict=True):
            yield self.book(ALL_SHELVES[shelf], count)

    def _draw(self, records: int, items: int) -> tuple[list[int], list[int]]:
        """Each record's class and number of copies, the copies adding up to ``items``."""
        rng = self.rng
        many = [k for k, _w in COPIES], list(itertools.accumulate(w for _k, w in COPIES))
        few = [k for k, _w in FEW_COPIES], list(itertools.accumulate(w for _k, w in FEW_COPIES))
        shelves, copies = [], []
        for _ in range(records):
            shelf = bisect.bisect(self._shelf_cum, rng.random() * self._shelf_cum[-1])
            values, cumulative = few if ALL_SHELVES[shelf].few_copies else many
            shelves.append(shelf)
            copies.append(values[bisect.bisect(cumulative, rng.random() * cumulative[-1])])
        gap = max(items, records) - sum(copies)
        adjustable = [i for i, s in enumerate(shelves) if not ALL_SHELVES[s].few_copies]
        while gap and adjustable:
            i = adjustable[rng.randrange(len(adjustable))]
            if gap > 0:
                copies[i] += 1
                gap -= 1
            elif copies[i] > 1:
                copies[i] -= 1
                gap += 1
        return shelves, copies

    def book(self, shelf: Shelf, count: int) -> Book:
        rng = self.rng
        title, hero = self._title(shelf)
        year = self._year(shelf, title)
        authors, responsibility = self._credits(shelf)
        if hero and shelf.extra.get("hero_paints"):  # an album of the painter's own works
            authors, responsibility = [hero], f"{hero}绘"
        publisher, isbns = self._isbns(shelf)
        clc = shelf.clc[0] if rng.random() < 0.6 else rng.choice(shelf.clc)
        subjects = ["-".join(rng.choice(shelf.subjects))]
        if len(shelf.subjects) > 1 and rng.random() < 0.25:
            other = "-".join(rng.choice(shelf.subjects))
            if other not in subjects:
                subjects.append(other)
        if shelf.extra.get("by_country"):  # （英）... 著: an English novel
            clc, country = NOVELS_BY_COUNTRY[responsibility[1]]
            subjects = [f"长篇小说-{country}-现代"]
        if shelf.language == "eng":
            publisher_name, place = PUBLISHERS_EN.get(
                publisher, (publisher, PUBLISHERS[publisher].place)
            )
        else:
            publisher_name, place = publisher, PUBLISHERS[publisher].place
        low, high = shelf.prices
        price = Decimal(f"{rng.randint(low, high)}.{rng.choice(('00', '00', '00', '80', '50'))}")
        data = RecordData(
            title=title, responsibility=responsibility, authors=authors,
            publisher=publisher_name, place=place, year=year, isbns=isbns,
            language=shelf.language, clc=clc, subjects=subjects, format=shelf.format,
        )  # fmt: skip
        copies = [(self.stock.pick(rng, shelf.units), self._status(year)) for _ in range(count)]
        copies.sort()
        return Book(data, f"{clc}/{author_mark(authors[0])}", shelf.item_type,
                    min(price, Decimal(128)), copies)  # fmt: skip

    def _title(self, shelf: Shelf) -> tuple[str, str]:
        """The title, and the person it names (``hero``), if any."""
        rng = self.rng
        template = rng.choice(shelf.titles)
        values = {}
        for name in _fields(template):
            if name == "hero":
                values[name] = chinese_name(rng)
            elif name == "year":
                values[name] = str(rng.randint(2000, LAST_YEAR - 1))
            else:
                values[name] = rng.choice(shelf.words.get(name) or COMMON_WORDS[name])
        return template.format_map(values), values.get("hero", "")

    def _year(self, shelf: Shelf, title: str) -> int:
        rng = self.rng
        since = max([shelf.since, FIRST_YEAR, *(y for w, y in WORD_SINCE.items() if w in title)])
        year = LAST_YEAR - int(rng.expovariate(1 / 9))
        if "合订本" in title or "年第" in title:  # a bound volume: the year after its issues
            year = min(LAST_YEAR, int(title.split("（")[-1][:4]) + 1)
        return year if year >= since else rng.randint(since, LAST_YEAR)

    def _credits(self, shelf: Shelf) -> tuple[list[str], str]:
        rng = self.rng
        style = rng.choice(shelf.credits)
        if style == "two":
            first, second = chinese_name(rng), chinese_name(rng)
            return [first, second], f"{first}, {second}著"
        if style == "editor":
            editor = chinese_name(rng)
            return [editor], f"{editor}{rng.choice(('主编', '主编', '编著'))}"
        if style == "body":
            body = rng.choice(BODIES[shelf.body or "encyclopedia"])
            return [body], f"{body}编"
        if style == "translated":
            country = rng.choice(tuple(FOREIGN_AUTHORS))
            given, family = FOREIGN_AUTHORS[country]
            if country == "日":
                author = rng.choice(family) + rng.choice(given)
            else:
                author = f"{rng.choice(given)}·{rng.choice(family)}"
            translator = chinese_name(rng)
            return [author, translator], f"（{country}）{author}著 ; {translator}译"
        if style == "english":
            given, family = rng.choice(ENGLISH_AUTHORS[0]), rng.choice(ENGLISH_AUTHORS[1])
            return [f"{family}, {given}"], f"{given} {family}"
        author = chinese_name(rng)
        return [author], f"{author}著"

    def _isbns(self, shelf: Shelf) -> tuple[str, list[str]]:
        publisher = self.rng.choice(shelf.publishers)
        if not self.isbns.has_room(publisher):  # only at city scale, for the small presses
            publisher = next(
                (p for p in (*shelf.publishers, *FALLBACK_PUBLISHERS) if self.isbns.has_room(p)),
                publisher,
            )
        isbns = [self.isbns.take(publisher)]
        if self.rng.random() < SECOND_ISBN and self.isbns.has_room(publisher):
            isbns.append(self.isbns.take(publisher))
        return publisher, isbns

    def _status(self, year: int) -> str:
        """New books are still being processed; a few old ones cannot be found."""
        draw = self.rng.random()
        if year >= LAST_YEAR:
            return IN_PROCESSING if draw < 0.2 else AVAILABLE
        if year == LAST_YEAR - 1:
            return IN_PROCESSING if draw < 0.06 else AVAILABLE
        return MISSING if draw < 0.005 else AVAILABLE


def book_maker(plan: CityPlan, seed: int) -> BookMaker:
    """The books of the city for ``seed`` (their own stream, apart from the plan's and the
    people's: adding books changes neither)."""
    return BookMaker(random.Random(f"libcity-demo-books-{seed}"), Stock(plan))
