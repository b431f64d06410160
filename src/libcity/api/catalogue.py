"""Records (public reads) and items (staff)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from libcity.api.auth import STAFF_AUTH
from libcity.catalogue import selectors
from libcity.catalogue.models import Item, ItemStatus, ItemType, Record
from libcity.catalogue.services import item_add, item_mark
from libcity.search.query import SearchRequest
from libcity.staff.policies import CATALOGUE_CHANGE, NETWORK_VIEW
from libcity.staff.selectors import access_unit

router = Router(tags=["catalogue"])


class UnitAvailabilityOut(Schema):
    unit: str
    total: int
    available: int


class ItemOut(Schema):
    barcode: str
    record_id: int
    owner: str
    location: str
    call_number: str
    item_type: str
    status: str
    price: Decimal | None
    status_changed_at: dt.datetime


class RecordOut(Schema):
    id: int
    title: str
    responsibility: str
    authors: list[str]
    publisher: str
    year: int | None
    isbn: str
    isbns: list[str]
    language: str
    clc: str
    subjects: list[str]
    format: str
    availability: list[UnitAvailabilityOut]


class FacetValue(Schema):
    value: str
    count: int


class RecordHit(Schema):
    id: int
    title: str
    authors: list[str]
    isbn: str
    year: int | None
    clc: str
    availability: list[UnitAvailabilityOut]


class RecordList(Schema):
    count: int = Field(description="The matches; when count_exact is false, at least this many")
    count_exact: bool = Field(description="False when more records matched than were counted")
    page: int
    page_size: int
    results: list[RecordHit]
    facets: dict[str, list[FacetValue]]


class RecordQuery(Schema):
    q: str = Field("", max_length=500, description="Words, pinyin, initials, ISBN; "
                   "title: author: isbn: class: subject: fields")  # fmt: skip
    district: list[str] = Field(default_factory=list)
    unit: list[str] = Field(default_factory=list)
    clc_top: list[str] = Field(default_factory=list)
    language: list[str] = Field(default_factory=list)
    item_type: list[str] = Field(default_factory=list)
    year_from: int | None = Field(None, ge=0, le=3000)
    year_to: int | None = Field(None, ge=0, le=3000)
    available_now: bool = False
    sort: str = Field("relevance", pattern="^(relevance|newest)$")
    page: int = Field(1, ge=1, le=500)
    page_size: int = Field(20, ge=1, le=100)


class ItemIn(Schema):
    record_id: int
    barcode: str = Field(min_length=1, max_length=40)
    owner: str = Field(description="Code of the unit that owns the copy")
    call_number: str = Field("", max_length=100)
    item_type: ItemType = ItemType.BOOK
    price: Decimal | None = Field(None, ge=0, max_digits=10, decimal_places=2)


class ItemStatusIn(Schema):
    status: ItemStatus
    reason: str = Field("", max_length=200)


def record_out(record: Record, availability) -> dict:
    return {
        "id": record.pk, "title": record.title, "responsibility": record.responsibility,
        "authors": record.authors, "publisher": record.publisher, "year": record.year,
        "isbn": record.isbn, "isbns": record.isbns, "language": record.language,
        "clc": record.clc, "subjects": record.subjects, "format": record.format,
        "availability": [
            {"unit": a.unit_code, "total": a.total, "available": a.available}
            for a in availability
        ],
    }  # fmt: skip


def item_out(item: Item) -> dict:
    return {
        "barcode": item.barcode, "record_id": item.record_id, "owner": item.owner.code,
        "location": item.location.code, "call_number": item.call_number,
        "item_type": item.item_type, "status": item.status, "price": item.price,
        "status_changed_at": item.status_changed_at,
    }  # fmt: skip


@router.get("/records", response=RecordList, auth=None, summary="Search the catalogue")
def search_records(request: HttpRequest, query: Query[RecordQuery]):
    hits = selectors.records_search(search_request(query))
    return {
        "count": hits.count, "count_exact": hits.count_exact, "page": hits.page,
        "page_size": hits.page_size,
        "results": [_hit(r, hits.availability[r.pk]) for r in hits.records],
        "facets": {
            name: [{"value": v, "count": n} for v, n in values]
            for name, values in hits.facets.items()
        },
    }  # fmt: skip


def search_request(query: RecordQuery) -> SearchRequest:
    return SearchRequest(
        q=query.q, districts=query.district, units=query.unit, clc_top=query.clc_top,
        languages=query.language, item_types=query.item_type, year_from=query.year_from,
        year_to=query.year_to, available_now=query.available_now, sort=query.sort,
        page=query.page, page_size=query.page_size,
    )  # fmt: skip


def _hit(record: Record, availability) -> dict:
    return {
        "id": record.pk, "title": record.title, "authors": record.authors,
        "isbn": record.isbn, "year": record.year, "clc": record.clc,
        "availability": [
            {"unit": a.unit_code, "total": a.total, "available": a.available}
            for a in availability
        ],
    }  # fmt: skip


@router.get("/records/{record_id}", response=RecordOut, auth=None, summary="One record")
def get_record(request: HttpRequest, record_id: int):
    record = selectors.record_get(record_id)
    return record_out(record, selectors.availability_by_unit([record.pk])[record.pk])


@router.get("/items/{barcode}", response=ItemOut, auth=STAFF_AUTH, summary="One copy (staff)")
def get_item(request: HttpRequest, barcode: str):
    return item_out(selectors.access_item(request.auth, barcode, NETWORK_VIEW))


@router.post("/items", response={201: ItemOut}, auth=STAFF_AUTH, summary="Add a copy")
def add_item(request: HttpRequest, payload: ItemIn):
    owner = access_unit(request.auth, payload.owner, CATALOGUE_CHANGE)
    item = item_add(
        record=selectors.record_get(payload.record_id), barcode=payload.barcode, owner=owner,
        call_number=payload.call_number, item_type=payload.item_type, price=payload.price,
        actor=request.auth,
    )  # fmt: skip
    return Status(201, item_out(item))


@router.post(
    "/items/{barcode}/status", response=ItemOut, auth=STAFF_AUTH,
    summary="Mark a copy available, in processing, missing, lost or withdrawn",
)  # fmt: skip
def mark_item(request: HttpRequest, barcode: str, payload: ItemStatusIn):
    item = selectors.access_item(request.auth, barcode, CATALOGUE_CHANGE)
    return item_out(
        item_mark(item=item, status=payload.status, actor=request.auth, reason=payload.reason)
    )
