"""Copy cataloguing a batch at a time (``records_import``, the path of every MARC file import):
the same rules as ``record_import`` one record at a time, checked before the bulk writes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import DataError

from libcity.catalogue.data import ItemData, RecordData
from libcity.catalogue.marc.importing import marc_import
from libcity.catalogue.marc.readahead import read_ahead
from libcity.catalogue.models import CatalogueHistory, Item, ItemHistory, Record, RecordIsbn
from libcity.catalogue.services import imports
from libcity.catalogue.services.imports import records_import
from libcity.catalogue.tests.test_marc_reading import CNMARC_BOOK, iso2709, marc_file

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_search_index(monkeypatch):
    """The search index is another room's; these tests look at the catalogue only."""
    monkeypatch.setattr("libcity.catalogue.indexing.records_reindex", lambda ids: None)


def rows() -> tuple[int, int, int, int, int]:
    return (Record.objects.count(), RecordIsbn.objects.count(), Item.objects.count(),
            CatalogueHistory.objects.count(), ItemHistory.objects.count())  # fmt: skip


def catalogue() -> dict:
    """What the catalogue holds, ids left out (they depend on the order of writing only)."""
    titles = dict(Record.objects.values_list("pk", "title"))
    records = Record.objects.values_list("title", "isbn", "isbns", "match_key", "marc_encoding")
    isbns = [(titles[r], i) for r, i in RecordIsbn.objects.values_list("record_id", "isbn")]
    items = [(titles[i.record_id], i.barcode, i.owner_id, i.location_id, i.call_number,
              i.item_type, i.price, i.status) for i in Item.objects.all()]  # fmt: skip
    history = [(h.action, titles[h.record_id], repr(h.details))
               for h in CatalogueHistory.objects.all()]  # fmt: skip
    added = ItemHistory.objects.select_related("item")
    item_history = [(h.action, h.item.barcode, h.from_status, h.to_status, h.unit_id,
                     repr(h.details)) for h in added]  # fmt: skip
    return {"records": sorted(map(repr, records)), "isbns": sorted(isbns), "items": sorted(items),
            "history": sorted(history), "item_history": sorted(item_history)}  # fmt: skip


def cnmarc_book(number: str, isbn: str, title: str, *barcodes: str) -> bytes:
    """A CNMARC book (the reader tests' ``CNMARC_BOOK``) with its own 001, ISBN, title and
    copies at b1."""
    fields = [("001", number), ("010", "  ", [("a", isbn)]) if isbn else None,
              *(f for f in CNMARC_BOOK if f[0] not in ("001", "010", "200", "905")),
              ("200", "1 ", [("a", title)]),
              *(("905", "  ", [("a", "b1"), ("b", barcode)]) for barcode in barcodes)]  # fmt: skip
    return iso2709([f for f in fields if f])


SYNTHETIC = ["synthetic/synthetic_cnmarc_gb18030.iso", "synthetic/synthetic_cnmarc_utf8.iso"]


def concatenated(*names: str) -> bytes:
    return b"".join(marc_file(name).read_bytes() for name in names)


def test_records_of_one_batch_merge_into_the_first_of_them(tiny_city):
    report = marc_import(source=concatenated(*SYNTHETIC), unit=tiny_city.central)
    assert (report.imported, report.merged, report.rejected) == (1, 1, 0)
    record = Record.objects.get()
    assert record.marc_encoding == "gb18030"  # the first one read, the second merged into it
    assert list(record.history.values_list("action", flat=True)) == [
        "record_created", "record_merged"]  # fmt: skip


def test_the_catalogue_does_not_depend_on_the_batch_size(tiny_city):
    """The same files twice over (the second half merges into the first, its copies
    skipped), with editions that come again: batches of 1, of 7 and one batch give the
    same catalogue and the same report."""
    names = ["evergreen/lul_fre_100.mrc", *SYNTHETIC, "pymarc/bad_records.mrc"]
    source = concatenated(*names, *names)
    found = []
    for batch_size in (1000, 7, 1):
        report = marc_import(source=source, unit=tiny_city.central, batch_size=batch_size)
        found.append((report.lines(), report.notes, catalogue()))
        wipe()
    assert found[0] == found[1] == found[2]
    lines, notes, _catalogue = found[0]
    assert lines[0] == "imported 102, merged 106, rejected 12"
    assert len([note for note in notes if "already on this record" in note]) == 114


