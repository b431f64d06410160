"""CNMARC (China's UNIMARC) bibliographic records ↔ catalogue records, each way by one table.

UNIMARC records from elsewhere (``testunimarc.dat`` is Italian) read by the same table.
pymarc's ``title``/``isbn``/``author`` helpers are MARC21-only, so every field is mapped here.
"""

from __future__ import annotations

import re

import pymarc
from pymarc import Field, Indicators, Subfield

from libcity.catalogue.data import RecordData
from libcity.catalogue.marc import holdings
from libcity.catalogue.marc.fields import (
    Mapped,
    clean,
    first,
    first_year,
    fit,
    isbns,
    new_field,
    price,
    strip_isbd,
    subfield_values,
    unique,
    values,
)
from libcity.catalogue.models import Item, Record, RecordFormat

# --- the table, read side -------------------------------------------------------------------
TITLE = "200"  # $a title proper (repeatable), $e other title, $h/$i part, $f/$g responsibility
TITLE_JOINERS = {"a": " ; ", "e": " : ", "h": ". ", "i": ". "}
PARALLEL_TITLE = "d"
TITLE_PINYIN = "9A"  # local Chinese practice: the title in pinyin
RESPONSIBILITY = "fg"
ISBN = ("010", "a")
PRICE = ("010", "d")  # "CNY25.00": the price of a copy when its holdings give none
CODED = ("100", "a")  # 36 positions; 9-12 first date of publication
DATE1 = slice(9, 13)
#: Names → authors in this order: personal 700-702 ($a entry element, $b rest of name),
#: corporate 710-712 ($a name, $b subdivisions).
PERSONAL_NAMES = ("700", "701", "702")
CORPORATE_NAMES = ("710", "711", "712")
NAME_PINYIN = "9A"
VARIANT_NAMES = ("790", "791")  # alternative forms of a name → alt_authors
PUBLICATION = ("210", "214")  # $a place, $c publisher, $d date
PLACE, PUBLISHER, DATE = "a", "c", "d"
LANGUAGE = ("101", "a")
#: Subject headings: tag → subfields of the main part; $j $x $y $z follow after " -- ".
SUBJECTS = {"606": "a", "600": "ab", "601": "ab", "607": "a"}
SUBDIVISIONS = "jxyz"
CLC = ("690", "a")  # Chinese Library Classification
CLASSIFICATION = "686"  # other schemes; CLC too when $2 is "clc"
VARIANT_TITLES = ("510", "512", "513", "516", "517", "540", "541")
#: Leader/06 → format; textual records issued serially (leader/07 s or i) are serials.
RECORD_TYPES = {
    "a": RecordFormat.BOOK, "b": RecordFormat.BOOK, "c": RecordFormat.MUSIC,
    "d": RecordFormat.MUSIC, "e": RecordFormat.MAP, "f": RecordFormat.MAP,
    "g": RecordFormat.AUDIO_VISUAL, "i": RecordFormat.AUDIO_VISUAL,
    "j": RecordFormat.AUDIO_VISUAL,
}  # fmt: skip
SERIAL_LEVELS = frozenset("si")
#: What 200 $f adds to a name ("张三著", "〔清〕曹雪芹著", "李四主编"), for authors read from
#: 200 $f when a record has no 7XX name.
_ROLE = re.compile(r"(?:等)?(?:主编|编著|编写|编译|编辑|选编|改编|整理|校注|注释|原著|口述|"
                   r"摄影|绘画|编|著|译|撰|绘)$")  # fmt: skip
_DYNASTY = re.compile(r"^[\[(（〔【][^\])）〕】]*[\])）〕】]\s*")
_NAME_SEPARATORS = re.compile(r"\s*[;；,，、]\s*")

# --- the table, write side ------------------------------------------------------------------
LEADERS = {RecordFormat.BOOK: "am", RecordFormat.SERIAL: "as", RecordFormat.MAP: "em",
           RecordFormat.MUSIC: "cm", RecordFormat.AUDIO_VISUAL: "gm",
           RecordFormat.OTHER: "mm"}  # fmt: skip
