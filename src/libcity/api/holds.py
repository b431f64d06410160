"""Holds and transits: a reader's phone, a desk or a sorter over HTTP (the same flows as
the pages)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from libcity.api.auth import STAFF_AUTH
from libcity.desk.holds import (
    desk_hold_cancel,
    desk_hold_place,
    desk_reader_holds,
    desk_receive_transit,
)
from libcity.holds.models import Hold
from libcity.logistics.services import Dispatch

router = Router(tags=["holds"])


class HoldIn(Schema):
    record_id: int
    pickup_unit: str = Field(min_length=1, max_length=40, description="Where to collect it")
    card_number: str = Field(
        default="", max_length=20, description="Staff: the reader at the counter (else: you)"
    )
    item_barcode: str = Field(default="", max_length=40, description="This copy only")
    not_needed_after: dt.date | None = None


class HoldOut(Schema):
    id: int
    record_id: int
    title: str
    status: str
    pickup_unit: str
    placed_at: dt.datetime
    queue_position: int | None = Field(description="1 = next to be served; null once a copy "
                                                   "is on its way or ready")  # fmt: skip
    copy_barcode: str | None
    shelf_until: dt.date | None
    not_needed_after: dt.date | None


class ReceiveIn(Schema):
    unit: str = Field(min_length=1, max_length=40, description="The receiving unit")


class DispatchOut(Schema):
    item_barcode: str
    action: str = Field(description="shelve, hold_shelf or transit")
    destination: str
    reason: str
    message: str
    hold_id: int | None
    transit_id: int | None


def hold_out(hold: Hold) -> dict:
    return {
        "id": hold.pk, "record_id": hold.record_id, "title": hold.record.title,
        "status": hold.status, "pickup_unit": hold.pickup_unit.code, "placed_at": hold.placed_at,
        "queue_position": getattr(hold, "queue_position", None),
        "copy_barcode": hold.copy.barcode if hold.copy_id else None,
        "shelf_until": hold.shelf_until, "not_needed_after": hold.not_needed_after,
    }  # fmt: skip


def dispatch_out(answer: Dispatch) -> dict:
    return {
        "item_barcode": answer.item.barcode, "action": answer.action,
        "destination": answer.destination.code, "reason": answer.reason,
        "message": answer.message, "hold_id": answer.hold.pk if answer.hold else None,
        "transit_id": answer.transit.pk if answer.transit else None,
    }  # fmt: skip


@router.post("/holds", response={201: HoldOut}, auth=STAFF_AUTH, summary="Place a hold")
def place(request: HttpRequest, payload: HoldIn):
    hold = desk_hold_place(
        record_id=payload.record_id, pickup_code=payload.pickup_unit, actor=request.auth,
        card_number=payload.card_number.strip(), item_barcode=payload.item_barcode.strip(),
        not_needed_after=payload.not_needed_after,
    )  # fmt: skip
    hold.queue_position = None
    return Status(201, hold_out(hold))


@router.get(
    "/holds", response=list[HoldOut], auth=STAFF_AUTH,
    summary="Your holds (a reader), or a reader's (staff who lend: ?card=)",
)  # fmt: skip
def holds(request: HttpRequest, card: str = ""):
    return [hold_out(h) for h in desk_reader_holds(actor=request.auth, card_number=card.strip())]


@router.post("/holds/{hold_id}/cancel", response=HoldOut, auth=STAFF_AUTH,
             summary="Cancel a hold")  # fmt: skip
def cancel(request: HttpRequest, hold_id: int):
    return hold_out(desk_hold_cancel(hold_id=hold_id, actor=request.auth))


@router.post(
    "/transits/{transit_id}/receive", response=DispatchOut, auth=STAFF_AUTH,
    summary="A copy in transit arrived: where it goes now",
)  # fmt: skip
def receive(request: HttpRequest, transit_id: int, payload: ReceiveIn):
    answer = desk_receive_transit(transit_id=transit_id, unit_code=payload.unit,
                                  actor=request.auth)  # fmt: skip
    return dispatch_out(answer)