def test_the_batch_path_writes_what_record_import_one_by_one_writes(tiny_city, monkeypatch):
    source = concatenated("evergreen/lul_fre_100.mrc", *SYNTHETIC, "evergreen/lul_fre_100.mrc")
    batched = marc_import(source=source, unit=tiny_city.central, batch_size=30)
    written = catalogue()
    wipe()
    features = type(imports.connection.features)
    monkeypatch.setattr(features, "can_return_rows_from_bulk_insert", False)
    one_by_one = marc_import(source=source, unit=tiny_city.central, batch_size=30)
    assert one_by_one.lines() == batched.lines() and one_by_one.notes == batched.notes
    assert catalogue() == written


def wipe() -> None:
    for model in (ItemHistory, CatalogueHistory, Item, Record):
        model.objects.all().delete()


def test_a_barcode_twice_in_one_batch_rejects_only_the_second_record(tiny_city):
    source = b"".join([
        cnmarc_book("A1", "9787530216781", "第一本书", "C0000001", "C0000002"),
        cnmarc_book("A2", "9787500473817", "第二本书", "C0000003", "C0000001"),
        cnmarc_book("A3", "", "第三本书", "C0000004"),
    ])  # fmt: skip
    report = marc_import(source=source, unit=tiny_city.central)
    assert (report.imported, report.merged, report.rejected) == (2, 0, 1)
    (rejection,) = report.rejections
    assert rejection.line() == "#2 A2: The barcode C0000001 is already in use."
    assert rejection.code == "barcode_taken"
    assert sorted(Item.objects.values_list("barcode", flat=True)) == [
        "C0000001", "C0000002", "C0000004"]  # fmt: skip
    assert not Record.objects.filter(title="第二本书").exists()


def test_a_record_the_database_could_not_store_is_rejected_alone(tiny_city):
    """Too long for its column (SQLite would keep it, PostgreSQL refuse it) or with a NUL
    character: refused in words before anything is written, the same on both."""
    batch = [
        RecordData(title="Fine", isbns=["9787530216781"], items=[ItemData("B0001")]),
        RecordData(title="Long", publisher="x" * 301, items=[ItemData("B0002")]),
        RecordData(title="Nul\x00", items=[ItemData("B0003")]),
        RecordData(title="Dear", items=[ItemData("B0004", price=Decimal("123456789"))]),
        RecordData(title="Also fine", items=[ItemData("B0005")]),
    ]
    results = records_import(batch=batch, unit=tiny_city.b1)
    assert [(r.rejected, r.code) for r in results] == [
        (False, ""), (True, "invalid_record"), (True, "invalid_record"), (True, "invalid_item"),
        (False, "")]  # fmt: skip
    assert results[1].reason == "The publisher is 301 characters long; at most 300 fit."
    assert results[2].reason == "The title contains a NUL character."
    assert "does not fit" in results[3].reason
    assert sorted(Record.objects.values_list("title", flat=True)) == ["Also fine", "Fine"]
    assert sorted(Item.objects.values_list("barcode", flat=True)) == ["B0001", "B0005"]


def test_a_marc_record_with_a_nul_character_is_rejected_alone(tiny_city):
    source = cnmarc_book("N1", "9787530216781", "坏\x00题名", "C0000001") + cnmarc_book(
        "N2", "9787500473817", "好题名", "C0000002")  # fmt: skip
    report = marc_import(source=source, unit=tiny_city.central)
    assert report.lines() == ["imported 1, merged 0, rejected 1",
                              "#1 N1: The title contains a NUL character."]  # fmt: skip
    assert list(Item.objects.values_list("barcode", flat=True)) == ["C0000002"]


def test_importing_a_file_again_adds_nothing(tiny_city):
    path = marc_file("evergreen/lul_fre_100.mrc")
    first = marc_import(source=path, unit=tiny_city.central, batch_size=40)
    before = rows()
    again = marc_import(source=path, unit=tiny_city.b2, batch_size=40)
    assert (again.imported, again.merged, again.rejected) == (0, first.records, 0)
    assert rows()[:3] == before[:3]
    merges = CatalogueHistory.objects.filter(action="record_merged")
    assert merges.count() == again.merged
    assert all(merge.details["items"] == [] for merge in merges)


def test_the_same_record_twice_in_one_batch_is_merged_with_its_copies_skipped(tiny_city):
    book = cnmarc_book("D1", "9787530216781", "图说中国节", "C0000001", "C0000002")
    report = marc_import(source=book + book, unit=tiny_city.central)
    assert (report.imported, report.merged, report.rejected) == (1, 1, 0)
    assert Item.objects.count() == 2
    assert [note for note in report.notes if "already" in note] == [
        "#2 D1: Copy C0000001 is already on this record; not added again.",
        "#2 D1: Copy C0000002 is already on this record; not added again.",
    ]


