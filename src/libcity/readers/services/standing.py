"""Credit and deposit (信用借阅): good credit waives the deposit; low credit blocks the card."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from libcity.readers import policies
from libcity.readers.exceptions import InvalidReaderInput
from libcity.readers.models import BlockReason, DepositState, Reader
from libcity.readers.services.blocks import block_add, blocks_lift
from libcity.readers.services.rows import lock, write_history
from libcity.staff.selectors import Actor

_MONEY_LIMIT = Decimal("1000000")


def reader_adjust_credit(*, reader: Reader, delta: int, reason: str, actor: Actor) -> Reader:
    """Move the credit score (kept within the policy's bounds). Below the threshold a CREDIT
    block is set and a waived deposit becomes NONE; back above, both are undone."""
    reason = _credit_change_checked(delta, reason)
    with transaction.atomic():
        _adjust_credit(lock(reader), delta, reason, actor)
    reader.refresh_from_db()
    return reader


def reader_adjust_credit_locked(*, reader: Reader, delta: int, reason: str, actor: Actor) -> None:
    """``reader_adjust_credit`` for a caller that already holds the reader's row lock in its
    open transaction and read the row under it (a loan's return): the change is made on that
    object, without reading the row again. Call it inside that transaction."""
    _adjust_credit(reader, delta, _credit_change_checked(delta, reason), actor)


def _credit_change_checked(delta: int, reason: str) -> str:
    if isinstance(delta, bool) or not isinstance(delta, int):
        raise InvalidReaderInput(_("A credit change is a whole number."))
    reason = (reason or "").strip()
    if not reason:
        raise InvalidReaderInput(_("Say why the credit changes."))
    return reason


def _adjust_credit(locked: Reader, delta: int, reason: str, actor: Actor) -> None:
    before = locked.credit_score
    locked.credit_score = policies.credit_clamp(before + delta)
    if locked.credit_score != before:
        locked.save(update_fields=["credit_score"])
        write_history(locked, "credit_adjusted", actor, delta=delta, before=before,
                      after=locked.credit_score, reason=reason)  # fmt: skip
    _follow_credit(locked, actor, reason)


def _follow_credit(reader: Reader, actor: Actor, reason: str) -> None:
    if policies.credit_is_blocking(reader.credit_score):
        block_add(reader, BlockReason.CREDIT, actor, note=reason[:300])
    else:
        blocks_lift(reader, BlockReason.CREDIT, actor)
    state = policies.deposit_after_credit_change(reader.deposit_state, reader.credit_score)
    if state != reader.deposit_state:
        _change_deposit(reader, state, reader.deposit_amount, actor)


def reader_set_deposit(*, reader: Reader, state: str, amount: Decimal, actor: Actor) -> Reader:
    """Record a deposit paid, refunded (``amount``: the sum returned), waived or not taken."""
    amount = money(amount)
    _check_deposit(state, amount)
    with transaction.atomic():
        locked = lock(reader)
        if state == DepositState.WAIVED and policies.credit_is_blocking(locked.credit_score):
            raise InvalidReaderInput(_("The reader's credit is too low to waive the deposit."))
        if (locked.deposit_state, locked.deposit_amount) != (state, amount):
            _change_deposit(locked, state, amount, actor)
    reader.refresh_from_db()
    return reader


def registration_deposit(credit_score: int, amount) -> Decimal:
    """The deposit to record at registration: no money is taken when credit waives it."""
    amount = money(amount)
    state = policies.deposit_on_registration(credit_score, amount)
    if state == DepositState.WAIVED and amount > 0:
        raise InvalidReaderInput(
            _("A good credit standing waives the deposit: take no money for this card.")
        )
    return amount


def money(amount) -> Decimal:
    try:
        value = Decimal(str(amount)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise InvalidReaderInput(_("An amount of money is a number.")) from None
    if value < 0 or value >= _MONEY_LIMIT:
        raise InvalidReaderInput(_("An amount of money is between 0 and 999999.99."))
    return value


def _check_deposit(state: str, amount: Decimal) -> None:
    if state not in DepositState.values:
        raise InvalidReaderInput(_("Unknown deposit state: %(state)s") % {"state": state})
    if state == DepositState.PAID and amount <= 0:
        raise InvalidReaderInput(_("A paid deposit has an amount."))
    if state in (DepositState.NONE, DepositState.WAIVED) and amount != 0:
        raise InvalidReaderInput(_("No money is held when there is no deposit."))


def _change_deposit(reader: Reader, state: str, amount: Decimal, actor: Actor) -> None:
    before = reader.deposit_state
    reader.deposit_state = state
    reader.deposit_amount = amount
    reader.save(update_fields=["deposit_state", "deposit_amount"])
    write_history(
        reader, "deposit_changed", actor, before=str(before), after=str(state), amount=str(amount)
    )