UNICODE_CHARACTER_SETS = "50  "  # 100 $a/26-29: ISO 10646


def record_data(record: pymarc.Record) -> Mapped:
    """What a CNMARC (UNIMARC) record says, as catalogue data."""
    notes: list[str] = []
    title_field = record.get(TITLE) or Field(TITLE)
    title = _title(title_field)
    place, publisher, date = _publication(record)
    responsibility = " ; ".join(v for v in subfield_values(title_field, RESPONSIBILITY) if v)
    language = first(values(record, *LANGUAGE))[:3].lower()
    data = RecordData(
        title=fit(title, 500),
        responsibility=fit(responsibility, 500),
        authors=unique(_names(record) or _names_from(responsibility)),
        publisher=fit(publisher, 300),
        place=fit(place, 200),
        year=first_year(date) or first_year(first(values(record, *CODED))[DATE1]),
        isbns=isbns(values(record, *ISBN), notes),
        language=language if language.isalpha() else "",
        clc=fit(first(values(record, *CLC)) or _clc_686(record), 40),
        subjects=unique(_subjects(record)),
        alt_titles=[t for t in unique(_other_titles(record, title_field)) if t != title],
        alt_authors=unique(_other_names(record)),
        format=_format(str(record.leader)),
    )
    default_type = holdings.default_item_type(data.format, data.language)
    data.items, found = holdings.copies(
        record, holdings.CNMARC_HOLDINGS, default_type=default_type,
        default_price=price(first(values(record, *PRICE))),
    )  # fmt: skip
    return Mapped(data, [*notes, *found])


def marc_record(record: Record, items: list[Item]) -> pymarc.Record:
    """A CNMARC record (UTF-8, said in 100 $a) for a catalogue record and the copies given."""
    marc = pymarc.Record(force_utf8=True)
    marc.leader = pymarc.Leader(f"00000n{LEADERS.get(record.format, 'am')}0 2200000   450 ")
    marc.add_field(Field("001", data=str(record.pk)),
                   Field("005", data=f"{record.updated_at:%Y%m%d%H%M%S}.0"))  # fmt: skip
    marc.add_field(*[new_field("010", "  ", a=isbn) for isbn in record.isbns])
    marc.add_field(new_field("100", "  ", a=_coded_data(record)))
    if record.language:
        marc.add_field(new_field("101", "0 ", a=record.language))
    marc.add_field(new_field("200", "1 ", a=record.title, f=record.responsibility))
    if record.place or record.publisher or record.year:
        marc.add_field(new_field("210", "  ", a=record.place, c=record.publisher,
                              d=str(record.year or "")))  # fmt: skip
    marc.add_field(
        *[new_field("517", "1 ", a=t) for t in getattr(record, "alt_titles", None) or []]
    )
    marc.add_field(*[_subject_field(subject) for subject in record.subjects or []])
    if record.clc:
        marc.add_field(new_field("690", "  ", a=record.clc))
    marc.add_field(*[new_field("701", " 0", a=name) for name in record.authors or []])
    marc.add_field(
        *[new_field("790", " 0", a=n) for n in getattr(record, "alt_authors", None) or []]
    )
    marc.add_field(*[_holdings_field(item) for item in items])
    return marc


def declare_unicode(record: pymarc.Record) -> None:
    """Say in 100 $a/26-29 that the record is now in ISO 10646 (after re-encoding a GB18030
    source as UTF-8); the rest of the field stays as it was."""
    for field in record.get_fields("100"):
        field.subfields = [
            Subfield(s.code, s.value[:26] + UNICODE_CHARACTER_SETS + s.value[30:])
            if s.code == "a" and len(s.value) >= 30 else s
            for s in field.subfields
        ]  # fmt: skip


# --- reading ---------------------------------------------------------------------------------
def _title(field: Field) -> str:
    parts: list[str] = []
    for subfield in field.subfields:
        text = strip_isbd(subfield.value) if subfield.code in TITLE_JOINERS else ""
        if text:
            parts.append((TITLE_JOINERS[subfield.code] if parts else "") + text)
    return "".join(parts)


