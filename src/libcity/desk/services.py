"""Flows that span rooms, as a desk, a kiosk, the API or a sorter runs them: scan a copy and
a card, lend; scan a copy, return it and say where it goes.

Each flow takes what a scanner gives (barcodes, card numbers, unit codes), checks that the
actor may work at that unit, and calls the services. A return ends the loan and then asks
logistics where the copy goes now (a waiting hold first: the hold shelf here, or a transit to
its pickup point; else the circulation rules), so the desk, the API, a kiosk and a sorter get
one answer. A checkout of a copy on the hold shelf is its hold's collection.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from libcity.catalogue.models import Item, ItemStatus
from libcity.catalogue.selectors import item_by_barcode
from libcity.circulation.models import Charge, Loan
from libcity.circulation.selectors import access_loan, charge_get
from libcity.circulation.services import (
    charge_settle,
    loan_checkin,
    loan_checkout,
    loan_claim_returned,
    loan_declare_lost,
    loan_renew,
    reading_history_forget,
)
from libcity.holds.services import hold_after_checkout, hold_collect
from libcity.logistics.selectors import item_open_transit
from libcity.logistics.services import (
    Dispatch,
    copy_dispatch,
    copy_on_hold_shelf,
    transit_receive,
)
from libcity.network.models import Unit
from libcity.readers.models import Reader
from libcity.readers.selectors import reader_id_by_card
from libcity.readers.services import reader_set_consent
from libcity.staff.policies import CIRCULATION_CHARGES, CIRCULATION_LEND
from libcity.staff.selectors import Actor, access_unit


def desk_unit(actor: Actor, unit_code: str) -> Unit:
    """The unit the actor lends at: they must hold the lending permission there."""
    return access_unit(actor, (unit_code or "").strip(), CIRCULATION_LEND)


def desk_checkout(*, item_barcode: str, card_number: str, unit_code: str, actor: Actor) -> Loan:
    """Lend the scanned copy on the scanned card at the desk's unit. A copy waiting on the
    hold shelf goes only to its hold's reader (the hold is collected); a copy lent from the
    shelf meets the borrower's own hold on the title, and lets another reader's hold that
    had chosen it choose another."""
    unit = desk_unit(actor, unit_code)
    # only the reader's id: the service locks the reader's row and reads it whole
    reader = Reader(pk=reader_id_by_card(card_number))
    item = _scanned(item_barcode)
    if item.status == ItemStatus.ON_HOLD_SHELF:
        return hold_collect(item=item, reader=reader, unit=unit, actor=actor)
    with transaction.atomic():
        loan = loan_checkout(item=item, reader=reader, unit=unit, actor=actor)
        hold_after_checkout(loan=loan, actor=actor)
    return loan


@dataclass(frozen=True)
class ReturnAnswer:
    """A return's answer: what ending the loan did (None when the copy was not on loan) and
    where the copy goes now (``route``: shelve, the hold shelf, or a transit)."""

    item: Item
    route: Dispatch
    loan: Loan | None = None
    days_late: int = 0
    fine: Decimal = Decimal("0.00")
    credit_change: int = 0


def desk_return(*, item_barcode: str, unit_code: str, actor: Actor) -> ReturnAnswer:
    """Take the scanned copy back at the desk's unit: the loan ends (if any) and the answer
    says where the copy goes now, and why. A copy in transit is received here."""
    unit = desk_unit(actor, unit_code)
    item = _scanned(item_barcode)
    with transaction.atomic():
        if item.status == ItemStatus.IN_TRANSIT and item_open_transit(item) is not None:
            route = transit_receive(item=item, unit=unit, actor=actor)
            return ReturnAnswer(item=route.item, route=route)
        if item.status == ItemStatus.ON_HOLD_SHELF:
            route = copy_on_hold_shelf(item=item, unit=unit, actor=actor)
            return ReturnAnswer(item=route.item, route=route)
        checkin = loan_checkin(item=item, unit=unit, actor=actor)
        route = copy_dispatch(item=checkin.item, unit=unit, actor=actor, route=checkin.route,
                              locked=True)  # fmt: skip
    return ReturnAnswer(item=checkin.item, route=route, loan=checkin.loan,
                        days_late=checkin.days_late, fine=checkin.fine,
                        credit_change=checkin.credit_change)  # fmt: skip


def _scanned(barcode: str) -> Item:
    """The scanned copy, only its id and status read (a copy on the hold shelf or in transit
    takes another path): the service locks the copy and reads it whole,
    so the catalogue's wide read (owner, location, record) is spent only on an unknown
    barcode, to give its answer."""
    found = Item.objects.filter(barcode=(barcode or "").strip()).only("pk", "status").first()
    return found or item_by_barcode(barcode)


def desk_renew(*, loan_id: int, actor: Actor, unit_code: str = "") -> Loan:
    """Renew a loan: its reader (their account), or any desk (borrow anywhere)."""
    loan = access_loan(actor, loan_id)
    unit = desk_unit(actor, unit_code) if unit_code else None
    return loan_renew(loan=loan, actor=actor, unit=unit)


def desk_set_consent(*, reader: Reader, keeps_reading_history: bool, actor: Actor) -> Reader:
    """Record the reader's choice; withdrawing it also unlinks the ended loans at once."""
    with transaction.atomic():
        reader = reader_set_consent(reader=reader, keeps_reading_history=keeps_reading_history,
                                    actor=actor)  # fmt: skip
        if not keeps_reading_history:
            reading_history_forget(reader=reader, actor=actor)
    return reader


def desk_declare_lost(*, loan_id: int, unit_code: str, actor: Actor) -> Loan:
    """The reader says the copy is lost: charged for the library that owns it."""
    unit = desk_unit(actor, unit_code)
    return loan_declare_lost(loan=access_loan(actor, loan_id), actor=actor, unit=unit)


def desk_claim_returned(*, loan_id: int, unit_code: str, actor: Actor) -> Loan:
    """The reader says the copy came back: it is missing until it turns up."""
    unit = desk_unit(actor, unit_code)
    return loan_claim_returned(loan=access_loan(actor, loan_id), actor=actor, unit=unit)


def desk_settle_charge(*, charge_id: int, status: str, unit_code: str, actor: Actor) -> Charge:
    """Money taken (paid) or a charge let go (waived) at any desk that handles charges."""
    access_unit(actor, (unit_code or "").strip(), CIRCULATION_CHARGES)
    return charge_settle(charge=charge_get(charge_id), status=status, actor=actor)
