"""Hold rules a library may set differently.

Whether a copy may serve a hold is the circulation rule's answer (``loanable`` for the
reader's category and the copy's item type at the pickup point: the loan will be made there).
The numbers below are the defaults; ``settings.LIBCITY_HOLD_POLICY`` (a dict of the field
names of :class:`HoldPolicy`) overrides them, e.g. ``{"queue_order": "local_first"}``.

**Queue order.** ``first_come``: the hold placed first is served first. ``local_first``: a
copy serves first the holds to be collected where it is (then, among them and among the
others, first come first served), so a copy returned at a branch stays for that branch's
readers before travelling for someone else's.

**Targeting** (which copy on a shelf serves a waiting hold) scores each available copy by
what moving it to the pickup point costs (``network.selectors.transport_cost``: yuan per
crate; nothing when it is there already) plus ``last_copy_penalty`` when it is the last copy
of the title on its unit's shelves (so a unit keeps one copy for its own readers when another
unit has two), and takes the cheapest; a unit closed today cannot pull a copy, and is skipped.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from libcity.network.models import Unit, UnitKind

FIRST_COME, LOCAL_FIRST = "first_come", "local_first"
QUEUE_ORDERS = (FIRST_COME, LOCAL_FIRST)
NEAREST, OWNER_FIRST = "nearest", "owner_first"
TARGETINGS = (NEAREST, OWNER_FIRST)


@dataclass(frozen=True)
class HoldPolicy:
    #: Holds a reader may have waiting or ready at once.
    max_active_holds: int = 10
    #: Days a copy waits on the hold shelf before the next reader gets it.
    shelf_days: int = 7
    #: ``first_come`` or ``local_first`` (above).
    queue_order: str = FIRST_COME
    #: Yuan added to a copy's score when it is the last of its title on its unit's shelves.
    last_copy_penalty: Decimal = Decimal("20.00")
    #: Kinds of unit where a reader may collect a hold.
    pickup_kinds: tuple[str, ...] = (UnitKind.LIBRARY, UnitKind.STUDY_ROOM_24H, UnitKind.LOCKER)
    #: Days a transit may take before it is flagged overdue.
    transit_days: int = 3
    #: ``nearest`` (the cheapest copy to move) or ``owner_first`` (copies owned by the pickup
    #: point or a library above it first, the cheapest among them; then the cheapest).
    targeting: str = NEAREST
    #: Wrong pickup codes typed at one locker within ``locker_lockout_minutes`` that close
    #: it to every code until the window has passed (so six digits cannot be tried through).
    locker_lockout_codes: int = 10
    locker_lockout_minutes: int = 10


def hold_policy() -> HoldPolicy:
    """The defaults with ``settings.LIBCITY_HOLD_POLICY`` applied."""
    overrides = dict(getattr(settings, "LIBCITY_HOLD_POLICY", {}) or {})
    if "last_copy_penalty" in overrides:
        overrides["last_copy_penalty"] = Decimal(str(overrides["last_copy_penalty"]))
    if "pickup_kinds" in overrides:
        overrides["pickup_kinds"] = tuple(overrides["pickup_kinds"])
    policy = dataclasses.replace(HoldPolicy(), **overrides)
    if policy.queue_order not in QUEUE_ORDERS:
        raise ValueError(f"LIBCITY_HOLD_POLICY queue_order must be one of {QUEUE_ORDERS}")
    if policy.targeting not in TARGETINGS:
        raise ValueError(f"LIBCITY_HOLD_POLICY targeting must be one of {TARGETINGS}")
    return policy


def copy_rank(*, cost: Decimal, last_on_shelf: bool, at_pickup: bool, owned_there: bool,
              copy_id: int, policy: HoldPolicy) -> tuple:  # fmt: skip
    """How good a copy on a shelf is for a hold, lowest best (module docstring): ``cost`` to
    move it to the pickup point, ``last_on_shelf`` of its title at its unit, ``owned_there``
    by the pickup point or a library above it. The targeting and the simulation both rank
    copies by it."""
    score = cost if at_pickup or not last_on_shelf else cost + policy.last_copy_penalty
    return (policy.targeting == OWNER_FIRST and not owned_there, score, copy_id)


#: Kinds of unit whose hold shelf is a set of numbered slots opened by a pickup code.
SLOT_KINDS = (UnitKind.LOCKER,)


def unit_has_slots(unit: Unit) -> bool:
    """Is ``unit``'s hold shelf a locker's slots (a hold ready there needs a slot and a code)?"""
    return unit.kind in SLOT_KINDS


def unit_takes_pickups(unit: Unit) -> bool:
    """May a reader collect a hold at ``unit``?"""
    return unit.is_active and unit.kind in hold_policy().pickup_kinds
