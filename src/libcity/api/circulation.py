"""Loans and returns: the desk, a kiosk or a sorter over HTTP (the same flows as the pages)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from libcity.api.auth import STAFF_AUTH
from libcity.circulation.models import Loan
from libcity.circulation.policies import Terms
from libcity.circulation.selectors import access_reader_loans
from libcity.desk.services import desk_checkout, desk_renew, desk_return

router = Router(tags=["circulation"])


class LoanIn(Schema):
    item_barcode: str = Field(min_length=1, max_length=40)
    card_number: str = Field(min_length=1, max_length=20)
    unit: str = Field(min_length=1, max_length=40, description="The code of the lending unit")


class ReturnIn(Schema):
    item_barcode: str = Field(min_length=1, max_length=40)
    unit: str = Field(min_length=1, max_length=40, description="The code of the returning unit")


class RenewIn(Schema):
    unit: str = Field(default="", max_length=40, description="The desk's unit (optional)")


class LoanOut(Schema):
    id: int
    item_barcode: str
    title: str
    status: str
    checked_out_at: dt.datetime
    due_on: dt.date
    renewals: int
    renewals_left: int
    issued_at: str
    ended_at: dt.datetime | None


class RouteOut(Schema):
    action: str = Field(
        description="shelve (here), hold_shelf (here, for a hold) or transit (to destination)"
    )
    destination: str
    reason: str
    message: str


class ReturnOut(Schema):
    item_barcode: str
    route: RouteOut
    loan: LoanOut | None
    days_late: int
    fine: Decimal
    credit_change: int


def loan_out(loan: Loan) -> dict:
    terms = Terms.from_json(loan.terms)
    return {
        "id": loan.pk, "item_barcode": loan.item.barcode, "title": loan.item.record.title,
        "status": loan.status, "checked_out_at": loan.checked_out_at, "due_on": loan.due_on,
        "renewals": loan.renewals, "renewals_left": max(0, terms.renewals - loan.renewals),
        "issued_at": loan.issued_at_unit.code, "ended_at": loan.ended_at,
    }  # fmt: skip


@router.post("/loans", response={201: LoanOut}, auth=STAFF_AUTH, summary="Check a copy out")
def checkout(request: HttpRequest, payload: LoanIn):
    loan = desk_checkout(item_barcode=payload.item_barcode, card_number=payload.card_number,
                         unit_code=payload.unit, actor=request.auth)  # fmt: skip
    return Status(201, loan_out(loan))


@router.post(
    "/returns", response=ReturnOut, auth=STAFF_AUTH,
    summary="Take a copy back: where it goes now, and why",
)  # fmt: skip
def checkin(request: HttpRequest, payload: ReturnIn):
    answer = desk_return(item_barcode=payload.item_barcode, unit_code=payload.unit,
                         actor=request.auth)  # fmt: skip
    route = answer.route
    return {
        "item_barcode": answer.item.barcode,
        "route": {"action": route.action, "destination": route.destination.code,
                  "reason": route.reason, "message": route.message},
        "loan": loan_out(answer.loan) if answer.loan else None,
        "days_late": answer.days_late, "fine": answer.fine, "credit_change": answer.credit_change,
    }  # fmt: skip


@router.post("/loans/{loan_id}/renew", response=LoanOut, auth=STAFF_AUTH, summary="Renew a loan")
def renew(request: HttpRequest, loan_id: int, payload: RenewIn | None = None):
    unit = payload.unit if payload else ""
    return loan_out(desk_renew(loan_id=loan_id, actor=request.auth, unit_code=unit))


@router.get(
    "/readers/{card_number}/loans", response=list[LoanOut], auth=STAFF_AUTH,
    summary="A reader's current loans (the reader, or staff who lend)",
)  # fmt: skip
def reader_loans(request: HttpRequest, card_number: str):
    return [loan_out(loan) for loan in access_reader_loans(request.auth, card_number)]
