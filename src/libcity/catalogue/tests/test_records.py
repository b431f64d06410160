"""Records and items through the services: creation, copy cataloguing, the item state machine."""

from decimal import Decimal

import pytest

from libcity.catalogue.data import ItemData, RecordData
from libcity.catalogue.exceptions import (
    BarcodeTaken,
    InvalidItem,
    InvalidRecord,
    TransitionNotAllowed,
)
from libcity.catalogue.models import CatalogueHistory, Item, ItemHistory, ItemStatus, Record
from libcity.catalogue.policies import clc_top, match_key
from libcity.catalogue.selectors import availability_by_unit, record_match
from libcity.catalogue.services import (
    item_add,
    item_transition,
    record_create,
    record_import,
    record_update,
)
from libcity.catalogue.states import TRANSITIONS

pytestmark = pytest.mark.django_db
ISBN = "9787530216781"


def book(**extra) -> RecordData:
    values = {"title": "图说中国节", "authors": ["王娟"], "year": 2007, "isbns": [ISBN],
              "clc": "K892.1", "language": "chi"}  # fmt: skip
    values.update(extra)
    return RecordData(**values)


def rows() -> tuple:
    return (Record.objects.count(), Item.objects.count(), CatalogueHistory.objects.count(),
            ItemHistory.objects.count())  # fmt: skip


def test_record_create_normalises_what_it_stores(tiny_city):
    record = record_create(data=book(title="  图说中国节  "))
    assert record.title == "图说中国节"
    assert record.isbn == ISBN and record.clc_top == "K"
    assert record.match_key == "图说中国节|王娟|2007"
    assert CatalogueHistory.objects.get(record=record).action == "record_created"


@pytest.mark.parametrize("data", [book(title=""), book(title="   "), book(year=12345)])
def test_invalid_records_are_refused(tiny_city, data):
    before = rows()
    with pytest.raises(InvalidRecord):
        record_create(data=data)
    assert rows() == before


def test_import_merges_by_isbn_and_attaches_the_copies(tiny_city):
    first = record_import(data=book(items=[ItemData("B0001")]), unit=tiny_city.b1)
    again = record_import(
        data=book(title="图说中国节（新版）", items=[ItemData("B0002")]), unit=tiny_city.b2
    )
    assert not first.merged and again.merged
    assert again.record.pk == first.record.pk
    assert Record.objects.count() == 1
    assert sorted(first.record.items.values_list("barcode", flat=True)) == ["B0001", "B0002"]
    merge = CatalogueHistory.objects.get(action="record_merged")
    assert merge.details["items"] == ["B0002"]


def test_import_merges_by_key_only_without_isbn(tiny_city):
    plain = book(isbns=[], title="Éloïse, a novel", authors=["Smith, J."], year=1990)
    record_import(data=plain, unit=tiny_city.b1)
    same = book(isbns=[], title="ELOISE a Novel", authors=["smith j"], year=1990)
    assert record_import(data=same, unit=tiny_city.b1).merged
    with_isbn = book(title="Éloïse, a novel", authors=["Smith, J."], year=1990)
    assert not record_import(data=with_isbn, unit=tiny_city.b1).merged


def test_an_import_with_a_taken_barcode_writes_nothing(tiny_city):
    record_import(data=book(items=[ItemData("B0001")]), unit=tiny_city.b1)
    before = rows()
    other = book(
        isbns=["9780306406157"], title="Other", items=[ItemData("B0009"), ItemData("B0001")]
    )
    with pytest.raises(BarcodeTaken):
        record_import(data=other, unit=tiny_city.b1)
    assert rows() == before


def test_record_update_keeps_the_source_marc_unless_given(tiny_city):
    record = record_create(data=book(marc_source=b"00000nam", marc_flavour="cnmarc"))
    record_update(record=record, data=book(title="图说中国节日"))
    record.refresh_from_db()
    assert record.title == "图说中国节日" and bytes(record.marc_source) == b"00000nam"
    changed = CatalogueHistory.objects.filter(action="record_updated").get().details["fields"]
    assert changed == ["match_key", "title"]


def test_record_match_by_any_isbn(tiny_city):
    record = record_create(data=book(isbns=[ISBN, "9780306406157"]))
    assert record_match(["9780306406157"], "") == record
    assert record_match(["9781234567897"], "") is None


@pytest.mark.parametrize(
    ("barcode", "kwargs"),
    [
        ("", {}),
        ("ab", {}),
        ("has space", {}),
        ("B1234", {"price": Decimal(-1)}),
        ("B1234", {"item_type": "spaceship"}),
    ],
)
def test_invalid_items_are_refused(tiny_city, barcode, kwargs):
    record = record_create(data=book())
    before = rows()
    with pytest.raises(InvalidItem):
        item_add(record=record, barcode=barcode, owner=tiny_city.b1, **kwargs)
    assert rows() == before


def test_a_new_item_starts_in_processing_with_history(tiny_city):
    record = record_create(data=book())
    item = item_add(record=record, barcode="B0001", owner=tiny_city.b1)
    assert item.status == ItemStatus.IN_PROCESSING
    assert item.location == tiny_city.b1 == item.owner
    assert ItemHistory.objects.get(item=item).action == "item_added"


@pytest.mark.parametrize(
    ("start", "target"),
    [(s, t) for s, targets in TRANSITIONS.items() for t in targets],
)
def test_every_allowed_transition(tiny_city, start, target):
    record = record_create(data=book())
    item = item_add(record=record, barcode="B0001", owner=tiny_city.b1, status=start)
    item_transition(item=item, to_status=target, location=tiny_city.b2)
    assert item.status == target and item.location == tiny_city.b2
    change = ItemHistory.objects.filter(item=item).last()
    assert (change.from_status, change.to_status, change.unit) == (start, target, tiny_city.b2)


@pytest.mark.parametrize(
    ("start", "target"),
    [(s, t) for s in ItemStatus.values for t in ItemStatus.values if t not in TRANSITIONS[s]],
)
def test_every_forbidden_transition_changes_nothing(tiny_city, start, target):
    record = record_create(data=book())
    item = item_add(record=record, barcode="B0001", owner=tiny_city.b1, status=start)
    before = rows()
    with pytest.raises(TransitionNotAllowed):
        item_transition(item=item, to_status=target)
    item.refresh_from_db()
    assert item.status == start and rows() == before


def test_availability_by_unit(tiny_city):
    record = record_create(data=book())
    for n, (unit, status) in enumerate(
        [
            (tiny_city.b1, "available"),
            (tiny_city.b1, "on_loan"),
            (tiny_city.b2, "available"),
            (tiny_city.b2, "withdrawn"),
        ]
    ):
        item_add(record=record, barcode=f"B000{n}", owner=unit, status=status)
    found = {
        a.unit_code: (a.total, a.available) for a in availability_by_unit([record.pk])[record.pk]
    }
    assert found == {"b1": (2, 1), "b2": (1, 1)}


def test_policies():
    assert clc_top("i247.5") == "I" and clc_top("L11") == "" and clc_top("") == ""
    assert match_key("", "x", 2000) == ""
