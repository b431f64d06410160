"""Charges: overdue fines, lost and damaged copies, on the account of the owning library.

Open charges over ``FINES_BLOCK_LIMIT`` block the card (``fines_follow``); paying or waiving
lifts the block once the open sum is back under the limit. A settled charge keeps the reader
(it is an account entry) but drops the copy and the loan unless the reader keeps a reading
history.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from libcity.catalogue.models import Item
from libcity.circulation import policies
from libcity.circulation.exceptions import InvalidCharge
from libcity.circulation.models import Charge, ChargeKind, ChargeStatus, Loan
from libcity.circulation.policies import Terms
from libcity.circulation.services.history import circulation_history
from libcity.core import clock
from libcity.network.models import Unit
from libcity.readers.models import Reader
from libcity.readers.services import reader_block_follow
from libcity.readers.services.rows import lock as reader_lock
from libcity.staff.selectors import Actor

ZERO = Decimal("0.00")


def charge_overdue(*, loan: Loan, reader: Reader | None, terms: Terms, late: int,
                   actor: Actor) -> Decimal:  # fmt: skip
    """The fine for ``late`` days, if the terms fine at all (called by the return)."""
    fine = policies.overdue_fine(terms, late)
    if fine > 0 and reader is not None:
        _charge(reader, loan, loan.item, ChargeKind.OVERDUE, fine, actor,
                note=f"{late} days late")  # fmt: skip
    return fine


def charge_lost(*, loan: Loan, reader: Reader | None, item: Item, actor: Actor) -> Decimal:
    amount = policies.lost_item_charge(item)
    if reader is not None:
        _charge(reader, loan, item, ChargeKind.LOST, amount, actor)
    return amount


def charge_damage(*, item: Item, reader: Reader, amount, note: str, actor: Actor) -> Charge:
    """A copy came back damaged: charge the reader, for the library that owns it."""
    amount = _money(amount)
    note = (note or "").strip()
    if not note:
        raise InvalidCharge(_("Say what the damage is."))
    with transaction.atomic():
        locked = reader_lock(reader)
        charge = _charge(locked, None, item, ChargeKind.DAMAGE, amount, actor, note=note[:300])
    return charge


def charge_fee(*, reader: Reader, kind: str, amount, account: Unit, note: str,
               actor: Actor) -> Charge:  # fmt: skip
    """A service's fee (home delivery), owed to ``account``'s library."""
    amount = _money(amount)
    with transaction.atomic():
        locked = reader_lock(reader)
        charge = Charge.objects.create(reader=locked, kind=kind, amount=amount, account=account,
                                       created_at=clock.now(), note=note[:300])  # fmt: skip
        circulation_history("charge_added", actor, charge=charge.pk, kind=kind,
                            amount=str(amount), account=account.pk)  # fmt: skip
        fines_follow(locked, actor)
    return charge


def charge_settle(*, charge: Charge, status: str, actor: Actor, note: str = "") -> Charge:
    """Record a charge paid or waived."""
    if status not in (ChargeStatus.PAID, ChargeStatus.WAIVED):
        raise InvalidCharge(_("A charge is settled as paid or waived."))
    with transaction.atomic():
        reader = reader_lock(charge.reader)
        locked = Charge.objects.select_for_update().get(pk=charge.pk)
        if locked.status != ChargeStatus.OPEN:
            raise InvalidCharge(_("This charge is already settled."))
        locked.status, locked.settled_at = status, clock.now()
        if not reader.keeps_reading_history:
            locked.loan, locked.item = None, None  # the account entry stays; the book goes
        locked.save(update_fields=["status", "settled_at", "loan", "item"])
        circulation_history(f"charge_{status}", actor, charge=locked.pk, amount=str(locked.amount),
                 note=(note or "")[:300])  # fmt: skip
        fines_follow(reader, actor)
    return locked


def open_charges_total(reader: Reader) -> Decimal:
    total = Charge.objects.filter(reader=reader, status=ChargeStatus.OPEN).aggregate(
        total=Sum("amount")
    )["total"]
    return total or ZERO


def fines_follow(reader: Reader, actor: Actor) -> None:
    """Block the card while open charges exceed the limit; lift it once they do not."""
    total = open_charges_total(reader)
    reader_block_follow(reader=reader, reason="fines", actor=actor,
                        in_force=total > policies.FINES_BLOCK_LIMIT,
                        note=f"{total} open")  # fmt: skip


def _charge(reader: Reader, loan: Loan | None, item: Item, kind: str, amount: Decimal,
            actor: Actor, note: str = "") -> Charge:  # fmt: skip
    charge = Charge.objects.create(
        reader=reader, loan=loan, item=item, account_id=item.owner_id, kind=kind,
        amount=amount, created_at=clock.now(), note=note,
    )  # fmt: skip
    circulation_history("charge_added", actor, charge=charge.pk, kind=kind, amount=str(amount),
             account=item.owner_id)  # fmt: skip
    fines_follow(reader, actor)
    return charge


def _money(amount) -> Decimal:
    try:
        value = Decimal(str(amount)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise InvalidCharge(_("An amount is a number of yuan, such as 12.50.")) from None
    if value <= 0 or value >= Decimal("100000"):
        raise InvalidCharge(_("An amount is more than 0 and less than 100,000 yuan."))
    return value