def _other_titles(record: pymarc.Record, title_field: Field) -> list[str]:
    return [
        *subfield_values(title_field, PARALLEL_TITLE),
        *subfield_values(title_field, TITLE_PINYIN),
        *(v for tag in VARIANT_TITLES for v in values(record, tag, "a")),
    ]


def _publication(record: pymarc.Record) -> tuple[str, str, str]:
    for tag in PUBLICATION:
        for field in record.get_fields(tag):
            place, publisher, date = (first(subfield_values(field, code))
                                      for code in (PLACE, PUBLISHER, DATE))  # fmt: skip
            if place or publisher or date:
                return place, publisher, date
    return "", "", ""


def _names(record: pymarc.Record) -> list[str]:
    personal = [_personal(f) for f in record.get_fields(*PERSONAL_NAMES)]
    corporate = [". ".join(subfield_values(f, "ab")) for f in record.get_fields(*CORPORATE_NAMES)]
    return [name for name in [*personal, *corporate] if name]


def _personal(field: Field) -> str:
    """ "Asimov" + $b ", Isaac" → "Asimov, Isaac"; 张三 stays 张三."""
    entry = first(subfield_values(field, "a"))
    rest = clean(first(s.value for s in field.subfields if s.code == "b")).strip(" ,")
    return f"{entry}, {rest}" if entry and rest else entry


def _names_from(responsibility: str) -> list[str]:
    """Authors from a statement of responsibility ("张三, 李四著" → 张三, 李四)."""
    names = (_DYNASTY.sub("", part) for part in _NAME_SEPARATORS.split(responsibility))
    return [_ROLE.sub("", name).strip() for name in names if _ROLE.sub("", name).strip()]


def _other_names(record: pymarc.Record) -> list[str]:
    pinyin = [v for f in record.get_fields(*PERSONAL_NAMES, *CORPORATE_NAMES)
              for v in subfield_values(f, NAME_PINYIN)]  # fmt: skip
    return [*pinyin, *(_personal(f) for f in record.get_fields(*VARIANT_NAMES))]


def _subjects(record: pymarc.Record) -> list[str]:
    found = []
    for tag, main in SUBJECTS.items():
        for field in record.get_fields(tag):
            head = _personal(field) if tag == "600" else " ".join(subfield_values(field, main))
            rest = [v for v in subfield_values(field, SUBDIVISIONS) if v]
            found.append(" -- ".join([head, *rest]) if head else "")
    return found


def _clc_686(record: pymarc.Record) -> str:
    for field in record.get_fields(CLASSIFICATION):
        if any(s.code == "2" and s.value.strip().lower() == "clc" for s in field.subfields):
            return first(subfield_values(field, "a"))
    return ""


def _format(leader: str) -> str:
    kind, level = leader[6:7], leader[7:8]
    if kind in ("a", "b") and level in SERIAL_LEVELS:
        return RecordFormat.SERIAL
    return RECORD_TYPES.get(kind, RecordFormat.OTHER)


# --- writing ---------------------------------------------------------------------------------
def _coded_data(record: Record) -> str:
    """100 $a: entry date, date type ``d`` and year, catalogued in Chinese, in ISO 10646."""
    year = f"{record.year:04d}" if record.year else "    "
    script = "ea" if (record.language or "chi") in ("chi", "zho") else "ba"
    return f"{record.created_at:%Y%m%d}d{year}    em y0chiy{UNICODE_CHARACTER_SETS}    {script}"


def _subject_field(subject: str) -> Field:
    main, *subdivisions = subject.split(" -- ")
    subfields = [Subfield("a", main), *(Subfield("x", part) for part in subdivisions)]
    return Field(tag="606", indicators=Indicators("0", " "), subfields=subfields)


def _holdings_field(item: Item) -> Field:
    return new_field("905", "  ", a=item.owner.code, b=item.barcode, d=item.call_number)
