import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import translation

from libcity.catalogue.data import RecordData
from libcity.catalogue.services import item_add, record_create
from libcity.conftest import valid_resident_id
from libcity.readers.models import ReaderCategory
from libcity.readers.services import reader_register


@pytest.fixture(autouse=True)
def messages_in_english():
    """Messages are asserted in their English source form here."""
    with translation.override("en"):
        yield


@pytest.fixture
def library(tiny_city):
    """tiny_city with a record, and makers of copies and readers."""
    record = record_create(data=RecordData(title="图说中国节", authors=["王娟"], year=2007))
    born = iter(range(1, 10_000))

    def copy(barcode, owner=None, item_type="book", price=None, status="available"):
        return item_add(record=record, barcode=barcode, owner=owner or tiny_city.b1,
                        item_type=item_type, price=None if price is None else Decimal(price),
                        status=status)  # fmt: skip

    def reader(home=None, category="adult", **extra):
        birth = dt.date(1960, 1, 1) + dt.timedelta(days=next(born))
        return reader_register(
            name="读者", resident_id=valid_resident_id(birth), home_unit=home or tiny_city.b1,
            actor=None, category=ReaderCategory.objects.get(code=category), **extra,
        )  # fmt: skip

    return SimpleNamespace(city=tiny_city, record=record, copy=copy, reader=reader)
