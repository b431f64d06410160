"""Items (copies): added to a record, then moved through the item state machine."""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from libcity.catalogue import indexing, policies, states
from libcity.catalogue.exceptions import BarcodeTaken, InvalidItem, TransitionNotAllowed
from libcity.catalogue.models import Item, ItemHistory, ItemStatus, ItemType, Record
from libcity.core import clock
from libcity.network.models import Unit
from libcity.staff.selectors import Actor


def item_add(
    *, record: Record, barcode: str, owner: Unit, call_number: str = "",
    item_type: str = ItemType.BOOK, price: Decimal | None = None,
    status: str = policies.NEW_ITEM_STATUS, actor: Actor = None,
) -> Item:  # fmt: skip
    """A new copy of ``record`` owned by (and standing at) ``owner``."""
    barcode = (barcode or "").strip()
    _check_item(barcode, item_type, price, status)
    try:
        with transaction.atomic():
            item = Item.objects.create(
                record=record, barcode=barcode, owner=owner, location=owner,
                call_number=call_number.strip()[:100], item_type=item_type, price=price,
                status=status, status_changed_at=clock.now(),
            )  # fmt: skip
            _history(item, "item_added", "", status, owner, actor)
            indexing.records_changed([record.pk])
    except IntegrityError:
        raise BarcodeTaken(_("The barcode %(b)s is already in use.") % {"b": barcode}) from None
    return item


def item_transition(
    *, item: Item, to_status: str, actor: Actor = None, location: Unit | None = None,
    reason: str = "",
) -> Item:  # fmt: skip
    """Move ``item`` to ``to_status`` (and to ``location``, when it moved) if the state
    machine allows it; the one place an item's status changes. The same status at another
    location is a move (a floating copy returned elsewhere), always allowed."""
    with transaction.atomic():
        locked = Item.objects.select_for_update().get(pk=item.pk)
        moved_only = to_status == locked.status and _elsewhere(location, locked)
        if not moved_only and not states.can_move(locked.status, to_status):
            raise TransitionNotAllowed(
                _("A copy that is %(now)s cannot become %(next)s.")
                % {"now": locked.get_status_display(), "next": ItemStatus(to_status).label}
            )
        where = location or locked.location
        Item.objects.filter(pk=item.pk).update(
            status=to_status, location=where, status_changed_at=clock.now()
        )
        _history(locked, "item_status_changed", locked.status, to_status, where, actor,
                 reason=reason)  # fmt: skip
        indexing.records_changed([locked.record_id])
    item.refresh_from_db()
    return item


def _elsewhere(location: Unit | None, item: Item) -> bool:
    return location is not None and location.pk != item.location_id


def item_mark(*, item: Item, status: str, actor: Actor, reason: str = "") -> Item:
    """A cataloguer's change of status (missing, withdrawn, back on the shelf...)."""
    if status not in policies.STAFF_SETTABLE_STATUSES:
        raise InvalidItem(_("This status is set by circulation, not by hand."))
    return item_transition(item=item, to_status=status, actor=actor, reason=reason)


def _check_item(barcode: str, item_type: str, price, status: str) -> None:
    if not policies.BARCODE.fullmatch(barcode):
        raise InvalidItem(_("A barcode is 4 to 40 letters, digits or - . / _ characters."))
    if item_type not in ItemType.values:
        raise InvalidItem(_("Unknown item type: %(t)s") % {"t": item_type})
    if status not in ItemStatus.values:
        raise InvalidItem(_("Unknown status: %(s)s") % {"s": status})
    if price is not None and price < 0:
        raise InvalidItem(_("A price cannot be negative."))


def _history(item: Item, action: str, old: str, new: str, unit: Unit, actor: Actor, **details):
    who = actor if actor is not None and actor.is_authenticated else None
    ItemHistory.objects.create(
        item=item,
        action=action,
        from_status=old,
        to_status=new,
        unit=unit,
        actor=who,
        details={"barcode": item.barcode, **details},
    )