def test_history_is_written_for_imported_and_merged_records_and_their_copies(tiny_city):
    source = b"".join([
        cnmarc_book("H1", "9787530216781", "图说中国节", "C0000001"),
        cnmarc_book("H2", "9787530216781", "图说中国节（新版）", "C0000002", "C0000003"),
    ])  # fmt: skip
    marc_import(source=source, unit=tiny_city.central)
    record = Record.objects.get()
    created, merged = record.history.order_by("pk")
    assert (created.action, created.details) == ("record_created", {"isbns": ["9787530216781"]})
    assert (merged.action, merged.details) == ("record_merged", {
        "isbns": ["9787530216781"], "title": "图说中国节（新版）",
        "items": ["C0000002", "C0000003"]})  # fmt: skip
    added = ItemHistory.objects.order_by("pk")
    assert [(h.item.barcode, h.action, h.from_status, h.to_status, h.unit, h.details)
            for h in added] == [
        (b, "item_added", "", "available", tiny_city.b1, {"barcode": b})
        for b in ("C0000001", "C0000002", "C0000003")]  # fmt: skip
    assert all(h.at is not None and h.actor is None for h in [created, merged, *added])


def test_a_dry_run_of_several_batches_keeps_nothing(tiny_city):
    report = marc_import(source=marc_file("evergreen/lul_fre_100.mrc"), unit=tiny_city.central,
                         batch_size=30, dry_run=True)  # fmt: skip
    assert report.imported + report.merged == 100
    assert rows() == (0, 0, 0, 0, 0)


def test_progress_is_reported_across_batches(tiny_city):
    seen = []
    marc_import(source=marc_file("evergreen/lul_fre_100.mrc"), unit=tiny_city.central,
                batch_size=30, progress=lambda n, _rate: seen.append(n),
                progress_every=25)  # fmt: skip
    assert seen == [25, 50, 75, 100]


def test_a_barcode_the_checks_missed_falls_back_to_one_record_at_a_time(tiny_city, monkeypatch):
    """The database refuses the bulk write (here: the barcode check is made to miss a copy
    already catalogued): the batch is done again record by record, and only the offender
    is rejected; nothing of the failed bulk write stays."""
    marc_import(source=cnmarc_book("F0", "9787530216781", "已有的书", "C0000001"),
                unit=tiny_city.central)  # fmt: skip
    before = rows()
    monkeypatch.setattr(imports, "copy_holders", lambda barcodes: {})
    source = b"".join([
        cnmarc_book("F1", "9787500473817", "第一本书", "C0000002"),
        cnmarc_book("F2", "9787111213826", "另一本书", "C0000003", "C0000001"),
        cnmarc_book("F3", "9787302116851", "第三本书", "C0000004"),
    ])  # fmt: skip
    report = marc_import(source=source, unit=tiny_city.central)
    assert report.lines() == ["imported 2, merged 0, rejected 1",
                              "#2 F2: The barcode C0000001 is already in use."]  # fmt: skip
    assert rows() == (before[0] + 2, before[1] + 2, before[2] + 2, before[3] + 2, before[4] + 2)
    assert not Item.objects.filter(barcode="C0000003").exists()


def test_a_data_error_in_the_bulk_write_falls_back_too(tiny_city, monkeypatch):
    real = imports.insert_rows

    def refuse_items(model, rows, **options):
        if model is Item:
            raise DataError("value too long for type character varying(40)")
        return real(model, rows, **options)

    monkeypatch.setattr(imports, "insert_rows", refuse_items)
    report = marc_import(source=marc_file("evergreen/lul_fre_100.mrc"), unit=tiny_city.central)
    assert (report.imported + report.merged, report.rejected) == (100, 0)
    assert Record.objects.count() == report.imported
    assert ItemHistory.objects.count() == Item.objects.count()


def test_reading_ahead_in_a_child_process_gives_the_same_report(tiny_city):
    source = concatenated("evergreen/lul_fre_100.mrc", *SYNTHETIC, "pymarc/bad_records.mrc")
    ahead = marc_import(source=source, unit=tiny_city.central, batch_size=30, read_ahead=True)
    kept = catalogue()
    wipe()
    here = marc_import(source=source, unit=tiny_city.central, batch_size=30)
    assert (ahead.lines(), ahead.notes) == (here.lines(), here.notes)
    assert catalogue() == kept


def test_an_error_while_reading_ahead_is_raised_here():
    def produce():
        yield 1
        raise ValueError("broken")

    found = []
    with pytest.raises(ValueError, match="broken"):
        found.extend(read_ahead(produce))
    assert found == [1]


def test_leaving_early_stops_the_reading_child():
    items = read_ahead(lambda: iter(range(10**9)))
    assert next(items) == 0
    items.close()
