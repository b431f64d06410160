"""Readers: staff endpoints (scoped by home unit) and online self-registration."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from libcity.api.auth import STAFF_AUTH
from libcity.desk.services import desk_set_consent
from libcity.network.selectors import unit_get
from libcity.readers import selectors, services
from libcity.readers.models import BlockReason, Reader
from libcity.staff.policies import (
    NETWORK_VIEW,
    READERS_BLOCK,
    READERS_CHANGE,
    READERS_REGISTER,
    READERS_VIEW,
)
from libcity.staff.selectors import access_unit

router = Router(tags=["readers"])


class BlockOut(Schema):
    id: int
    reason: str
    note: str
    created_at: dt.datetime


class ReaderOut(Schema):
    card_number: str
    name: str
    category: str
    home_unit: str
    status: str
    id_last4: str
    birth_date: dt.date
    expires_on: dt.date
    credit_score: int
    deposit_state: str
    keeps_reading_history: bool
    blocked: bool
    blocks: list[BlockOut]
    registered_at: dt.datetime


class ReaderList(Schema):
    count: int
    results: list[ReaderOut]


class ReaderFilters(Schema):
    q: str = ""
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0)


class RegistrationIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    resident_id: str = Field(min_length=1, max_length=32)
    category: str = "adult"
    home_unit: str
    phone: str = Field("", max_length=20)
    email: str = Field("", max_length=254)
    guardian_card: str | None = None
    deposit_amount: Decimal = Field(Decimal(0), ge=0, max_digits=8, decimal_places=2)


class SelfRegistrationIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    resident_id: str = Field(min_length=1, max_length=32)
    home_unit: str
    username: str = Field(min_length=3, max_length=150)
    password: str = Field(min_length=1, max_length=128)
    phone: str = Field("", max_length=20)
    email: str = Field("", max_length=254)


class BlockIn(Schema):
    reason: BlockReason = BlockReason.MANUAL
    note: str = Field("", max_length=300)


class ConsentIn(Schema):
    keeps_reading_history: bool


def reader_out(reader: Reader) -> dict:
    blocks = list(selectors.reader_active_blocks(reader))
    return {
        "card_number": reader.card_number,
        "name": reader.name,
        "category": reader.category.code,
        "home_unit": reader.home_unit.code,
        "status": reader.status,
        "id_last4": reader.id_last4,
        "birth_date": reader.birth_date,
        "expires_on": reader.expires_on,
        "credit_score": reader.credit_score,
        "deposit_state": reader.deposit_state,
        "keeps_reading_history": reader.keeps_reading_history,
        "blocked": bool(blocks),
        "blocks": blocks,
        "registered_at": reader.registered_at,
    }


@router.get("/readers", response=ReaderList, auth=STAFF_AUTH, summary="Readers in your scope")
def list_readers(request: HttpRequest, filters: Query[ReaderFilters]):
    readers = selectors.readers_in_scope(request.auth, READERS_VIEW, query=filters.q)
    page = readers.select_related("category", "home_unit")[
        filters.offset : filters.offset + filters.limit
    ]
    return {"count": readers.count(), "results": [reader_out(r) for r in page]}


@router.get("/readers/{card_number}", response=ReaderOut, auth=STAFF_AUTH)
def get_reader(request: HttpRequest, card_number: str):
    return reader_out(selectors.access_reader(request.auth, card_number, READERS_VIEW))


@router.post(
    "/readers", response={201: ReaderOut}, auth=STAFF_AUTH, summary="Register a reader at a desk"
)
def register_reader(request: HttpRequest, payload: RegistrationIn):
    home = access_unit(request.auth, payload.home_unit, READERS_REGISTER)
    guardian = None
    if payload.guardian_card:
        guardian = selectors.access_reader(request.auth, payload.guardian_card, READERS_VIEW)
    reader = services.reader_register(
        name=payload.name,
        resident_id=payload.resident_id,
        category=selectors.category_get(payload.category),
        home_unit=home,
        actor=request.auth,
        phone=payload.phone,
        email=payload.email,
        guardian=guardian,
        deposit_amount=payload.deposit_amount,
    )
    return Status(201, reader_out(reader))


@router.post(
    "/registrations",
    response={201: ReaderOut},
    auth=None,
    summary="Online self-registration (adults and seniors)",
)
def self_register(request: HttpRequest, payload: SelfRegistrationIn):
    home = unit_get(payload.home_unit)
    reader = services.reader_self_register(
        name=payload.name,
        resident_id=payload.resident_id,
        home_unit=home,
        username=payload.username,
        password=payload.password,
        phone=payload.phone,
        email=payload.email,
    )
    return Status(201, reader_out(reader))


@router.post(
    "/readers/{card_number}/card-replacement",
    response=ReaderOut,
    auth=STAFF_AUTH,
    summary="Replace a lost card: a new number, the old one blocked",
)
def replace_card(request: HttpRequest, card_number: str, unit: str):
    reader = selectors.access_reader(request.auth, card_number, READERS_CHANGE)
    desk_unit = access_unit(request.auth, unit, NETWORK_VIEW)
    services.card_replace(reader=reader, unit=desk_unit, actor=request.auth)
    reader.refresh_from_db()
    return reader_out(reader)


@router.post("/readers/{card_number}/blocks", response={201: ReaderOut}, auth=STAFF_AUTH)
def block_reader(request: HttpRequest, card_number: str, payload: BlockIn):
    reader = selectors.access_reader(request.auth, card_number, READERS_BLOCK)
    services.reader_block(
        reader=reader, reason=payload.reason, note=payload.note, actor=request.auth
    )
    return Status(201, reader_out(reader))


@router.delete("/readers/{card_number}/blocks/{block_id}", response=ReaderOut, auth=STAFF_AUTH)
def unblock_reader(request: HttpRequest, card_number: str, block_id: int):
    reader = selectors.access_reader(request.auth, card_number, READERS_BLOCK)
    block = selectors.reader_block_get(reader, block_id)
    services.reader_unblock(block=block, actor=request.auth)
    return reader_out(reader)


@router.put("/readers/{card_number}/consent", response=ReaderOut, auth=STAFF_AUTH)
def set_consent(request: HttpRequest, card_number: str, payload: ConsentIn):
    reader = selectors.access_reader(request.auth, card_number, READERS_CHANGE)
    desk_set_consent(
        reader=reader, keeps_reading_history=payload.keeps_reading_history, actor=request.auth
    )
    reader.refresh_from_db()
    return reader_out(reader)
