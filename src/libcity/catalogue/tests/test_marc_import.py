"""Importing MARC files through copy cataloguing, and the ``import_marc`` command."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from libcity.catalogue.marc.importing import marc_import
from libcity.catalogue.marc.reading import read_marc
from libcity.catalogue.models import CatalogueHistory, Item, ItemHistory, Record
from libcity.catalogue.tests.test_marc_reading import CNMARC_BOOK, iso2709, marc_file

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_search_index(monkeypatch):
    """The search index is another room's; these tests look at the catalogue only."""
    monkeypatch.setattr("libcity.catalogue.indexing.records_reindex", lambda ids: None)


def rows() -> tuple[int, int, int, int]:
    return (Record.objects.count(), Item.objects.count(), CatalogueHistory.objects.count(),
            ItemHistory.objects.count())  # fmt: skip


def test_jazz_imports_every_record_and_its_949_copies(tiny_city):
    path = marc_file("evergreen/jazz_1k.mrc")
    report = marc_import(source=path, unit=tiny_city.central)
    assert report.records == 1000 == report.imported + report.merged + report.rejected
    assert Record.objects.count() == report.imported
    assert Item.objects.count() > 1000
    first = Record.objects.get(title="Friendly fire")
    (copy,) = first.items.all()
    assert (copy.barcode, copy.owner, copy.location, copy.item_type, copy.status) == (
        "30007007467409",
        tiny_city.central,
        tiny_city.central,
        "audio_visual",
        "available",
    )
    assert (first.marc_flavour, first.marc_format, first.marc_encoding) == (
        "marc21",
        "iso2709",
        "marc-8",
    )
    assert bytes(first.marc_source) == next(read_marc(path)).raw


def test_the_same_file_twice_merges_every_record_and_adds_nothing(tiny_city):
    path = marc_file("evergreen/jazz_1k.mrc")
    first = marc_import(source=path, unit=tiny_city.central)
    before = (Record.objects.count(), Item.objects.count())
    merges = CatalogueHistory.objects.filter(action="record_merged").count()
    again = marc_import(source=path, unit=tiny_city.b1)
    assert (again.imported, again.merged, again.rejected) == (
        0,
        first.imported + first.merged,
        first.rejected,
    )
    assert (Record.objects.count(), Item.objects.count()) == before
    assert CatalogueHistory.objects.filter(action="record_merged").count() == merges + again.merged
    assert any("already on this record" in note for note in again.notes)


@pytest.mark.parametrize(("name", "counts"), [
    ("pymarc/bad_records.mrc", (1, 1, 6)),  # the two good records are one edition
    ("pymarc/bad_indicator.dat", (1, 0, 0)),
    ("pymarc/bad_subfield_code.dat", (0, 0, 1)),
    ("pymarc/utf8_invalid.mrc", (0, 0, 1)),
    ("marc4j/bad_leaders_10_11.mrc", (1, 0, 0)),
    ("marc4j/illegal-marc-in-json.json", (0, 0, 1)),
    ("evergreen/badisbns.xml", (10, 0, 0)),
    ("pymarc/testunimarc.dat", (1, 0, 0)),
])  # fmt: skip
def test_broken_files_cost_only_their_broken_records(tiny_city, name, counts):
    report = marc_import(source=marc_file(name), unit=tiny_city.central)
    assert (report.imported, report.merged, report.rejected) == counts
    assert all(r.reason for r in report.rejections)
    assert Record.objects.count() == report.imported


def test_unimarc_is_stored_as_cnmarc(tiny_city):
    marc_import(source=marc_file("pymarc/testunimarc.dat"), unit=tiny_city.central)
    record = Record.objects.get()
    assert (record.marc_flavour, record.title, record.isbn) == (
        "cnmarc",
        "L'altra faccia della spirale",
        "9788804406822",
    )


