"""A reader places a hold, or cancels one."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from libcity.catalogue.models import Item, ItemStatus, Record
from libcity.circulation import policies as loan_policies
from libcity.circulation import states as loan_states
from libcity.circulation.exceptions import ReaderBlocked
from libcity.circulation.models import Loan
from libcity.core import clock
from libcity.holds.exceptions import (
    HoldExists,
    HoldLimitReached,
    HoldNotAllowed,
    InvalidPickup,
)
from libcity.holds.models import ACTIVE, Hold, HoldStatus
from libcity.holds.policies import hold_policy, unit_takes_pickups
from libcity.holds.services.moves import hold_history, hold_move
from libcity.holds.services.slots import slot_leave
from libcity.network.models import Unit
from libcity.readers.models import Reader
from libcity.readers.selectors import reader_can_borrow
from libcity.readers.services.rows import lock as reader_lock
from libcity.staff.selectors import Actor

#: Copies in these statuses will never serve a hold (until staff bring them back).
GONE = (ItemStatus.WITHDRAWN, ItemStatus.LOST)


def hold_place(
    *, reader: Reader, record: Record, pickup_unit: Unit, actor: Actor,
    item: Item | None = None, not_needed_after: dt.date | None = None,
    placed_at_unit: Unit | None = None, deliver_home: bool = False,
) -> Hold:  # fmt: skip
    """Put ``reader`` in the queue for ``record`` (or for the copy ``item`` only), to collect
    at ``pickup_unit``. A copy is chosen at once when one is on a shelf (after commit)."""
    _check_pickup(pickup_unit, deliver_home)
    if item is not None and item.record_id != record.pk:
        raise HoldNotAllowed(_("That copy is not a copy of this title."))
    if not_needed_after is not None and not_needed_after < clock.today():
        raise HoldNotAllowed(_("The date after which the hold is not needed has passed."))
    with transaction.atomic():
        reader = reader_lock(reader)
        _check_reader(reader)
        _check_not_borrowed(reader, record)
        _check_limit(reader, record)
        _check_some_copy_serves(reader, record, item, pickup_unit)
        hold = _create(reader, record, pickup_unit, item, not_needed_after, placed_at_unit,
                       deliver_home, actor)  # fmt: skip
        transaction.on_commit(lambda: _target_soon(record.pk))
    return hold


def _check_pickup(unit: Unit, deliver_home: bool) -> None:
    if deliver_home:
        return  # the delivery depot: chosen by the delivery order, not by the reader
    if not unit_takes_pickups(unit):
        raise InvalidPickup(_("%(unit)s does not keep holds for collection; choose another "
                              "place.") % {"unit": unit.name()})  # fmt: skip


def _check_reader(reader: Reader) -> None:
    if not reader_can_borrow(reader):
        raise ReaderBlocked(_("This card may not borrow now (blocked, expired or closed), "
                              "so it may not place holds."))  # fmt: skip


def _check_not_borrowed(reader: Reader, record: Record) -> None:
    running = Loan.objects.filter(reader=reader, item__record=record,
                                  status__in=loan_states.RUNNING)  # fmt: skip
    if running.exists():
        raise HoldNotAllowed(_("You have a copy of this title on loan already."))


def _check_limit(reader: Reader, record: Record) -> None:
    active = Hold.objects.filter(reader=reader, status__in=ACTIVE)
    if active.filter(record=record).exists():
        raise HoldExists(_("You have a hold on this title already."))
    limit = hold_policy().max_active_holds
    if active.count() >= limit:
        raise HoldLimitReached(_("You have %(n)d holds, the most allowed.") % {"n": limit},
                               limit=limit)  # fmt: skip


def _check_some_copy_serves(reader: Reader, record: Record, item: Item | None,
                            pickup: Unit) -> None:  # fmt: skip
    """Some copy (not withdrawn or lost) may be lent to this reader at the pickup point."""
    copies = Item.objects.filter(pk=item.pk) if item is not None else record.items.all()
    types = set(copies.exclude(status__in=GONE).values_list("item_type", flat=True))
    if not any(copy_may_serve(pickup, reader.category_id, t) for t in types):
        raise HoldNotAllowed(_("No copy of this title can be lent to you at %(unit)s.")
                             % {"unit": pickup.name()})  # fmt: skip


def copy_may_serve(pickup: Unit, category_id: int | None, item_type: str,
                   book: loan_policies.RuleBook | None = None) -> bool:  # fmt: skip
    """The circulation rule at the pickup point lends this item type to this category
    (``book``: the rules read once, for many questions)."""
    if book is not None:
        return book.loanable(unit=pickup, category_id=category_id, item_type=item_type)
    return loan_policies.rule_for(unit=pickup, category_id=category_id,
                                  item_type=item_type).terms.loanable  # fmt: skip


def _create(reader, record, pickup, item, not_needed_after, placed_at_unit, deliver_home,
            actor) -> Hold:  # fmt: skip
    hold = Hold(reader=reader, reader_category=reader.category.code,
                reader_home_unit_id=reader.home_unit_id, record=record, requested_item=item,
                pickup_unit=pickup, deliver_home=deliver_home, status=HoldStatus.PLACED,
                placed_at=clock.now(), placed_at_unit=placed_at_unit,
                not_needed_after=not_needed_after)  # fmt: skip
    try:
        with transaction.atomic():
            hold.save(force_insert=True)
    except IntegrityError:
        raise HoldExists(_("You have a hold on this title already.")) from None
    hold_history(hold, "", unit=placed_at_unit, actor=actor, pickup=pickup.code,
                 item=item.barcode if item is not None else "")  # fmt: skip
    return hold


def _target_soon(record_id: int) -> None:
    from libcity.holds.services.targeting import holds_target

    holds_target(record_ids=[record_id])


@dataclass(frozen=True)
class Freed:
    """A copy a hold no longer needs, where it is: the caller routes it on (the next hold,
    or home)."""

    item: Item
    unit: Unit


def hold_cancel(*, hold: Hold, actor: Actor, reason: str = "") -> Freed | None:
    """End the hold. A copy waiting on the hold shelf for it is freed (returned for the
    caller to route), unless it is locked in a locker slot (staff empty it); one on its way
    keeps going and is dealt with where it arrives."""
    with transaction.atomic():
        locked = (
            Hold.objects.select_for_update(of=("self",))
            .select_related("copy", "reader")
            .get(pk=hold.pk)
        )
        was_ready, copy = locked.status == HoldStatus.READY, locked.copy
        in_slot = was_ready and slot_leave(hold=locked, actor=actor)
        hold_move(locked, HoldStatus.CANCELLED, unit=None, actor=actor, reason=reason)
    if was_ready and copy is not None and not in_slot:
        return Freed(item=copy, unit=Unit.objects.get(pk=copy.location_id))
    return None
