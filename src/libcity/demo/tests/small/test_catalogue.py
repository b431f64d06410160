"""The demo city's catalogue: ``libcity demo --scale small`` built once for the module (as in
``test_demo.py``), read by every test; the bulk path compared with the services on a few books;
determinism checked on the generator and on a small catalogue written twice.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest
from django.db import transaction
from stdnum import isbn as stdnum_isbn

from libcity.catalogue import indexing
from libcity.catalogue.models import (
    CatalogueHistory,
    Item,
    ItemHistory,
    ItemStatus,
    ItemType,
    Record,
    RecordIsbn,
)
from libcity.catalogue.policies import CLC_TOP_CLASSES
from libcity.demo.catalogue import catalogue_build, marc_folder, real_records_import
from libcity.demo.catalogue.books import ALL_SHELVES, author_mark, book_maker
from libcity.demo.catalogue.shelving import BulkShelver, books_through_services
from libcity.demo.plan import SCALES, city_plan
from libcity.network.models import Unit, UnitKind, UnitTier

SMALL = SCALES["small"]
BARCODE = re.compile(r"GZ\d{10}")
CALL_NUMBER = re.compile(r"[A-Z][A-Z0-9.\-]*/[A-Z]\d{2}")
NO_STOCK = {UnitKind.LOCKER, UnitKind.VAN_STOP}


class _Rollback(Exception):
    pass


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("small_city")]


def _generated_records():
    """The records the generator made (the real MARC records are not among them)."""
    ids = CatalogueHistory.objects.filter(action="record_created", details__source="demo")
    # A list, not a subquery: PostgreSQL plans the nested IN over JSON badly (minutes).
    return Record.objects.filter(pk__in=list(ids.values_list("record_id", flat=True)))


def _generated_items():
    ids = Item.objects.filter(barcode__regex=r"^GZ[0-9]{10}$").values_list("pk", flat=True)
    return Item.objects.filter(pk__in=list(ids))


def _in_a_rolled_back_savepoint(write, snapshot):
    try:
        with transaction.atomic():
            write()
            taken = snapshot()
            raise _Rollback
    except _Rollback:
        return taken


# --- sizes and shapes -------------------------------------------------------------------------


def test_small_has_about_the_planned_numbers_of_records_and_items(small_city):
    err = small_city.err
    records, items = _generated_records().count(), _generated_items().count()
    assert abs(records - SMALL.records) <= SMALL.records * 0.1
    assert abs(items - SMALL.items) <= SMALL.items * 0.1
    assert f"catalogue: {records} records, {items} items generated" in err
    assert 3 <= items / records <= 5


def test_every_isbn_is_valid_chinese_and_belongs_to_one_record():
    records = list(_generated_records().values_list("pk", "isbn", "isbns"))
    rows = Counter(RecordIsbn.objects.filter(record__in=_generated_records()).values_list(
        "record_id", "isbn"
    ))  # fmt: skip
    seen: dict[str, int] = {}
    for pk, first, isbns in records:
        assert isbns and first == isbns[0]
        assert len(set(isbns)) == len(isbns)
        for number in isbns:
            assert stdnum_isbn.is_valid(number) and len(number) == 13, number
            assert number.startswith("9787"), number
            assert seen.setdefault(number, pk) == pk, f"{number} on two records"
            assert rows[(pk, number)] == 1
    assert sum(rows.values()) == len(seen)
    assert any(len(isbns) == 2 for _pk, _first, isbns in records)


def test_every_record_is_classed_in_one_of_the_22_clc_classes():
    rows = list(_generated_records().values_list("clc", "clc_top", "language", "format"))
    for clc, top, _language, _format in rows:
        assert top in CLC_TOP_CLASSES and clc.startswith(top), clc
    tops = Counter(top for _clc, top, _l, _f in rows)
    assert len(tops) >= 15
    assert tops.most_common(1)[0][0] == "I"  # literature leads, as in any public library
    languages = Counter(language for _c, _t, language, _f in rows)
    assert set(languages) == {"chi", "eng"} and languages["eng"] < languages["chi"] / 10
    assert {"book", "serial", "audio_visual"} <= {f for _c, _t, _l, f in rows}


def test_records_read_like_chinese_books():
    record = _generated_records().filter(language="chi").first()
    assert re.search(r"[\u4e00-\u9fff]", record.title)
    assert record.authors and record.responsibility
    assert record.publisher.endswith(("出版社", "书局", "书馆", "书店", "出版集团", "公司"))
    assert record.place and 1985 <= record.year <= 2026
    assert record.subjects and all(re.search(r"[\u4e00-\u9fff]", s) for s in record.subjects)
    assert record.match_key.startswith(re.sub(r"[\W_]+", "", record.title.casefold())[:20])
    years = list(_generated_records().values_list("year", flat=True))
    assert min(years) >= 1985 and max(years) == 2026
    english = _generated_records().filter(language="eng").first()
    assert english.title.isascii() and "," in english.authors[0]


def _lent() -> set[int]:
    """Copies the year of loans moved (the others stand where the catalogue shelved them)."""
    changed = ItemHistory.objects.filter(action="item_status_changed")
    return set(changed.values_list("item_id", flat=True))


def test_items_stand_only_where_stock_is_kept_and_are_owned_there():
    items = _generated_items()
    assert not items.filter(owner__kind__in=NO_STOCK).exists()
    assert not items.filter(owner__tier=UnitTier.SERVICE_POINT, owner__kind=UnitKind.LIBRARY
                            ).exists()  # fmt: skip
    lent = _lent()
    untouched = [(o, loc) for pk, o, loc in items.values_list("pk", "owner", "location")
                 if pk not in lent]  # fmt: skip
    assert len(untouched) > items.count() / 4
    assert all(owner == location for owner, location in untouched)
    kinds = set(items.values_list("owner__kind", flat=True))
    assert kinds == set(UnitKind.values) - NO_STOCK
    by_tier = Counter(items.values_list("owner__tier", flat=True))
    per_unit = Counter(items.values_list("owner__code", flat=True))
    assert per_unit.most_common(1)[0][0] == "gz-central"
    assert by_tier[UnitTier.DISTRICT] > by_tier[UnitTier.BRANCH] > by_tier[UnitTier.COMMUNITY]
    branches = Unit.objects.filter(tier=UnitTier.BRANCH).values_list("code", flat=True)
    districts = Unit.objects.filter(tier=UnitTier.DISTRICT).values_list("code", flat=True)
    assert min(per_unit[c] for c in districts) > max(per_unit[c] for c in branches) / 2


def test_barcodes_call_numbers_types_prices_and_statuses():
    rows = list(_generated_items().values_list(
        "barcode", "call_number", "item_type", "price", "status", "record__clc",
        "record__language", "record__format",
    ))  # fmt: skip
    assert len({row[0] for row in rows}) == len(rows)
    generated = set(_generated_items().values_list("pk", flat=True))
    shelved = ItemHistory.objects.filter(action="item_added").values_list("item", "to_status")
    statuses = Counter(s for item, s in shelved if item in generated)  # as the catalogue left them
    assert sum(statuses.values()) == len(rows)
    assert set(statuses) <= {ItemStatus.AVAILABLE, ItemStatus.IN_PROCESSING, ItemStatus.MISSING}
    assert statuses[ItemStatus.AVAILABLE] > 0.9 * len(rows)
    assert 0 < statuses[ItemStatus.MISSING] < statuses[ItemStatus.IN_PROCESSING]
    for barcode, call_number, item_type, price, _status, clc, language, format in rows:
        assert BARCODE.fullmatch(barcode)
        assert CALL_NUMBER.fullmatch(call_number) and call_number.startswith(f"{clc}/")
        assert 15 <= price <= 128
        assert (item_type == ItemType.FOREIGN_LANGUAGE) == (language == "eng")
        if clc.startswith(("Z", "G62")) and format == "book":
            assert item_type == ItemType.CHILDREN
        if clc.startswith("K29") and language == "chi":
            assert item_type == ItemType.LOCAL_DOCUMENT
        if format == "serial":
            assert item_type == ItemType.PERIODICAL
        if format == "audio_visual":
            assert item_type == ItemType.AUDIO_VISUAL
    types = Counter(row[2] for row in rows)
    assert types.most_common(1)[0][0] == ItemType.BOOK
    assert set(types) == set(ItemType.values) - {ItemType.REFERENCE}
    assert types[ItemType.PERIODICAL] + types[ItemType.AUDIO_VISUAL] < len(rows) * 0.05


def test_every_record_and_copy_has_its_creation_in_history():
    records = _generated_records()
    created = Counter(
        CatalogueHistory.objects.filter(record__in=records, action="record_created").values_list(
            "record_id", flat=True
        )
    )
    assert set(created.values()) == {1} and len(created) == records.count()
    sample = records.order_by("pk")[:50]
    for record in sample:
        (row,) = CatalogueHistory.objects.filter(record=record)
        assert row.details == {"isbns": record.isbns, "source": "demo"}
        assert row.actor is None
    items = _generated_items()
    added = ItemHistory.objects.filter(item__in=items, action="item_added")
    assert added.count() == items.count()
    sample = list(added.select_related("item").order_by("pk")[:200])
    changes = ItemHistory.objects.filter(
        action="item_status_changed", item__in=[row.item_id for row in sample]
    ).order_by("-at", "-pk")
    first_change = dict(changes.values_list("item", "from_status"))  # the earliest wins
    for row in sample:  # the year of loans moved some: their first move starts from this
        assert (row.from_status, row.to_status) == (
            "", first_change.get(row.item_id, row.item.status)
        )  # fmt: skip
        assert row.unit_id == row.item.owner_id and row.actor is None
        assert row.details == {"barcode": row.item.barcode}


def test_author_marks():
    assert author_mark("王建国")[0] == "W"
    assert author_mark("曾志")[0] == "Z"  # the surname's reading, not 层's
    assert author_mark("约翰·史密斯")[0] == "S"
    assert author_mark("Carter, Emily")[0] == "C"
    assert author_mark("王建国") == author_mark("王建国") != author_mark("王建华")


# --- the real records and the index ------------------------------------------------------------


def test_the_real_marc_files_are_at_the_central_library(small_city):
    err = small_city.err
    if not marc_folder().is_dir():
        pytest.skip("no shared/data/marc beside the repository")
    if "no catalogue MARC import yet" in err:
        pytest.skip("the catalogue has no MARC import yet")
    real = Item.objects.exclude(barcode__regex=r"^GZ[0-9]{10}$")
    assert real.exists()
    assert set(real.values_list("owner__code", flat=True)) == {"gz-central"}
    assert "real MARC records: evergreen/jazz_1k.mrc: imported" in err
    assert Record.objects.filter(marc_flavour="cnmarc").exists()
    assert Record.objects.filter(marc_flavour="marc21").count() > 1000


def test_no_marc_folder_means_a_note_not_a_failure(tmp_path):
    lines: list[str] = []
    before = Record.objects.count()
    counts = real_records_import(
        unit=Unit.objects.get(code="gz-central"), folder=tmp_path / "absent", progress=lines.append
    )
    assert Record.objects.count() == before
    assert counts.real_records == 0 and len(counts.notes) == 1 and lines == counts.notes


def test_the_search_index_holds_every_record(small_city):
    if not hasattr(indexing, "reindex_all"):
        pytest.skip("the catalogue has no reindex_all yet")
    from libcity.search.index import index_ids, search
    from libcity.search.query import SearchRequest

    err = small_city.err
    assert f"search index: {Record.objects.count()} records indexed" in err
    assert len(index_ids(limit=100_000)) == Record.objects.count()
    record = _generated_records().filter(language="chi").order_by("pk").first()
    found = search(SearchRequest(q=record.isbn, with_facets=False))
    assert record.pk in found.ids


# --- determinism and the bulk path ------------------------------------------------------------


def _book_snapshot(books):
    return [(b.data.title, b.data.authors, b.data.isbns, b.call_number, b.copies) for b in books]


def test_the_same_seed_makes_the_same_books_and_another_seed_others():
    plan = city_plan(SMALL, 1)
    first = _book_snapshot(book_maker(plan, 1).books(300, 1200))
    again = _book_snapshot(book_maker(plan, 1).books(300, 1200))
    other = _book_snapshot(book_maker(plan, 2).books(300, 1200))
    assert first == again
    assert first != other
    assert sum(len(b[4]) for b in first) == 1200
    assert len({isbn for b in first for isbn in b[2]}) == sum(len(b[2]) for b in first)


def test_the_same_seed_writes_the_same_titles_isbns_and_barcodes():
    plan = city_plan(SMALL, 1)
    units = {u.code: u for u in Unit.objects.all()}

    def write():
        catalogue_build(plan=plan, seed=4, units=units, records=120, items=480, real=False,
                        index=False, batch_items=100)  # fmt: skip

    def snapshot():
        newest = Record.objects.order_by("-pk")[:120]
        return sorted(
            (r.title, tuple(r.isbns), tuple(r.items.order_by("barcode").values_list(
                "barcode", "location__code", "status"
            )))
            for r in newest
        )  # fmt: skip

    first = _in_a_rolled_back_savepoint(write, snapshot)
    second = _in_a_rolled_back_savepoint(write, snapshot)
    assert first == second
    assert sum(len(r[2]) for r in first) == 480


def _written_snapshot(isbns):
    """Everything the catalogue holds for the records with these first ISBNs, without ids and
    times (the two paths write at different moments)."""
    records = Record.objects.filter(isbn__in=isbns)
    skip = {"id", "created_at", "updated_at"}
    rows = {
        r.isbn: {f.attname: getattr(r, f.attname) for f in Record._meta.concrete_fields
                 if f.attname not in skip}
        for r in records
    }  # fmt: skip
    isbn_rows = sorted(RecordIsbn.objects.filter(record__in=records).values_list(
        "record__isbn", "isbn"
    ))  # fmt: skip
    history = sorted(
        (isbn, action, actor, sorted((k, v) for k, v in details.items() if k != "source"))
        for isbn, action, actor, details in CatalogueHistory.objects.filter(
            record__in=records
        ).values_list("record__isbn", "action", "actor", "details")
    )
    items = sorted(Item.objects.filter(record__in=records).values_list(
        "barcode", "record__isbn", "owner__code", "location__code", "call_number", "item_type",
        "price", "status",
    ))  # fmt: skip
    item_history = sorted(ItemHistory.objects.filter(item__record__in=records).values_list(
        "item__barcode", "action", "from_status", "to_status", "unit__code", "actor", "details",
    ))  # fmt: skip
    sources = sorted(
        d.get("source", "")
        for d in CatalogueHistory.objects.filter(record__in=records).values_list(
            "details", flat=True
        )
    )
    return rows, isbn_rows, history, items, item_history, sources


def test_the_bulk_path_writes_what_the_services_write():
    plan = city_plan(SMALL, 1)
    units = {u.code: u for u in Unit.objects.all()}
    held = set(RecordIsbn.objects.values_list("isbn", flat=True))  # the fixture city's
    books = [b for b in book_maker(plan, 9).books(400, 1600) if not held.intersection(b.data.isbns)]
    # Five books: one with two ISBNs, one in English, one with several copies, two others.
    chosen = [
        next(b for b in books if len(b.data.isbns) == 2),
        next(b for b in books if b.data.language == "eng"),
        next(b for b in books if len(b.copies) >= 4 and len(b.data.isbns) == 1),
    ]
    chosen += [b for b in books if len(b.data.isbns) == 1 and b not in chosen][:2]
    isbns = [b.data.isbns[0] for b in chosen]

    def through_services():
        books_through_services(chosen, units=units)

    def in_bulk():
        BulkShelver(units=units).write(chosen, batch_items=3)

    by_service = _in_a_rolled_back_savepoint(through_services, lambda: _written_snapshot(isbns))
    in_bulk_rows = _in_a_rolled_back_savepoint(in_bulk, lambda: _written_snapshot(isbns))
    rows, isbn_rows, _history, items, item_history, sources = by_service
    assert len(rows) == 5 and len(isbn_rows) == sum(len(b.data.isbns) for b in chosen) >= 6
    assert len(items) == len(item_history) == sum(len(b.copies) for b in chosen)
    assert in_bulk_rows[:5] == by_service[:5]
    assert sources == [""] * 5  # the services write no source ...
    assert in_bulk_rows[5] == ["demo"] * 5  # ... the demo says where its records came from


def test_every_shelf_is_well_formed():
    for shelf in ALL_SHELVES:
        assert shelf.clc and all(c[0] in CLC_TOP_CLASSES for c in shelf.clc), shelf.caption
        assert 15 <= shelf.prices[0] <= shelf.prices[1] <= 128, shelf.caption
        assert shelf.item_type in ItemType.values


def test_a_drift_group_of_micro_branches_with_a_few_copies(small_city):
    from libcity.catalogue.models import DriftGroup
    from libcity.network.models import UnitKind

    group = DriftGroup.objects.get(code="micro-drift")
    kinds = set(group.units.values_list("kind", flat=True))
    assert kinds == {UnitKind.MICRO_BRANCH} and group.units.count() == 5
    assert 0 < group.items.count() <= 12
    assert not group.items.exclude(owner__in=group.units.all()).exists()