def test_cnmarc_in_three_encodings_and_containers_is_one_record(tiny_city):
    names = ["synthetic/synthetic_cnmarc_gb18030.iso", "synthetic/synthetic_cnmarc_utf8.iso",
             "synthetic/synthetic_cnmarc_utf8.marcxml"]  # fmt: skip
    reports = [marc_import(source=marc_file(n), unit=tiny_city.central) for n in names]
    assert [(r.imported, r.merged) for r in reports] == [(1, 0), (0, 1), (0, 1)]
    record = Record.objects.get()
    assert (record.title, record.authors, record.marc_encoding) == ("测试题名", ["张三"], "gb18030")


def test_cnmarc_clc_comes_from_690_and_copies_from_905(tiny_city):
    report = marc_import(source=iso2709(CNMARC_BOOK, encoding="gb18030"), unit=tiny_city.central)
    assert report.imported == 1
    record = Record.objects.get()
    assert (record.clc, record.clc_top, record.isbn) == ("K892.1", "K", "9787530216781")
    (copy,) = record.items.all()
    assert (copy.barcode, copy.owner, copy.call_number) == ("C0000001", tiny_city.b1, "K892.1/12")


def test_880_titles_are_kept_for_search(tiny_city):
    marc_import(source=marc_file("evergreen/bibs_graphic_880.marcxml"), unit=tiny_city.central)
    record = Record.objects.get(isbn="9787500473817")
    assert record.title == "Tu shuo Zhongguo jie"
    if hasattr(record, "alt_titles"):  # the column comes with the model change
        assert "图说中国节" in record.alt_titles


def test_a_record_whose_copy_is_taken_leaves_nothing(tiny_city):
    marc_import(source=iso2709(CNMARC_BOOK), unit=tiny_city.central)
    other = [
        ("001", "CN0002"),
        ("200", "1 ", [("a", "另一本书")]),
        ("905", "  ", [("b", "C0000002")]),
        ("905", "  ", [("b", "C0000001")]),
    ]
    before = rows()
    report = marc_import(source=iso2709(other), unit=tiny_city.central)
    assert (report.imported, report.merged, report.rejected) == (0, 0, 1)
    assert "C0000001" in report.rejections[0].reason
    assert report.rejections[0].line().startswith("#1 CN0002: ")
    assert rows() == before
    assert not Item.objects.filter(barcode="C0000002").exists()


def test_an_unknown_owner_code_gives_the_copy_to_the_importing_unit(tiny_city):
    book = [*CNMARC_BOOK[:-2], ("905", "  ", [("a", "nowhere"), ("b", "C0000009")]),
            ("905", "  ", [("a", "d2"), ("b", "C0000010")])]  # fmt: skip
    marc_import(source=iso2709(book), unit=tiny_city.r1)
    owners = dict(Item.objects.values_list("barcode", "owner__code"))
    assert owners == {"C0000009": "r1", "C0000010": "d2"}


def test_a_dry_run_counts_and_keeps_nothing(tiny_city):
    report = marc_import(source=marc_file("evergreen/bibs_graphic_880.marcxml"),
                         unit=tiny_city.central, dry_run=True)  # fmt: skip
    assert report.imported == 7
    assert rows() == (0, 0, 0, 0)


def test_progress_is_reported_every_n_records(tiny_city):
    seen = []
    marc_import(source=marc_file("evergreen/lul_fre_100.mrc"), unit=tiny_city.central,
                progress=lambda n, rate: seen.append(n), progress_every=40)  # fmt: skip
    assert seen == [40, 80]


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_marc", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_prints_the_summary_then_the_rejections(tiny_city, tmp_path):
    report = tmp_path / "report.txt"
    out, err = run(str(marc_file("pymarc/bad_records.mrc")), "--unit", "central",
                   "--report", str(report))  # fmt: skip
    lines = out.splitlines()
    assert lines[0] == "imported 1, merged 1, rejected 6"
    assert lines[1].startswith("#2 at byte 127: The base address")
    assert len(lines) == 7
    assert report.read_text(encoding="utf-8").splitlines()[:7] == lines
    assert "records in" in err


def test_the_command_refuses_an_unknown_unit(tiny_city):
    with pytest.raises(CommandError, match="no unit with the code"):
        run(str(marc_file("pymarc/test.dat")), "--unit", "atlantis")
