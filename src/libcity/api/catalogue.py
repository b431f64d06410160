"""Records (public reads) and items (staff)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from libcity.api.auth import STAFF_AUTH
from libcity.catalogue import selectors
from libcity.catalogue.models import Item, ItemStatus, ItemType, Record
from libcity.catalogue.services import item_add, item_mark
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
