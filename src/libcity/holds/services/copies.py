"""A copy meets a hold: caught when it comes back (``hold_trap``, which also serves a copy
picked from the shelf for its hold), arriving at the pickup point (``hold_arrived``),
collected (``hold_collect``), or lent from the shelf to someone else before it was picked
(``hold_after_checkout``).

These decide where the copy goes and move the hold; a copy that must travel is left for
``logistics`` to send (it records the transit), so a hold's trip and a return's trip are one
kind of transit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from libcity.catalogue.models import Item, ItemStatus
from libcity.catalogue.services import item_transition
from libcity.circulation.models import Loan
from libcity.circulation.policies import RuleBook
from libcity.circulation.services import loan_checkout
from libcity.core import clock
from libcity.holds.exceptions import HoldNotAllowed, OnHoldForAnother
from libcity.holds.models import Hold, HoldStatus
from libcity.holds.policies import LOCAL_FIRST, hold_policy, unit_has_slots
from libcity.holds.services.moves import hold_move
from libcity.holds.services.placing import copy_may_serve
from libcity.holds.services.slots import slot_free_of, slot_give
from libcity.network.models import Unit
from libcity.readers.models import Reader
from libcity.readers.services.rows import lock as reader_lock
from libcity.staff.selectors import Actor

#: How many holds of a title's queue a returned copy looks at before giving up (holds it
#: cannot serve: another item type's rule, another requested copy).
QUEUE_LOOK = 200


@dataclass(frozen=True)
class Placement:
    """Where a copy goes for ``hold``: onto the hold shelf where it is (``shelf_here``), or
    in transit to ``destination``, the pickup point."""

    hold: Hold
    shelf_here: bool
    destination: Unit


def hold_trap(*, item: Item, unit: Unit, actor: Actor, locked: bool = False) -> Placement | None:
    """``item`` is at ``unit`` and nobody's (returned, back from a transit, freed from the
    hold shelf, or picked from the shelf for the hold it was chosen for): give it to the
    first hold in its title's queue it can serve. None when no hold wants it. ``locked``:
    the caller holds the copy's row lock in this transaction and passes it fresh."""
    with transaction.atomic():
        if not locked:
            item = (
                Item.objects.select_for_update(of=("self",))
                .select_related("record")
                .get(pk=item.pk)
            )
        for hold in _queue(item, unit):
            locked_hold = _lock_waiting(hold.pk)
            if locked_hold is not None:
                return _serve(locked_hold, item, unit, actor)
    return None


def _queue(item: Item, unit: Unit) -> list[Hold]:
    """The holds this copy could serve, best first: the hold it was chosen for; then the
    holds still waiting for a copy, in queue order (``local_first``: those collected here
    first); then holds with a copy chosen elsewhere that are collected here (this copy
    saves that trip)."""
    wanted = Q(requested_item__isnull=True) | Q(requested_item=item)
    rows = (
        Hold.objects.filter(wanted, record_id=item.record_id,
                            status__in=(HoldStatus.PLACED, HoldStatus.TARGETED))
        .select_related("reader", "pickup_unit")
        .order_by("placed_at", "pk")[:QUEUE_LOOK]
    )  # fmt: skip
    local_first = hold_policy().queue_order == LOCAL_FIRST
    book = RuleBook() if rows else None
    ranked = []
    for hold in rows:
        mine = hold.copy_id == item.pk
        here = hold.pickup_unit_id == unit.pk
        if hold.status == HoldStatus.TARGETED and not (mine or here):
            continue
        if not mine and not copy_may_serve(hold.pickup_unit, hold.reader.category_id,
                                           item.item_type, book):  # fmt: skip
            continue
        waiting = hold.status == HoldStatus.PLACED
        ranked.append(((not mine, not waiting, local_first and not here), hold))
    ranked.sort(key=lambda pair: pair[0])  # stable: queue order within each rank
    return [hold for _key, hold in ranked]


def _lock_waiting(hold_id: int) -> Hold | None:
    """The hold under its row lock, if it still waits (a cancel may have won the race)."""
    locked = Hold.objects.select_for_update(of=("self",)).select_related(
        "reader", "record", "pickup_unit"
    )
    hold = locked.filter(pk=hold_id).first()
    waiting = (HoldStatus.PLACED, HoldStatus.TARGETED)
    return hold if hold is not None and hold.status in waiting else None


def _serve(hold: Hold, item: Item, unit: Unit, actor: Actor) -> Placement:
    """Give ``item`` to ``hold``: on the hold shelf when it is at the pickup point, else on
    its way there (``logistics`` sends it)."""
    hold.copy, hold.copy_chosen_at = item, clock.now()
    fields = ("copy", "copy_chosen_at")
    if hold.pickup_unit_id == unit.pk:
        _onto_hold_shelf(item, unit, actor)
        _ready(hold, unit, actor, fields)
        return Placement(hold=hold, shelf_here=True, destination=unit)
    hold_move(hold, HoldStatus.IN_TRANSIT, unit=unit, actor=actor, fields=fields,
              barcode=item.barcode, to=hold.pickup_unit.code)  # fmt: skip
    return Placement(hold=hold, shelf_here=False, destination=hold.pickup_unit)


