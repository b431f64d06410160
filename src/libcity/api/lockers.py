"""Lending lockers over HTTP: the locker's controller opens a door with the reader's pickup
code (the copy behind it is lent), and reads the slots' states.

Only the locker's controller (a machine with ``selfservice.use`` at the unit) or staff who
run it (``selfservice.manage``) may call these; anyone else reads "not found".
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from libcity.api.auth import STAFF_AUTH
from libcity.holds.selectors import access_locker, locker_slots
from libcity.holds.services import locker_open

router = Router(tags=["lockers"])


class OpenIn(Schema):
    code: str = Field(max_length=20, description="The six-digit pickup code the reader typed")


class OpenOut(Schema):
    slot: int = Field(description="The door to open")
    barcode: str
    title: str
    due_on: dt.date
    card: str = Field(description="The borrower's card number, masked but for its last four")


class SlotOut(Schema):
    number: int
    state: str = Field(description="free, occupied or to_empty")


def masked_card(card_number: str) -> str:
    return "*" * max(0, len(card_number) - 4) + card_number[-4:]


@router.post(
    "/lockers/{unit_code}/open", response=OpenOut, auth=STAFF_AUTH,
    summary="Open the door of the slot the code belongs to, lending its copy to the reader",
)  # fmt: skip
def open_door(request: HttpRequest, unit_code: str, payload: OpenIn):
    unit = access_locker(request.auth, unit_code)
    opened = locker_open(unit=unit, code=payload.code, actor=request.auth)
    loan = opened.loan
    return {
        "slot": opened.slot, "barcode": loan.item.barcode, "title": loan.item.record.title,
        "due_on": loan.due_on, "card": masked_card(loan.reader.card_number),
    }  # fmt: skip


@router.get(
    "/lockers/{unit_code}/slots", response=list[SlotOut], auth=STAFF_AUTH,
    summary="The locker's slots and their states (never a code)",
)  # fmt: skip
def slots(request: HttpRequest, unit_code: str):
    unit = access_locker(request.auth, unit_code)
    return [{"number": s.number, "state": s.state} for s in locker_slots(unit)]
