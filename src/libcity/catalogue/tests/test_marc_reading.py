"""Reading MARC files and mapping their records, on the real files in ``shared/data/marc``."""

from __future__ import annotations

import unicodedata
from decimal import Decimal
from pathlib import Path

import pymarc
import pytest

from libcity.catalogue.marc.encodings import GB18030, MARC8, UTF8
from libcity.catalogue.marc.exceptions import MarcIncomplete
from libcity.catalogue.marc.flavours import CNMARC, MARC21, detect_flavour
from libcity.catalogue.marc.mapping import record_data
from libcity.catalogue.marc.reading import detect_container, read_marc, source_record
from libcity.catalogue.marc.results import MarcRecord, Rejection

MARC = Path(__file__).resolve().parents[4] / ".." / "shared" / "data" / "marc"
FILES = sorted(p for p in MARC.glob("*/*") if not p.name.startswith(("LICENSE", "README")))


def marc_file(name: str) -> Path:
    """A file of the shared MARC test data; the test is skipped when the folder is absent."""
    path = MARC / name
    if not path.is_file():
        pytest.skip(f"{path} is not there (the shared test data sits beside the repository)")
    return path


def read(name: str) -> list[MarcRecord | Rejection]:
    return list(read_marc(marc_file(name)))


def records(name: str) -> list[MarcRecord]:
    return [r for r in read(name) if isinstance(r, MarcRecord)]


def iso2709(fields: list[tuple], *, leader: str = "00000nam0 2200000   450 ",
            encoding: str = "utf-8") -> bytes:  # fmt: skip
    """One ISO 2709 record built by hand, its text in ``encoding`` (pymarc writes only
    UTF-8 and MARC-8). ``fields``: (tag, data) or (tag, indicators, [(code, value), ...])."""
    body, directory = b"", b""
    for tag, *rest in fields:
        if len(rest) == 1:
            data = rest[0].encode(encoding)
        else:
            indicators, subfields = rest
            data = indicators.encode() + b"".join(
                b"\x1f" + code.encode() + value.encode(encoding) for code, value in subfields
            )
        data += b"\x1e"
        directory += f"{tag}{len(data):04d}{len(body):05d}".encode()
        body += data
    base = 24 + len(directory) + 1
    total = base + len(body) + 1
    head = f"{total:05d}{leader[5:12]}{base:05d}{leader[17:]}".encode()
    return head + directory + b"\x1e" + body + b"\x1d"


CNMARC_BOOK = [
    ("001", "CN0001"),
    ("010", "  ", [("a", "978-7-5302-1678-1"), ("d", "CNY39.80")]),
    ("100", "  ", [("a", "20240101d2007    em y0chiy0120    ea")]),
    ("101", "0 ", [("a", "chi")]),
    ("200", "1 ", [("a", "图说中国节"), ("9", "tu shuo zhong guo jie"), ("f", "王娟著")]),
    ("210", "  ", [("a", "北京"), ("c", "中国画报出版社"), ("d", "2007")]),
    ("606", "0 ", [("a", "节日"), ("x", "风俗习惯"), ("y", "中国")]),
    ("690", "  ", [("a", "K892.1"), ("v", "5")]),
    ("701", " 0", [("a", "王娟"), ("4", "著")]),
    ("905", "  ", [("a", "b1"), ("b", "C0000001"), ("d", "K892.1"), ("e", "12")]),
    ("905", "  ", [("a", "central"), ("d", "K892.1")]),
]


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_file_in_the_shared_data_breaks_the_reader(path):
    for result in read_marc(path):
        if isinstance(result, Rejection):
            assert result.reason and result.code and result.number >= 1
        else:
            assert result.flavour in (MARC21, CNMARC)
            assert result.encoding in (UTF8, MARC8, GB18030)
            assert result.raw


def test_the_container_is_told_by_the_first_byte():
    assert detect_container(b"  \n<?xml version='1.0'?><collection/>") == "marcxml"
    assert detect_container(b"\xef\xbb\xbf<record/>") == "marcxml"
    assert detect_container(b'[{"leader": ""}]') == "json"
    assert detect_container(b"00962njm  2200253 a 4500") == "iso2709"


def test_flavour_is_decided_by_the_fields():
    assert detect_flavour({"001", "008", "245"}) == MARC21
    assert detect_flavour({"001", "100", "200"}) == CNMARC
    assert detect_flavour({"001", "100"}, "20240101d2008    em y0chiy0120    ea") == CNMARC
    assert detect_flavour({"001", "100"}, "Lovano, Joe,") == MARC21


