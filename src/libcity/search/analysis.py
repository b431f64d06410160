"""Text analysis: the one chain that turns catalogue text and query text into search tokens.

Both backends store what this module produces as-is (space-joined tokens), so SQLite FTS5 and
PostgreSQL see the same tokens for the same text and answer the same way.

A field value is cut into runs of Han characters and runs of anything else.

- **Han runs** are segmented with rjieba. The reading-order words (``cut``) come first; then,
  for the index only, the full pinyin of every word without tones (``图说`` → ``tushuo``) and
  its initials (``ts``), the pinyin and initials of the whole value (``图说中国节`` →
  ``tushuozhongguojie``, ``tszgj``), the shorter words of ``cut_for_search`` (with their
  pinyin), every pair of neighbouring characters and every single character (``han_keys``).
- **Other runs** are NFKD-folded (case and diacritics: ``Éloïse`` → ``eloise``) and split on
  anything that is not a letter or a digit. A hyphenated run of digits that is an ISBN
  (``978-7-5327-1234-5``, ``7-5327-1234-X``) stays one token without hyphens; the index adds
  the other form (ISBN-10 for an ISBN-13 starting 978, and the reverse).

The work is memoised, since catalogue text repeats (publishers, places, subjects, title words,
names): the tokens of a value, the analysis of a Han run (one rjieba ``tokenize`` per mode and
the pinyin, made once), and the pinyin of each pypinyin segment, in bounded LRU caches. The
caches only remember answers: the tokens are those the chain makes without them
(``tests/test_analysis_pins.py`` pins them).

Queries go through the same chain but keep only the reading-order tokens (``query_tokens``):
a query ``tushuo`` meets the pinyin token the index made. A Han query word is looked up by its
``han_keys``: itself when it has one or two characters, else its character pairs, so
``人民出版社`` finds ``江苏人民出版社`` although rjieba cut the two differently.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from operator import mul

import rjieba
from pypinyin import Style, lazy_pinyin
from pypinyin.constants import RE_HANS
from pypinyin.seg.mmseg import seg as pinyin_phrases
from pypinyin.seg.simpleseg import seg as pinyin_segments

#: CJK unified ideographs (basic, extension A, compatibility, extensions B and later).
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_RUNS = re.compile(f"([{_HAN}]+)")
_IS_HAN = re.compile(f"[{_HAN}]")
#: Letters and digits, possibly joined by hyphens (a hyphenated ISBN is one such chunk).
_CHUNK = re.compile(r"[^\W_]+(?:-[^\W_]+)*")
_LETTERS = re.compile(r"[^a-z]")
_CLC_SPLIT = re.compile(r"[\s;,，；/]+")

#: Whole-value pinyin stops after this many Han characters (nobody types more, and
#: PostgreSQL ignores a lexeme past 2 KB).
WHOLE_VALUE_CHARS = 40
#: A longer run of letters or digits is cut to this length (index and query alike).
MAX_TOKEN = 256
#: A longer "word" (rjieba keeps a run of characters it does not know whole) is not indexed
#: as a word; its character pairs and characters are, and they are what queries look for.
MAX_HAN_WORD = 16
#: A CLC number gives prefixes up to this length (``class:I2`` meets ``I247.5``).
CLC_MAX = 16
#: How many values, Han runs and pinyin segments the analysis remembers (LRU): about 30 MB
#: when full. Larger caches hardly help: what misses is mostly unique (names, ISBNs).
VALUE_CACHE = 16_384
RUN_CACHE = 16_384
SEGMENT_CACHE = 65_536


def fold(text: str) -> str:
    """Case- and diacritic-folded text: NFKD, combining marks dropped, every decimal digit
    made ASCII (``٣`` → ``3``), casefolded."""
    if (text or "").isascii():  # the common case: NFKD and the marks change nothing
        return (text or "").casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(_plain(c) for c in decomposed if not unicodedata.combining(c)).casefold()


def _plain(char: str) -> str:
    if char.isascii():
        return char
    digit = unicodedata.decimal(char, None)
    return char if digit is None else str(digit)


def is_han(token: str) -> bool:
    return bool(_IS_HAN.match(token))


# ------------------------------------------------------------------------------------ ISBN


_ISBN10_WEIGHTS = range(10, 1, -1)
_ISBN13_WEIGHTS = (1, 3) * 6


def _isbn10_check(first9: str) -> str:
    total = sum(map(mul, map(int, first9), _ISBN10_WEIGHTS))
    check = (11 - total % 11) % 11
    return "x" if check == 10 else str(check)


def _isbn13_check(first12: str) -> str:
    total = sum(map(mul, map(int, first12), _ISBN13_WEIGHTS))
    return str((10 - total % 10) % 10)


def isbn_compact(chunk: str) -> str | None:
    """The ISBN in a (folded) chunk without hyphens, or None when it is not ISBN-shaped:
    13 digits starting 978/979, or 9 digits and a digit or ``x``."""
    compact = chunk.replace("-", "")
    if len(compact) == 13 and compact.isdigit() and compact[:3] in ("978", "979"):
        return compact
    if len(compact) == 10 and compact[:9].isdigit() and (compact[9].isdigit() or compact[9] == "x"):
        return compact
    return None


def isbn_other_form(compact: str) -> str | None:
    """The ISBN-10 of a valid 978 ISBN-13, the ISBN-13 of a valid ISBN-10, else None."""
    if len(compact) == 13:
        if compact.startswith("978") and _isbn13_check(compact[:12]) == compact[12]:
            return compact[3:12] + _isbn10_check(compact[3:12])
        return None
    if _isbn10_check(compact[:9]) == compact[9]:
        body = "978" + compact[:9]
        return body + _isbn13_check(body)
    return None


# ------------------------------------------------------------------------------- pinyin


def _syllables(run: str) -> tuple[str, ...]:
    """One toneless pinyin syllable per character of a Han run ('' when none is known).

    ``lazy_pinyin(run)`` cuts the run into pypinyin's own segments (its phrase dictionary,
    greedy from the left) and converts each one alone; the conversion of a segment does not
    depend on its neighbours, so each segment's syllables are remembered on their own."""
    # A run pypinyin holds all Han is one piece of its simple cut: only the phrase cut is left.
    segments = pinyin_phrases.cut(run) if RE_HANS.match(run) else pinyin_segments(run)
    found = [s for segment in segments for s in _segment_syllables(segment)]
    if len(found) != len(run):  # pypinyin grouped some characters: go one by one
        found = [next(iter(_segment_syllables(c)), "") for c in run]
    return tuple(found)


