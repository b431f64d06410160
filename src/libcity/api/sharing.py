"""Transfer lending (转借) over HTTP: a reader offers a loan (a code and its QR code), another
reader accepts it, the giver may cancel. Readers sign in with their session (or a bearer
token); the services decide everything else."""

from __future__ import annotations

import datetime as dt
import io

import segno
from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from libcity.api.auth import STAFF_AUTH
from libcity.network.models import Unit
from libcity.network.selectors import unit_get
from libcity.sharing.models import Transfer
from libcity.sharing.selectors import access_own_loan, access_own_transfer
from libcity.sharing.services import (
    transfer_accept,
    transfer_cancel,
    transfer_offer,
    transfer_offer_to_queue,
)

router = Router(tags=["sharing"])


class OfferIn(Schema):
    loan_id: int | None = Field(default=None, description="Your loan (or its copy's barcode)")
    item_barcode: str = Field(default="", max_length=40)
    place_unit: str = Field(default="", max_length=40,
                            description="Where it changes hands (blank: by hand)")  # fmt: skip
    to_queue: bool = Field(
        default=False, description="Offer it to the first reader waiting for the title"
    )


class OfferOut(Schema):
    code: str = Field(description="Told once: only its hash is kept")
    url: str
    qr_svg: str = Field(description="The URL as a QR code, an SVG document")
    expires_at: dt.datetime
    loan_id: int
    item_barcode: str
    title: str
    place_unit: str | None
    for_hold_id: int | None


class AcceptIn(Schema):
    place_unit: str = Field(default="", max_length=40,
                            description="Where it changes hands (blank: as offered)")  # fmt: skip


class AcceptOut(Schema):
    loan_id: int
    item_barcode: str
    title: str
    due_on: dt.date
    place_unit: str | None


class TransferOut(Schema):
    status: str
    loan_id: int
    item_barcode: str


def _place(code: str) -> Unit | None:
    return unit_get(code) if code.strip() else None


def _qr_svg(url: str) -> str:
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=4, xmldecl=False, nl=False)
    return out.getvalue().decode()


def offer_out(request: HttpRequest, transfer: Transfer) -> dict:
    url = request.build_absolute_uri(f"/transfers/{transfer.code}/")
    return {
        "code": transfer.code, "url": url, "qr_svg": _qr_svg(url),
        "expires_at": transfer.expires_at, "loan_id": transfer.loan_id,
        "item_barcode": transfer.item.barcode, "title": transfer.item.record.title,
        "place_unit": transfer.place_unit.code if transfer.place_unit_id else None,
        "for_hold_id": transfer.for_hold_id,
    }  # fmt: skip


@router.post("/transfers", response={201: OfferOut}, auth=STAFF_AUTH,
             summary="Offer your loan to another reader (a code and its QR code)")  # fmt: skip
def offer(request: HttpRequest, payload: OfferIn):
    loan = access_own_loan(request.auth, loan_id=payload.loan_id,
                           item_barcode=payload.item_barcode)  # fmt: skip
    place = _place(payload.place_unit)
    make = transfer_offer_to_queue if payload.to_queue else transfer_offer
    transfer = make(loan=loan, actor=request.auth, place_unit=place)
    return Status(201, offer_out(request, transfer))


@router.post("/transfers/{code}/accept", response=AcceptOut, auth=STAFF_AUTH,
             summary="Take the copy offered with this code: it becomes your loan")  # fmt: skip
def accept(request: HttpRequest, code: str, payload: AcceptIn | None = None):
    place = _place(payload.place_unit) if payload else None
    transfer = transfer_accept(code=code, actor=request.auth, place_unit=place)
    loan = transfer.new_loan
    return {
        "loan_id": loan.pk, "item_barcode": transfer.item.barcode,
        "title": transfer.item.record.title, "due_on": loan.due_on,
        "place_unit": transfer.place_unit.code if transfer.place_unit_id else None,
    }  # fmt: skip


@router.post("/transfers/{code}/cancel", response=TransferOut, auth=STAFF_AUTH,
             summary="Withdraw your offer: its code opens nothing any more")  # fmt: skip
def cancel(request: HttpRequest, code: str):
    transfer = transfer_cancel(transfer=access_own_transfer(request.auth, code),
                               actor=request.auth)  # fmt: skip
    return {"status": transfer.status, "loan_id": transfer.loan_id,
            "item_barcode": transfer.item.barcode}  # fmt: skip