def test_jazz_reads_a_thousand_marc8_records_each_with_its_exact_bytes():
    found = read("evergreen/jazz_1k.mrc")
    assert len(found) == 1000
    assert all(isinstance(r, MarcRecord) for r in found)
    assert {(r.flavour, r.encoding, r.container) for r in found} == {(MARC21, MARC8, "iso2709")}
    assert b"".join(r.raw for r in found) == marc_file("evergreen/jazz_1k.mrc").read_bytes()
    assert [r.offset for r in found[:2]] == [0, len(found[0].raw)]


def test_marc8_text_is_decoded_as_pymarc_decodes_it():
    path = marc_file("evergreen/lul_fre_100.mrc")
    theirs = list(pymarc.MARCReader(path.read_bytes()))
    ours = records("evergreen/lul_fre_100.mrc")
    for mine, reference in zip(ours, theirs, strict=True):
        assert [str(f) for f in mine.record.fields] == [str(f) for f in reference.fields]


def test_broken_records_are_rejected_in_words_and_the_good_ones_read():
    found = read("pymarc/bad_records.mrc")
    assert [type(r).__name__ for r in found] == ["MarcRecord", *["Rejection"] * 6, "MarcRecord"]
    reasons = [r.reason for r in found if isinstance(r, Rejection)]
    assert "points past the end of the record" in reasons[0]
    assert "leader/12-16" in reasons[1]
    assert "not a multiple of 12" in reasons[2]
    assert "The leader is not numeric" in reasons[4]
    assert reasons[5] == "The record has no fields."
    assert [r.offset for r in found[1:3]] == [127, 254]
    assert found[1].line() == f"#2 at byte 127: {reasons[0]}"


@pytest.mark.parametrize(("name", "words"), [
    ("pymarc/bad_subfield_code.dat", "Field 245 has a subfield code that is not ASCII"),
    ("pymarc/utf8_invalid.mrc", "A subfield code in field 260 is not ASCII"),
    ("marc4j/illegal-marc-in-json.json", "The file is not valid JSON"),
])  # fmt: skip
def test_a_record_that_cannot_be_trusted_is_rejected_with_its_reason(name, words):
    (rejection,) = read(name)
    assert isinstance(rejection, Rejection)
    assert words in rejection.reason


def test_padding_after_the_last_record_is_not_a_record():
    assert len(read("pymarc/bad_indicator.dat")) == 1  # 30 spaces after the record
    assert len(read("pymarc/testunimarc.dat")) == 1  # a line feed after the record


def test_utf8_under_a_blank_leader_position_9_is_read_as_utf8_with_a_note():
    (flagged,) = records("pymarc/utf8_with_leader_flag.dat")
    (unflagged,) = records("pymarc/utf8_without_leader_flag.dat")
    assert flagged.encoding == unflagged.encoding == UTF8
    assert [str(f) for f in unflagged.record.fields] == [str(f) for f in flagged.record.fields]
    assert "à la communauté" in unicodedata.normalize("NFC", unflagged.record["240"].value())
    assert any("Leader/09" in note for note in unflagged.notes)


def test_cnmarc_in_gb18030_utf8_and_marcxml_is_the_same_record():
    mapped = [record_data(r).data for name in ("synthetic/synthetic_cnmarc_gb18030.iso",
                                                "synthetic/synthetic_cnmarc_utf8.iso",
                                                "synthetic/synthetic_cnmarc_utf8.marcxml")
              for r in records(name)]  # fmt: skip
    assert [m.marc_encoding for m in mapped] == [GB18030, UTF8, UTF8]
    assert {(m.title, tuple(m.authors), m.publisher, m.place, m.year) for m in mapped} == {
        ("测试题名", ("张三",), "测试出版社", "北京", 2024)
    }
    assert all(m.alt_titles == ["ce shi ti ming"] and m.marc_flavour == CNMARC for m in mapped)


def test_gb18030_is_not_mistaken_for_marc8():
    raw = marc_file("synthetic/synthetic_cnmarc_gb18030.iso").read_bytes()
    naive = next(pymarc.MARCReader(raw))  # pymarc's default: MARC-8, silently wrong
    assert "测试题名" not in naive["200"].value()
    assert "测试题名" in records("synthetic/synthetic_cnmarc_gb18030.iso")[0].record["200"].value()


