"""Items (copies): added to a record, then moved through the item state machine."""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from libcity.catalogue import indexing, policies, states
from libcity.catalogue.exceptions import BarcodeTaken, InvalidItem, TransitionNotAllowed
from libcity.catalogue.models import Item, ItemHistory, ItemStatus, ItemType, Record
from libcity.catalogue.services.checks import unstorable_text
from libcity.core import clock
from libcity.network.models import Unit
from libcity.staff.selectors import Actor

#: A price must fit the price column (10 digits, 2 of them after the point).
_PRICE_LIMIT = Decimal("100000000")
_ITEM_TYPES, _STATUSES = frozenset(ItemType.values), frozenset(ItemStatus.values)


def item_add(
    *, record: Record, barcode: str, owner: Unit, call_number: str = "",
    item_type: str = ItemType.BOOK, price: Decimal | None = None,
    status: str = policies.NEW_ITEM_STATUS, actor: Actor = None,
) -> Item:  # fmt: skip
    """A new copy of ``record`` owned by (and standing at) ``owner``."""
    barcode = (barcode or "").strip()
    item_check(barcode=barcode, item_type=item_type, price=price, status=status,
               call_number=call_number)  # fmt: skip
    try:
        with transaction.atomic():
            item = Item(record=record, **item_columns(
                barcode=barcode, owner_id=owner.pk, call_number=call_number,
                item_type=item_type, price=price, status=status))  # fmt: skip
            item.save(force_insert=True)
            _history(item, "item_added", "", status, owner, actor)
            indexing.records_changed([record.pk])
    except IntegrityError:
        raise barcode_taken(barcode) from None
    return item


def item_transition(
    *, item: Item, to_status: str, actor: Actor = None, location: Unit | None = None,
    reason: str = "", locked: bool = False,
) -> Item:  # fmt: skip
    """Move ``item`` to ``to_status`` (and to ``location``, when it moved) if the state
    machine allows it; the one place an item's status changes. The same status at another
    location is a move (a floating copy returned elsewhere), always allowed.

    ``locked``: the caller holds the copy's row lock in its open transaction and ``item``
    was read under it (a loan's checkout or return): the copy is neither locked and read
    again nor re-read after the change; ``item`` is updated in place."""
    if locked:
        return _transition(item, item, to_status, actor, location, reason)
    with transaction.atomic():
        held = Item.objects.select_for_update().get(pk=item.pk)
        _transition(item, held, to_status, actor, location, reason)
    item.refresh_from_db()
    return item


def _transition(item: Item, locked: Item, to_status: str, actor: Actor, location: Unit | None,
                reason: str) -> Item:  # fmt: skip
    moved_only = to_status == locked.status and _elsewhere(location, locked)
    if not moved_only and not states.can_move(locked.status, to_status):
        raise TransitionNotAllowed(
            _("A copy that is %(now)s cannot become %(next)s.")
            % {"now": locked.get_status_display(), "next": ItemStatus(to_status).label}
        )
    where = location or locked.location
    moment = clock.now()
    Item.objects.filter(pk=item.pk).update(
        status=to_status, location=where, status_changed_at=moment
    )
    _history(locked, "item_status_changed", locked.status, to_status, where, actor,
             reason=reason)  # fmt: skip
    indexing.records_changed([locked.record_id])
    item.status, item.location, item.status_changed_at = to_status, where, moment
    return item


def _elsewhere(location: Unit | None, item: Item) -> bool:
    return location is not None and location.pk != item.location_id


def item_mark(*, item: Item, status: str, actor: Actor, reason: str = "") -> Item:
    """A cataloguer's change of status (missing, withdrawn, back on the shelf...)."""
    if status not in policies.STAFF_SETTABLE_STATUSES:
        raise InvalidItem(_("This status is set by circulation, not by hand."))
    return item_transition(item=item, to_status=status, actor=actor, reason=reason)


def item_check(*, barcode: str, item_type: str, price: Decimal | None, status: str,
               call_number: str = "") -> None:  # fmt: skip
    """What a new copy must be (``barcode`` already stripped); raises InvalidItem. Shared
    by ``item_add`` and the batch import, so both refuse the same copies."""
    if not policies.BARCODE.fullmatch(barcode):
        raise InvalidItem(_("A barcode is 4 to 40 letters, digits or - . / _ characters."))
    if item_type not in _ITEM_TYPES:
        raise InvalidItem(_("Unknown item type: %(t)s") % {"t": item_type})
    if status not in _STATUSES:
        raise InvalidItem(_("Unknown status: %(s)s") % {"s": status})
    if price is not None and price < 0:
        raise InvalidItem(_("A price cannot be negative."))
    if price is not None and price >= _PRICE_LIMIT:
        raise InvalidItem(_("A price of %(p)s does not fit (at most 99,999,999.99).")
                          % {"p": price})  # fmt: skip
    problem = unstorable_text({"call_number": call_number}, {})
    if problem:
        raise InvalidItem(problem)


def barcode_taken(barcode: str) -> BarcodeTaken:
    return BarcodeTaken(_("The barcode %(b)s is already in use.") % {"b": barcode})


def item_columns(*, barcode: str, owner_id: int, call_number: str, item_type: str,
                 price: Decimal | None, status: str) -> dict:  # fmt: skip
    """The columns of a new copy, standing where its owner is (``item_add`` and the batch
    import write the same)."""
    return {
        "barcode": barcode, "owner_id": owner_id, "location_id": owner_id,
        "call_number": call_number.strip()[:100], "item_type": item_type, "price": price,
        "status": status, "status_changed_at": clock.now(),
    }  # fmt: skip


def item_added_history(columns: dict, actor: Actor) -> dict:
    """The columns of the ``item_added`` history row of a new copy (from its columns)."""
    return history_columns("item_added", columns["barcode"], "", columns["status"],
                           columns["owner_id"], actor)  # fmt: skip


def history_columns(action: str, barcode: str, old: str, new: str, unit_id: int | None,
                    actor: Actor, **details) -> dict:  # fmt: skip
    who = actor if actor is not None and actor.is_authenticated else None
    return {
        "action": action, "from_status": old, "to_status": new, "unit_id": unit_id,
        "actor_id": who.pk if who is not None else None,
        "details": {"barcode": barcode, **details},
    }  # fmt: skip


def _history(item: Item, action: str, old: str, new: str, unit: Unit, actor: Actor, **details):
    ItemHistory.objects.create(
        item=item, **history_columns(action, item.barcode, old, new, unit.pk, actor, **details)
    )
