"""Reads of holds: a reader's holds and their place in the queue, a unit's hold shelf, a
title's queue, and the one access check the API and the pages share."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from libcity.catalogue.models import Record, record_unread
from libcity.holds.exceptions import HoldNotFound
from libcity.holds.models import ACTIVE, Hold, HoldStatus, LockerSlot
from libcity.holds.policies import SLOT_KINDS, unit_has_slots, unit_takes_pickups
from libcity.network.models import Unit
from libcity.readers.models import Reader
from libcity.readers.selectors import reader_of_user
from libcity.staff.exceptions import NOT_ALLOWED_MESSAGE, NotAllowed
from libcity.staff.policies import CIRCULATION_LEND, SELFSERVICE_MANAGE, SELFSERVICE_USE
from libcity.staff.selectors import (
    Actor,
    access_unit,
    has_any_scope,
    has_permission,
    units_in_scope,
)

_WAITING = (HoldStatus.PLACED, HoldStatus.TARGETED)


def reader_holds(reader: Reader) -> list[Hold]:
    """The reader's active holds, oldest first, each with ``queue_position`` (1 = next to
    be served; None once a copy is on its way or ready)."""
    holds = list(
        Hold.objects.filter(reader=reader, status__in=ACTIVE)
        .select_related("record", "pickup_unit", "copy", "locker_slot")
        .defer(*record_unread("record"))
        .order_by("placed_at", "pk")
    )
    for hold in holds:
        hold.queue_position = queue_position(hold) if hold.status in _WAITING else None
    return holds


def queue_position(hold: Hold) -> int:
    """1 + the holds on the same title still waiting that were placed before this one."""
    before = Q(placed_at__lt=hold.placed_at) | Q(placed_at=hold.placed_at, pk__lt=hold.pk)
    ahead = Hold.objects.filter(before, record_id=hold.record_id, status__in=_WAITING)
    return ahead.count() + 1


def record_queue(record: Record) -> QuerySet[Hold]:
    """The title's active holds in queue order (staff)."""
    return (
        Hold.objects.filter(record=record, status__in=ACTIVE)
        .select_related("pickup_unit", "copy")
        .order_by("placed_at", "pk")
    )


def record_waiting_counts(record_ids: list[int]) -> dict[int, int]:
    """How many holds wait on each title (for the catalogue: "3 readers waiting")."""
    rows = (Hold.objects.filter(record_id__in=record_ids, status__in=_WAITING)
            .values("record_id").annotate(n=Count("pk")))  # fmt: skip
    return {row["record_id"]: row["n"] for row in rows}


def hold_shelf(unit: Unit) -> QuerySet[Hold]:
    """The copies waiting on ``unit``'s hold shelf, the first to expire first."""
    return (
        Hold.objects.filter(pickup_unit=unit, status=HoldStatus.READY)
        .select_related("record", "copy", "reader")
        .order_by("shelf_until", "pk")
    )


def access_hold(actor: Actor, hold_id: int) -> Hold:
    """The hold if ``actor`` is its reader, or staff who lend somewhere; one error else."""
    hold = (Hold.objects.select_related("record", "pickup_unit", "copy", "reader")
            .filter(pk=hold_id).first())  # fmt: skip
    if hold is None or not _may_see(actor, hold):
        raise HoldNotFound(_("No such hold."))
    return hold


def _may_see(actor: Actor, hold: Hold) -> bool:
    if actor is None or not actor.is_authenticated:
        return False
    own = reader_of_user(actor)
    if own is not None and hold.reader_id == own.pk:
        return True
    return has_any_scope(actor, CIRCULATION_LEND)


def pickup_points() -> list[Unit]:
    """The units where a reader may collect a hold, in tree order."""
    return [
        u for u in Unit.objects.filter(is_active=True).order_by("path") if unit_takes_pickups(u)
    ]


# --- lockers ---------------------------------------------------------------------------------

#: Who may see a locker's slots: its controller (a machine) and the staff who run it.
LOCKER_PERMISSIONS = (SELFSERVICE_USE, SELFSERVICE_MANAGE)


def access_locker(actor: Actor, unit_code: str,
                  permissions: tuple[str, ...] = LOCKER_PERMISSIONS) -> Unit:  # fmt: skip
    """The locker with ``unit_code`` if ``actor`` holds one of ``permissions`` there; one
    "not found or not allowed" error else (also for a unit that is not a locker)."""
    code = (unit_code or "").strip()
    for permission in permissions:
        try:
            unit = access_unit(actor, code, permission)
        except NotAllowed:
            continue
        if unit_has_slots(unit):
            return unit
        break
    raise NotAllowed(NOT_ALLOWED_MESSAGE)


def access_locker_hold(actor: Actor, hold_id: int) -> Hold:
    """A hold ready at a locker, if ``actor`` is its reader or runs that locker; one error
    else (a new code goes to the reader only, but either may ask for it)."""
    hold = (Hold.objects.select_related("pickup_unit", "record")
            .filter(pk=hold_id, pickup_unit__kind__in=SLOT_KINDS).first())  # fmt: skip
    own = reader_of_user(actor) if actor is not None and actor.is_authenticated else None
    mine = hold is not None and own is not None and hold.reader_id == own.pk
    if hold is None or not (mine or has_permission(actor, SELFSERVICE_MANAGE, hold.pickup_unit)):
        raise HoldNotFound(_("No such hold."))
    return hold


def locker_units(actor: Actor) -> QuerySet[Unit]:
    """The lockers ``actor`` runs (``selfservice.manage``), in tree order."""
    return units_in_scope(actor, SELFSERVICE_MANAGE).filter(kind__in=SLOT_KINDS).order_by("path")


def locker_slots(unit: Unit) -> list[LockerSlot]:
    """The locker's slots by number, with what each holds (never a code)."""
    return list(LockerSlot.objects.filter(unit=unit)
                .select_related("hold__record", "hold__copy").order_by("number"))  # fmt: skip


def locker_waiting(unit: Unit) -> list[Hold]:
    """Holds ready at the locker still waiting for a free slot, the first ready first."""
    return list(Hold.objects.filter(pickup_unit=unit, status=HoldStatus.READY,
                                    locker_slot__isnull=True)
                .select_related("record", "copy").order_by("ready_at", "pk"))  # fmt: skip