@lru_cache(maxsize=SEGMENT_CACHE)
def _segment_syllables(segment: str) -> tuple[str, ...]:
    """The folded toneless syllables of one pypinyin segment (a segment of pypinyin's cut
    is its own only segment)."""
    found = lazy_pinyin(segment, style=Style.NORMAL, errors=_no_pinyin)
    return tuple(_LETTERS.sub("", fold(s)) for s in found)


def _no_pinyin(chars: str) -> list[str]:
    return [""] * len(chars)


def _pinyin_of(syllables: tuple[str, ...], start: int, end: int) -> tuple[str, str]:
    """Full pinyin and initials of the characters ``start:end`` of a run."""
    part = [s for s in syllables[start:end] if s]
    return "".join(part), "".join(s[0] for s in part)


# ------------------------------------------------------------------------------- the chain


def _runs(text: str) -> Iterator[tuple[bool, str]]:
    """(is Han, run) in order, after NFKC (full-width letters, compatibility ideographs).
    A code point of the Han blocks that is no letter (unassigned) separates runs."""
    for i, run in enumerate(_RUNS.split(unicodedata.normalize("NFKC", text))):
        if i % 2 == 0 or run.isalpha():
            if run:
                yield i % 2 == 1, run
            continue
        for piece in "".join(c if c.isalpha() else " " for c in run).split():
            yield True, piece


def _other_tokens(run: str, extras: list[str] | None = None) -> list[str]:
    """The folded words of a run that is not Han, in order; an ISBN's other form goes to
    ``extras`` (when given: the index) so that words stay side by side for phrases."""
    tokens: list[str] = []
    for chunk in _CHUNK.findall(fold(run)):
        isbn = isbn_compact(chunk)
        if isbn is None:
            tokens.extend(part[:MAX_TOKEN] for part in chunk.split("-"))
            continue
        tokens.append(isbn)
        other = isbn_other_form(isbn) if extras is not None else None
        if other:
            extras.append(other)
    return tokens


def han_keys(word: str, *, every: bool = False) -> list[str]:
    """The index tokens that find Han text wherever it stands: a word of one or two
    characters is its own key, a longer one its overlapping pairs (``人民出版社`` → ``人民``
    ``民出`` ``出版`` ``版社``), so a query word is found whatever the segmentation of the
    record's text was. ``every``: also each single character (what the index stores)."""
    pairs = [word[i : i + 2] for i in range(len(word) - 1)]
    if every:
        return [*pairs, *word]
    return [word] if len(word) <= 2 else pairs