def _onto_hold_shelf(item: Item, unit: Unit, actor: Actor) -> None:
    if item.status == ItemStatus.ON_HOLD_SHELF and item.location_id == unit.pk:
        return  # freed from the hold shelf for the next reader here: it stays put
    item_transition(item=item, to_status=ItemStatus.ON_HOLD_SHELF, actor=actor, location=unit,
                    reason="hold")  # fmt: skip


def _ready(hold: Hold, unit: Unit, actor: Actor, fields: tuple[str, ...] = ()) -> None:
    """On the hold shelf: at a locker, in a free slot with a fresh pickup code (told only in
    the notice), or waiting for a slot when every one is in use."""
    today = clock.today()
    hold.ready_at = clock.now()
    hold.shelf_until = today + dt.timedelta(days=hold_policy().shelf_days)
    told = slot_give(hold=hold, actor=actor) if unit_has_slots(unit) else None
    hold_move(hold, HoldStatus.READY, unit=unit, actor=actor,
              fields=(*fields, "ready_at", "shelf_until"), told=told, barcode=hold.copy.barcode,
              shelf_until=hold.shelf_until.isoformat())  # fmt: skip


def hold_arrived(*, item: Item, unit: Unit, actor: Actor) -> Placement | None:
    """A copy travelling for a hold reached ``unit``: onto the hold shelf when this is the
    pickup point; when it is not (a wrong turn), where it must go on. None when no hold
    waits for it any more (cancelled on the way): the caller routes it."""
    with transaction.atomic():
        hold = (
            Hold.objects.select_for_update(of=("self",))
            .select_related("reader", "record", "pickup_unit", "copy")
            .filter(copy=item, status=HoldStatus.IN_TRANSIT)
            .first()
        )
        if hold is None:
            return None
        if hold.pickup_unit_id != unit.pk:
            return Placement(hold=hold, shelf_here=False, destination=hold.pickup_unit)
        _onto_hold_shelf(hold.copy, unit, actor)
        _ready(hold, unit, actor)
    return Placement(hold=hold, shelf_here=True, destination=unit)


def hold_collect(*, item: Item, reader: Reader, unit: Unit, actor: Actor) -> Loan:
    """The reader takes the copy waiting for them on the hold shelf: a loan under every
    checkout rule, and the hold is collected."""
    with transaction.atomic():
        reader = reader_lock(reader)
        hold = (
            Hold.objects.select_for_update(of=("self",))
            .select_related("pickup_unit", "reader", "record")
            .filter(copy=item, status=HoldStatus.READY)
            .first()
        )
        _check_collector(hold, reader, unit)
        item_transition(item=item, to_status=ItemStatus.AVAILABLE, actor=actor, location=unit,
                        reason="hold_collected")  # fmt: skip
        loan = loan_checkout(item=item, reader=reader, unit=unit, actor=actor)
        hold.loan = loan
        slot = slot_free_of(hold=hold, actor=actor)
        hold_move(hold, HoldStatus.COLLECTED, unit=unit, actor=actor, fields=("loan",),
                  barcode=item.barcode, **({"slot": slot} if slot else {}))  # fmt: skip
    return loan


def _check_collector(hold: Hold | None, reader: Reader, unit: Unit) -> None:
    if hold is None:
        raise HoldNotAllowed(_("This copy is on the hold shelf but no hold waits for it; "
                               "return it first."))  # fmt: skip
    if hold.reader_id != reader.pk:
        raise OnHoldForAnother(_("This copy waits on the hold shelf for another reader."))
    if hold.pickup_unit_id != unit.pk:
        raise HoldNotAllowed(_("This hold is to be collected at %(unit)s.")
                             % {"unit": hold.pickup_unit.name()})  # fmt: skip


def hold_after_checkout(*, loan: Loan, actor: Actor) -> list[Hold]:
    """A copy was lent from the shelf. The borrower's own hold on the title still waiting is
    met by this loan (collected); another reader's hold that had chosen this copy waits
    again, and another copy is chosen after commit. One statement when no hold is concerned."""
    item = loan.item
    mine = Q(reader_id=loan.reader_id, record_id=item.record_id,
             status__in=(HoldStatus.PLACED, HoldStatus.TARGETED))  # fmt: skip
    chosen = Q(copy=item, status=HoldStatus.TARGETED)
    with transaction.atomic():
        holds = list(Hold.objects.select_for_update(of=("self",))
                     .filter(mine | chosen).select_related("reader", "record"))  # fmt: skip
        for hold in holds:
            if hold.reader_id == loan.reader_id:
                _met(hold, loan, actor)
            else:
                _released(hold, item, actor)
    return holds


def _met(hold: Hold, loan: Loan, actor: Actor) -> None:
    hold.copy, hold.loan = loan.item, loan
    hold_move(hold, HoldStatus.COLLECTED, unit=loan.issued_at_unit, actor=actor,
              fields=("copy", "loan"), barcode=loan.item.barcode, met_from_shelf=True)  # fmt: skip


def _released(hold: Hold, item: Item, actor: Actor) -> None:
    hold.copy, hold.copy_chosen_at = None, None
    hold_move(hold, HoldStatus.PLACED, unit=None, actor=actor,
              fields=("copy", "copy_chosen_at"), released=item.barcode)  # fmt: skip
    record_id = hold.record_id
    transaction.on_commit(lambda: _target_soon(record_id))


def _target_soon(record_id: int) -> None:
    from libcity.holds.services.targeting import holds_target

    holds_target(record_ids=[record_id])
