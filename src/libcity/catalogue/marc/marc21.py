"""MARC21 bibliographic records ↔ catalogue records, each way by one table.

Reading: a pymarc record → ``RecordData`` (``record_data``). Writing: a catalogue record and
its copies → a pymarc record (``marc_record``), for records whose source is not MARC21.
"""

from __future__ import annotations

import pymarc
from pymarc import Field, Indicators, Subfield

from libcity.catalogue.data import RecordData
from libcity.catalogue.marc import holdings
from libcity.catalogue.marc.fields import (
    Mapped,
    clean,
    control,
    first,
    first_year,
    fit,
    heading,
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
TITLE = "245"
TITLE_PARTS = "abnp"  # a title, b remainder (subtitle or parallel title), n/p part
RESPONSIBILITY = "c"
ISBN = ("020", "a")
PRICE = ("020", "c")
#: Names → authors, in this order; the subfields that make the name.
NAMES = {"100": "a", "110": "ab", "111": "a", "700": "a", "710": "ab", "711": "a"}
PUBLICATION = ("260", "264")  # $a place, $b publisher, $c date
PLACE, PUBLISHER, DATE = "a", "b", "c"
LANGUAGE_008 = slice(35, 38)
DATE1_008 = slice(7, 11)
LANGUAGE = ("041", "a")
#: Subject headings: the subfields of the main part; $v $x $y $z follow after " -- ".
SUBJECTS = {"600": "abcdq", "610": "ab", "611": "a", "630": "a", "650": "a", "651": "a"}
CORPORATE_JOINER = ". "  # 610 "$a Body $b Unit" → "Body. Unit"; other headings join with ", "
CLASSIFICATION = "084"  # $a number, $2 scheme; the CLC when $2 is "clc"
VARIANT_TITLES = ("246",)
ALTERNATE_SCRIPT = "880"  # $6 "245-02/$1": the tag it stands beside
LINKED_TITLES = frozenset({"130", "240", "245", "246"})
#: Leader/06 (type of record) → format; textual records issued serially (leader/07 s or i)
#: are serials.
RECORD_TYPES = {
    "a": RecordFormat.BOOK, "t": RecordFormat.BOOK, "c": RecordFormat.MUSIC,
    "d": RecordFormat.MUSIC, "e": RecordFormat.MAP, "f": RecordFormat.MAP,
    "g": RecordFormat.AUDIO_VISUAL, "i": RecordFormat.AUDIO_VISUAL,
    "j": RecordFormat.AUDIO_VISUAL,
}  # fmt: skip
SERIAL_LEVELS = frozenset("si")

# --- the table, write side ------------------------------------------------------------------
LEADERS = {RecordFormat.BOOK: "am", RecordFormat.SERIAL: "as", RecordFormat.MAP: "em",
           RecordFormat.MUSIC: "cm", RecordFormat.AUDIO_VISUAL: "gm",
           RecordFormat.OTHER: "pm"}  # fmt: skip


def record_data(record: pymarc.Record) -> Mapped:
    """What a MARC21 record says, as catalogue data."""
    notes: list[str] = []
    title, parallel = _title(record.get(TITLE))
    place, publisher, date = _publication(record)
    linked = _alternate_script(record)
    data = RecordData(
        title=fit(title, 500),
        responsibility=fit(_responsibility(record), 500),
        authors=unique(_names(record)),
        publisher=fit(publisher, 300),
        place=fit(place, 200),
        year=first_year(date) or _year_008(record),
        isbns=isbns(values(record, *ISBN), notes),
        language=_language(record),
        clc=fit(_clc(record), 40),
        subjects=unique([*_subjects(record), *linked["subjects"]]),
        alt_titles=[t for t in unique([*parallel, *_variants(record), *linked["titles"]])
                    if t != title],
        alt_authors=unique(linked["names"]),
        format=_format(str(record.leader)),
    )  # fmt: skip
    default_type = holdings.default_item_type(data.format, data.language)
    data.items, found = holdings.copies(
        record, holdings.MARC21_HOLDINGS, default_type=default_type,
        default_price=price(first(values(record, *PRICE))),
    )  # fmt: skip
    return Mapped(data, [*notes, *found])


def marc_record(record: Record, items: list[Item]) -> pymarc.Record:
    """A MARC21 record (UTF-8) for a catalogue record and the copies given."""
    marc = pymarc.Record(force_utf8=True)
    marc.leader = pymarc.Leader(f"00000n{LEADERS.get(record.format, 'am')} a2200000 i 4500")
    marc.add_field(Field("001", data=str(record.pk)),
                   Field("005", data=f"{record.updated_at:%Y%m%d%H%M%S}.0"),
                   Field("008", data=_fixed_data(record)))  # fmt: skip
    marc.add_field(*[new_field("020", "  ", a=isbn) for isbn in record.isbns])
    if record.clc:
        marc.add_field(new_field("084", "  ", a=record.clc, **{"2": "clc"}))
    authors = list(record.authors or [])
    if authors:
        marc.add_field(new_field("100", "1 ", a=authors[0]))
    marc.add_field(_title_field(record, bool(authors)))
    marc.add_field(*_written_alternates(record))
    if record.place or record.publisher or record.year:
        marc.add_field(_publication_field(record))
    marc.add_field(*[_subject_field(subject) for subject in record.subjects or []])
    marc.add_field(*[new_field("700", "1 ", a=name) for name in authors[1:]])
    marc.add_field(*[_holdings_field(item) for item in items])
    return marc


# --- reading ---------------------------------------------------------------------------------
def _title(field: Field | None) -> tuple[str, list[str]]:
    """The title, and parallel titles (a $b after "=" is the title in another language)."""
    if field is None:
        return "", []
    parts: list[str] = []
    parallel: list[str] = []
    before = ""
    for subfield in field.subfields:
        if subfield.code not in TITLE_PARTS:
            continue
        text = strip_isbd(subfield.value)
        if subfield.code == "b" and before.endswith("="):
            parallel.append(text)
        elif text:
            parts.append(_joined(parts, subfield.code, text))
        before = clean(subfield.value)
    return "".join(parts), [p for p in parallel if p]


def _responsibility(record: pymarc.Record) -> str:
    field = record.get(TITLE)
    return first(subfield_values(field, RESPONSIBILITY)) if field is not None else ""


def _joined(parts: list[str], code: str, text: str) -> str:
    if not parts:
        return text
    return {"b": " : ", "n": ". ", "p": ". "}.get(code, " ") + text


def _names(record: pymarc.Record) -> list[str]:
    return [". ".join(subfield_values(field, codes)) for tag, codes in NAMES.items()
            for field in record.get_fields(tag)]  # fmt: skip


def _publication(record: pymarc.Record) -> tuple[str, str, str]:
    """Place, publisher, date: from 260, else from the 264 for publication (second indicator
    1), else from the first 264."""
    fields = sorted(record.get_fields(*PUBLICATION),
                    key=lambda f: (f.tag != "260", f.indicator2 != "1"))  # fmt: skip
    if not fields:
        return "", "", ""
    place, publisher, date = (first(subfield_values(fields[0], code))
                              for code in (PLACE, PUBLISHER, DATE))  # fmt: skip
    return place, publisher, date


def _year_008(record: pymarc.Record) -> int | None:
    date = control(record, "008")[DATE1_008]
    return int(date) if date.isdigit() and 0 < int(date) < 3000 else None


def _language(record: pymarc.Record) -> str:
    code = control(record, "008")[LANGUAGE_008].strip().lower()
    if len(code) == 3 and code.isalpha():
        return code
    code = first(values(record, *LANGUAGE))[:3].lower()
    return code if code.isalpha() else ""


def _clc(record: pymarc.Record) -> str:
    for field in record.get_fields(CLASSIFICATION):
        if any(s.code == "2" and s.value.strip().lower() == "clc" for s in field.subfields):
            return first(subfield_values(field, "a"))
    return ""


def _subjects(record: pymarc.Record) -> list[str]:
    return [_subject(field) for tag in SUBJECTS for field in record.get_fields(tag)]


def _subject(field: Field) -> str:
    tag = field.tag if field.tag != ALTERNATE_SCRIPT else (field.get("6") or "")[:3]
    joiner = CORPORATE_JOINER if tag in ("610", "611") else ", "
    return heading(field, SUBJECTS[tag], joiner=joiner)


def _variants(record: pymarc.Record) -> list[str]:
    return [_title(field)[0] for field in record.get_fields(*VARIANT_TITLES)]


def _alternate_script(record: pymarc.Record) -> dict[str, list[str]]:
    """880 fields by what they stand beside: titles, names, subjects."""
    found: dict[str, list[str]] = {"titles": [], "names": [], "subjects": []}
    for field in record.get_fields(ALTERNATE_SCRIPT):
        linked = (field.get("6") or "")[:3]
        if linked in LINKED_TITLES:
            title, parallel = _title(field)
            found["titles"] += [title, *parallel]
        elif linked in NAMES:
            found["names"].append(". ".join(subfield_values(field, NAMES[linked])))
        elif linked in SUBJECTS:
            found["subjects"].append(_subject(field))
    return found


def _format(leader: str) -> str:
    kind, level = leader[6:7], leader[7:8]
    if kind in ("a", "t") and level in SERIAL_LEVELS:
        return RecordFormat.SERIAL
    return RECORD_TYPES.get(kind, RecordFormat.OTHER)


# --- writing ---------------------------------------------------------------------------------
def _fixed_data(record: Record) -> str:
    """008: entry date, single date of publication, language; the rest unknown/blank."""
    year = f"{record.year:04d}" if record.year else "uuuu"
    language = (record.language or "und")[:3].ljust(3)
    return f"{record.created_at:%y%m%d}s{year}    xx {' ' * 17}{language} d"


def _title_field(record: Record, has_author: bool) -> Field:
    title = record.title + (" /" if record.responsibility else "")
    return new_field("245", ("1" if has_author else "0") + "0", a=title, c=record.responsibility)


def _written_alternates(record: Record) -> list[Field]:
    """Other titles and names as 880 fields linked to no field (occurrence 00)."""
    titles = [
        new_field("880", "  ", **{"6": "246-00", "a": t})
        for t in getattr(record, "alt_titles", None) or []
    ]
    names = [
        new_field("880", "1 ", **{"6": "700-00", "a": n})
        for n in getattr(record, "alt_authors", None) or []
    ]
    return [*titles, *names]  # fmt: skip


def _publication_field(record: Record) -> Field:
    subfields = []
    if record.place:
        subfields.append(Subfield("a", record.place + (" :" if record.publisher else "")))
    if record.publisher:
        subfields.append(Subfield("b", record.publisher + ("," if record.year else "")))
    if record.year:
        subfields.append(Subfield("c", str(record.year)))
    return Field(tag="260", indicators=Indicators(" ", " "), subfields=subfields)


def _subject_field(subject: str) -> Field:
    main, *subdivisions = subject.split(" -- ")
    subfields = [Subfield("a", main), *(Subfield("x", part) for part in subdivisions)]
    return Field(tag="650", indicators=Indicators(" ", "4"), subfields=subfields)


def _holdings_field(item: Item) -> Field:
    return new_field(
        "852",
        "4 ",
        b=item.owner.code,
        h=item.call_number,
        p=item.barcode,
        g=item.item_type,
        y=str(item.price) if item.price is not None else "",
    )