def query_tokens(text: str) -> list[str]:
    """The tokens of query text, in order: Han words (``cut``), folded words, ISBNs."""
    tokens: list[str] = []
    for han, run in _runs(text or ""):
        tokens.extend(rjieba.cut(run) if han else _other_tokens(run))
    return tokens


@dataclass(frozen=True, slots=True)
class _HanRun:
    """What one Han run gives a value: its reading-order words, their pinyin and initials
    (words of two characters or more), the extras (search-mode words with their pinyin,
    pairs, characters) and one syllable per character."""

    words: tuple[str, ...]
    pinyin: tuple[str, ...]
    initials: tuple[str, ...]
    extras: tuple[str, ...]
    syllables: tuple[str, ...]


@lru_cache(maxsize=RUN_CACHE)
def _han_run(run: str) -> _HanRun:
    syllables = _syllables(run)
    cut = rjieba.tokenize(run)
    words = [w for w in cut if w[2] - w[1] <= MAX_HAN_WORD]
    pinyin, initials, extras = [], [], []
    for _word, start, end in words:
        full, first = _pinyin_of(syllables, start, end)
        pinyin.append(full)
        if end - start > 1:
            initials.append(first)
    in_order = set(words)
    # Search mode adds only the dictionary words inside a word of three characters or more.
    longer = any(end - start > 2 for _word, start, end in cut)
    for word, start, end in rjieba.tokenize(run, mode="search") if longer else ():
        if (word, start, end) not in in_order and end - start <= MAX_HAN_WORD:
            extras.extend((word, *_pinyin_of(syllables, start, end)))
    extras.extend(han_keys(run, every=True))
    primary = tuple(word for word, _start, _end in words)
    return _HanRun(primary, tuple(pinyin), tuple(initials), tuple(extras), syllables)


class _ValueTokens:
    """The tokens of one value, built run by run: reading order first, then the extras."""

    def __init__(self) -> None:
        self.primary: list[str] = []
        self.pinyin: list[str] = []
        self.initials: list[str] = []
        self.extras: list[str] = []
        self.han_syllables: list[str] = []

    def add_han(self, run: str) -> None:
        found = _han_run(run)
        self.han_syllables.extend(found.syllables)
        self.primary.extend(found.words)
        self.pinyin.extend(found.pinyin)
        self.initials.extend(found.initials)
        self.extras.extend(found.extras)

    def tokens(self) -> tuple[str, ...]:
        whole = [s for s in self.han_syllables[:WHOLE_VALUE_CHARS] if s]
        tail = [*self.pinyin, *self.initials]
        if len(whole) > 1:
            tail += ["".join(whole), "".join(s[0] for s in whole)]
        primary = set(self.primary)  # reading-order words stay, repeated or not
        later = dict.fromkeys([*tail, *self.extras])
        return (*self.primary, *(t for t in later if t and t not in primary))


def value_tokens(value: str) -> list[str]:
    """The index tokens of one value (one title, one author, one subject)."""
    return _value_text(value).split()


@lru_cache(maxsize=VALUE_CACHE)
def _value_text(value: str) -> str:
    """The tokens of one value joined by spaces (a token never holds a space), as both
    backends store them: a cached value costs one string."""
    built = _ValueTokens()
    for han, run in _runs(value):
        if han:
            built.add_han(run)
        else:
            built.primary.extend(_other_tokens(run, built.extras))
    return " ".join(built.tokens())


def analyse(text: str) -> str:
    """The index form of a text field: the tokens of each line (one value a line), joined
    by spaces. ``analyse("图说中国节")`` → ``"图说 中国 节 tushuo zhongguo jie ts zg
    tushuozhongguojie tszgj 说中 国节 图 说 中 国"``."""
    return " ".join(filter(None, map(_value_text, (text or "").splitlines())))


# ---------------------------------------------------------------------------- class (CLC)


def clc_codes(text: str) -> list[str]:
    """The CLC numbers of a text, folded to letters and digits (``I247.5`` → ``i2475``)."""
    codes = ("".join(c for c in fold(part) if c.isalnum()) for part in _CLC_SPLIT.split(text))
    return [code[:CLC_MAX] for code in codes if code]


def analyse_clc(text: str) -> str:
    """The index form of the class field: every prefix of every CLC number, so that
    ``class:I2`` is an exact token match (``I247.5`` → ``i i2 i24 i247 i2475``)."""
    prefixes = dict.fromkeys(
        code[:n] for code in clc_codes(text or "") for n in range(1, len(code) + 1)
    )
    return " ".join(prefixes)