def test_a_cnmarc_book_in_gb18030_maps_isbn_clc_subjects_and_holdings():
    (read_back,) = read_marc(iso2709(CNMARC_BOOK, encoding="gb18030"))
    assert read_back.encoding == GB18030
    mapped = record_data(read_back)
    data = mapped.data
    assert data.title == "图说中国节" and data.authors == ["王娟"]
    assert data.isbns == ["9787530216781"] and data.clc == "K892.1" and data.language == "chi"
    assert data.subjects == ["节日 -- 风俗习惯 -- 中国"]
    assert data.alt_titles == ["tu shuo zhong guo jie"]
    assert [(i.barcode, i.call_number, i.owner_code, i.price, i.item_type) for i in data.items] == [
        ("C0000001", "K892.1/12", "b1", Decimal("39.80"), "book")
    ]
    assert any("no barcode" in note for note in mapped.notes)


def test_a_cnmarc_record_without_7xx_takes_its_authors_from_200f():
    fields = [f for f in CNMARC_BOOK if f[0] != "701"]
    (read_back,) = read_marc(iso2709(fields))
    assert record_data(read_back).data.authors == ["王娟"]


def test_unimarc_from_italy_reads_as_cnmarc():
    (found,) = records("pymarc/testunimarc.dat")
    data = record_data(found).data
    assert found.flavour == CNMARC
    assert data.title == "L'altra faccia della spirale"  # the non-sort marks are gone
    assert data.authors[0] == "Asimov, Isaac" and data.isbns == ["9788804406822"]
    assert (data.place, data.publisher, data.year, data.language) == (
        "Milano",
        "A. Mondadori",
        1996,
        "ita",
    )


def test_880_fields_give_the_original_script_to_search():
    mapped = [record_data(r).data for r in records("evergreen/bibs_graphic_880.marcxml")]
    festival = mapped[0]
    assert festival.title == "Tu shuo Zhongguo jie"
    assert "图说中国节" in festival.alt_titles and "Tushuo Zhongguojie" in festival.alt_titles
    assert festival.alt_authors == ["大乔"]
    laozi = next(m for m in mapped if m.title.startswith("Laozi shuo"))
    assert any(t.startswith("老子说") for t in laozi.alt_titles)
    assert [i.barcode for i in laozi.items] == ["31867002191208", "31867002187685"]


def test_marc21_fields_and_949_holdings():
    first = record_data(records("evergreen/jazz_1k.mrc")[0]).data
    assert (first.title, first.responsibility) == ("Friendly fire", "Joe Lovano and Greg Osby")
    assert first.authors[:2] == ["Lovano, Joe", "Osby, Greg"]
    assert (first.place, first.publisher, first.year) == ("Hollywood, CA", "Blue Note", 1999)
    assert (first.format, first.language) == ("audio_visual", "eng")
    assert first.subjects == ["Saxophone with jazz ensemble"]
    (copy,) = first.items
    assert (copy.barcode, copy.call_number, copy.item_type, copy.owner_code) == (
        "30007007467409",
        "5490",
        "audio_visual",
        "HUNTINGTON",
    )


def test_bad_isbns_are_left_out_with_a_note():
    mapped = [record_data(r) for r in records("evergreen/badisbns.xml")]
    assert len(mapped) == 10
    assert any("is not valid" in note for m in mapped for note in m.notes)
    assert all(len(isbn) == 13 for m in mapped for isbn in m.data.isbns)


def test_marc_in_json_reads_through_pymarc():
    (found,) = records("marc4j/legal-json-marc-in-json.json")
    assert found.container == "json"
    assert record_data(found).data.title == "The freewheelin' Bob Dylan"


def test_a_record_without_title_is_incomplete():
    (found,) = read_marc(iso2709([("001", "X1"), ("100", "  ", [("a", "20240101d2008")])]))
    with pytest.raises(MarcIncomplete, match="no title"):
        record_data(found)


def test_the_stored_source_reads_back_as_it_was_read():
    for name in ("evergreen/jazz_1k.mrc", "synthetic/synthetic_cnmarc_gb18030.iso",
                 "evergreen/bibs_graphic_880.marcxml", "pymarc/batch.json"):  # fmt: skip
        for found in records(name)[:20]:
            again = source_record(found.raw, container=found.container, encoding=found.encoding)
            assert [str(f) for f in again.fields] == [str(f) for f in found.record.fields]
            assert str(again.leader) == str(found.record.leader)
