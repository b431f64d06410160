"""Exporting MARC: the source back as it came, built records, and the round trip."""

from __future__ import annotations

import io

import pymarc
import pytest
from django.core.management import call_command

from libcity.catalogue.marc.exporting import marc_export
from libcity.catalogue.marc.importing import marc_import
from libcity.catalogue.marc.mapping import record_data
from libcity.catalogue.marc.reading import read_marc
from libcity.catalogue.marc.results import MarcRecord
from libcity.catalogue.models import Item, Record
from libcity.catalogue.tests.test_marc_reading import CNMARC_BOOK, iso2709, marc_file, records

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_search_index(monkeypatch):
    monkeypatch.setattr("libcity.catalogue.indexing.records_reindex", lambda ids: None)


def exported(flavour: str, fmt: str = "iso2709", unit=None) -> list[MarcRecord]:
    out = io.BytesIO()
    report = marc_export(out=out, flavour=flavour, fmt=fmt, unit=unit)
    found = list(read_marc(out.getvalue()))
    assert all(isinstance(r, MarcRecord) for r in found)
    assert len(found) == report.written == Record.objects.count()
    return found


def fields(record: pymarc.Record) -> list[tuple]:
    return [(f.tag, f.data) if f.control_field else
            (f.tag, tuple(f.indicators), tuple((s.code, s.value) for s in f.subfields))
            for f in record.fields]  # fmt: skip


@pytest.mark.parametrize("fmt", ["iso2709", "marcxml"])
def test_a_marc21_source_comes_back_field_by_field_in_utf8(tiny_city, fmt):
    path = marc_file("evergreen/jazz_1k.mrc")
    marc_import(source=path, unit=tiny_city.central)
    sources = {}
    for found in records("evergreen/jazz_1k.mrc"):  # MARC-8, decoded
        sources.setdefault(found.label, found.record)
    back = exported("marc21", fmt)
    assert {r.encoding for r in back} == {"utf-8"}
    for found in back:
        assert str(found.record.leader)[9] == "a"
        assert fields(found.record) == fields(sources[found.label])


def test_a_gb18030_cnmarc_source_comes_back_as_utf8_saying_so(tiny_city):
    marc_import(source=marc_file("synthetic/synthetic_cnmarc_gb18030.iso"), unit=tiny_city.central)
    (back,) = exported("cnmarc")
    source = records("synthetic/synthetic_cnmarc_gb18030.iso")[0].record
    assert back.encoding == "utf-8" and str(back.record.leader)[9] == " "  # kept, undefined
    assert str(back.record.leader)[20:] == str(source.leader)[20:] == "450 "
    assert back.record["100"]["a"][26:30] == "50  "
    assert fields(back.record)[2:] == fields(source)[2:]  # 200, 210 as they were


def round_trip_check(original: Record, data) -> None:
    assert data.title == original.title
    assert data.isbns == original.isbns
    assert data.authors == original.authors
    assert data.subjects == original.subjects
    assert data.year == original.year


@pytest.mark.parametrize(("source", "target"), [("evergreen/jazz_1k.mrc", "cnmarc"),
                                                ("evergreen/bibs_graphic_880.marcxml", "cnmarc"),
                                                ("pymarc/test.dat", "cnmarc")])  # fmt: skip
def test_marc21_exported_as_cnmarc_reads_back_the_same(tiny_city, source, target):
    marc_import(source=marc_file(source), unit=tiny_city.central)
    for found in exported(target):
        assert found.flavour == "cnmarc"
        round_trip_check(Record.objects.get(pk=int(found.label)), record_data(found).data)


def test_cnmarc_exported_as_marc21_reads_back_the_same_with_its_copies(tiny_city):
    marc_import(source=iso2709(CNMARC_BOOK, encoding="gb18030"), unit=tiny_city.central)
    (found,) = exported("marc21", "marcxml")
    data = record_data(found).data
    record = Record.objects.get()
    round_trip_check(record, data)
    assert (data.clc, data.language, data.publisher, data.place) == (
        "K892.1",
        "chi",
        "中国画报出版社",
        "北京",
    )
    assert [(i.barcode, i.owner_code, i.call_number) for i in data.items] == [
        ("C0000001", "b1", "K892.1/12")
    ]


def test_exported_records_import_again_as_merges(tiny_city):
    marc_import(source=marc_file("evergreen/bibs_graphic_880.marcxml"), unit=tiny_city.central)
    out = io.BytesIO()
    marc_export(out=out, flavour="cnmarc", fmt="iso2709")
    counts = (Record.objects.count(), Item.objects.count())
    report = marc_import(source=out.getvalue(), unit=tiny_city.b2)
    assert (report.imported, report.merged, report.rejected) == (0, counts[0], 0)
    assert (Record.objects.count(), Item.objects.count()) == counts


def test_export_for_a_unit_holds_only_its_copies(tiny_city):
    marc_import(source=iso2709(CNMARC_BOOK), unit=tiny_city.central)
    other = [
        ("001", "CN0002"),
        ("200", "1 ", [("a", "另一本书")]),
        ("905", "  ", [("b", "D0000001")]),
    ]
    marc_import(source=iso2709(other), unit=tiny_city.d2)
    out = io.BytesIO()
    marc_export(out=out, flavour="marc21", fmt="iso2709", unit=tiny_city.b1)
    (found,) = read_marc(out.getvalue())
    assert [f["p"] for f in found.record.get_fields("852")] == ["C0000001"]


def test_the_export_command_writes_a_file(tiny_city, tmp_path):
    marc_import(source=marc_file("marc4j/chabon.mrc"), unit=tiny_city.central)
    target = tmp_path / "out.xml"
    err = io.StringIO()
    call_command("export_marc", "--flavour", "marc21", "--format", "marcxml",
                 "--output", str(target), stderr=err)  # fmt: skip
    assert len(pymarc.parse_xml_to_array(str(target))) == 2
    assert "exported 2 (2 from their source, 0 built)" in err.getvalue()
