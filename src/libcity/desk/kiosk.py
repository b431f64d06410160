"""Flows a self-service machine runs beyond lending and returns (which are the desk's own
``desk_checkout`` and ``desk_return``): renew by scanning a copy, renew everything, place or
cancel a hold on the title of a scanned copy, keep a suspicious card, let it lend again, pay
charges. Each takes the card as scanned and the machine's unit, and checks that the machine
(or a person at a desk) may work there, as the desk's flows do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from libcity.catalogue.models import Item
from libcity.catalogue.selectors import item_by_barcode
from libcity.circulation.exceptions import InvalidCharge, LoanNotFound
from libcity.circulation.models import Charge, ChargeStatus, Loan, LoanStatus
from libcity.circulation.selectors import reader_charges, reader_loans
from libcity.circulation.services import charge_settle, loan_renew
from libcity.core.exceptions import DomainError
from libcity.desk.holds import desk_hold_cancel
from libcity.desk.services import desk_return, desk_unit
from libcity.holds.exceptions import HoldNotFound
from libcity.holds.models import ACTIVE, Hold
from libcity.holds.services import hold_place
from libcity.network.models import Unit
from libcity.readers.models import BlockReason, Reader
from libcity.readers.selectors import reader_by_card
from libcity.readers.services import reader_block
from libcity.readers.services.blocks import blocks_lift
from libcity.readers.services.rows import lock as reader_lock
from libcity.staff.policies import CIRCULATION_CHARGES
from libcity.staff.selectors import Actor, access_unit


def kiosk_checkout_cancel(*, card_number: str, item_barcode: str, unit_code: str,
                          actor: Actor) -> Item:  # fmt: skip
    """A kiosk undoing its own checkout (the copy did not leave the machine): the card's
    loan of the scanned copy ends as a return here. Another card's loan is not touched."""
    desk_unit(actor, unit_code)
    item = item_by_barcode(item_barcode)
    lent = Loan.objects.filter(item=item, reader__cards__number=(card_number or "").strip(),
                               status=LoanStatus.ON_LOAN).exists()  # fmt: skip
    if not lent:
        raise LoanNotFound(_("This copy is not on loan on this card."))
    desk_return(item_barcode=item_barcode, unit_code=unit_code, actor=actor)
    return item


def kiosk_renew(*, card_number: str, item_barcode: str, unit_code: str, actor: Actor) -> Loan:
    """Renew the reader's loan of the scanned copy."""
    unit = desk_unit(actor, unit_code)
    reader = reader_by_card(card_number)
    item = item_by_barcode(item_barcode)
    loan = next((loan for loan in _renewable(reader) if loan.item_id == item.pk), None)
    if loan is None:
        raise LoanNotFound(_("This copy is not on loan on this card."))
    return loan_renew(loan=loan, actor=actor, unit=unit)


@dataclass
class RenewAll:
    renewed: list[Loan] = field(default_factory=list)
    refused: list[tuple[Loan, DomainError]] = field(default_factory=list)


def kiosk_renew_all(*, card_number: str, unit_code: str, actor: Actor) -> RenewAll:
    """Renew every loan on the card that may be renewed; say which could not, and why."""
    unit = desk_unit(actor, unit_code)
    reader = reader_by_card(card_number)
    answer = RenewAll()
    for loan in _renewable(reader):
        try:
            answer.renewed.append(loan_renew(loan=loan, actor=actor, unit=unit))
        except DomainError as refusal:
            answer.refused.append((loan, refusal))
    return answer


def _renewable(reader: Reader) -> list[Loan]:
    running = (LoanStatus.ON_LOAN, LoanStatus.RENEWED, LoanStatus.OVERDUE)
    return [loan for loan in reader_loans(reader) if loan.status in running]


def kiosk_hold_place(*, card_number: str, item_barcode: str, unit_code: str, actor: Actor,
                     pickup: Unit | None = None) -> Hold:  # fmt: skip
    """A hold on the title of the scanned copy, to collect at ``pickup`` (default: here)."""
    unit = desk_unit(actor, unit_code)
    reader = reader_by_card(card_number)
    item = item_by_barcode(item_barcode)
    return hold_place(reader=reader, record=item.record, pickup_unit=pickup or unit, actor=actor,
                      placed_at_unit=unit)  # fmt: skip


def kiosk_hold_cancel(*, card_number: str, item_barcode: str, unit_code: str,
                      actor: Actor) -> Hold:  # fmt: skip
    """Cancel the reader's hold on the title of the scanned copy; a copy waiting for it on
    a hold shelf goes to the next reader or home."""
    desk_unit(actor, unit_code)
    reader = reader_by_card(card_number)
    item = item_by_barcode(item_barcode)
    hold = Hold.objects.filter(reader=reader, record_id=item.record_id, status__in=ACTIVE).first()
    if hold is None:
        raise HoldNotFound(_("There is no hold on this title on this card."))
    return desk_hold_cancel(hold_id=hold.pk, actor=actor)


def kiosk_card_keep(*, card_number: str, note: str, unit_code: str, actor: Actor) -> Reader:
    """The machine kept the card (SIP2 "block patron"): the reader may not borrow until a
    desk, or the machine's "patron enable", lets them again."""
    unit = desk_unit(actor, unit_code)
    reader = reader_by_card(card_number)
    text = f"{unit.code}: {note}".strip(": ")[:300]
    reader_block(reader=reader, reason=BlockReason.KIOSK, note=text, actor=actor)
    return reader


def kiosk_card_enable(*, card_number: str, unit_code: str, actor: Actor) -> Reader:
    """Lift what a machine set (only that: a desk's block stays)."""
    desk_unit(actor, unit_code)
    reader = reader_by_card(card_number)
    with transaction.atomic():
        blocks_lift(reader_lock(reader), BlockReason.KIOSK, actor)
    return reader


def kiosk_pay(*, card_number: str, amount: str, unit_code: str, actor: Actor,
              charge_id: int | None = None) -> list[Charge]:  # fmt: skip
    """Money taken at a machine: exactly one charge's amount (``charge_id``, or the oldest
    open charge of that amount), or exactly all the open charges. Anything else is refused
    (a machine does not keep change or part-payments)."""
    access_unit(actor, (unit_code or "").strip(), CIRCULATION_CHARGES)
    reader = reader_by_card(card_number)
    paid = _money(amount)
    open_charges = list(reader_charges(reader).filter(status=ChargeStatus.OPEN).order_by("pk"))
    chosen = _charges_for(open_charges, paid, charge_id)
    with transaction.atomic():
        return [
            charge_settle(charge=c, status=ChargeStatus.PAID, actor=actor, note="paid at a kiosk")
            for c in chosen
        ]


def _money(amount: str) -> Decimal:
    try:
        value = Decimal((amount or "").strip())
    except InvalidOperation:
        value = Decimal(-1)
    if not value.is_finite() or value <= 0 or value != value.quantize(Decimal("0.01")):
        raise InvalidCharge(_("The amount paid is not a sum of money."))
    return value


def _charges_for(charges: list[Charge], paid: Decimal, charge_id: int | None) -> list[Charge]:
    if charge_id is not None:
        chosen = [c for c in charges if c.pk == charge_id]
    else:
        chosen = next(([c] for c in charges if c.amount == paid), None) or (
            charges if sum((c.amount for c in charges), Decimal(0)) == paid else []
        )
    if not chosen or sum((c.amount for c in chosen), Decimal(0)) != paid:
        raise InvalidCharge(_("Pay exactly one charge, or everything owed: nothing was taken."))
    return chosen
