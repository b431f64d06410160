"""Self-service machines over HTTP: a 24-hour room's gate asks whether a card may come in,
a kiosk registers a reader at its unit. The caller is the machine's user (its bearer token),
or a member of staff with the permission at the unit."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from libcity.api.auth import STAFF_AUTH
from libcity.selfservice.selectors import kiosk_unit
from libcity.selfservice.services import gate_entry, kiosk_reader_register
from libcity.staff.policies import SELFSERVICE_USE
from libcity.staff.selectors import access_unit

router = Router(tags=["self-service"])


class GateEntryIn(Schema):
    card: str = Field(min_length=1, max_length=40, description="The card number read")


class GateEntryOut(Schema):
    allowed: bool
    reason: str | None = Field(description="null when allowed; else card_unknown, "
                               "card_not_active, card_expired, reader_not_active, "
                               "reader_blocked or unit_closed")  # fmt: skip
    message: str = Field(description="For the gate's screen, in the request's language")


class KioskRegistrationIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    resident_id: str = Field(min_length=1, max_length=32)
    phone: str = Field("", max_length=20)
    email: str = Field("", max_length=254)
    unit_code: str = Field("", max_length=40, description="Staff only: where (a kiosk: its "
                           "own unit)")  # fmt: skip


class KioskReaderOut(Schema):
    card_number: str
    name: str
    home_unit: str
    expires_on: dt.date


@router.post(
    "/gates/{unit_code}/entry", response=GateEntryOut, auth=STAFF_AUTH,
    summary="May this card come in? (a refusal is an answer, not an error)",
)  # fmt: skip
def gate(request: HttpRequest, unit_code: str, payload: GateEntryIn):
    unit = access_unit(request.auth, unit_code.strip().lower(), SELFSERVICE_USE)
    answer = gate_entry(unit=unit, card_number=payload.card, actor=request.auth)
    return {"allowed": answer.allowed, "reason": answer.reason, "message": answer.message}


@router.post(
    "/kiosk/readers", response={201: KioskReaderOut}, auth=STAFF_AUTH,
    summary="A kiosk registers a reader at its unit (adults and seniors)",
)  # fmt: skip
def kiosk_register(request: HttpRequest, payload: KioskRegistrationIn):
    unit = kiosk_unit(request.auth, payload.unit_code)
    reader = kiosk_reader_register(
        name=payload.name, resident_id=payload.resident_id, unit=unit, actor=request.auth,
        phone=payload.phone, email=payload.email,
    )  # fmt: skip
    return Status(
        201,
        {
            "card_number": reader.card_number,
            "name": reader.name,
            "home_unit": reader.home_unit.code,
            "expires_on": reader.expires_on,
        },
    )
