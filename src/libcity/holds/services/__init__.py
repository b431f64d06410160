"""Writes of holds. ``actor=None`` is the system (the worker, targeting, the demo loader)."""

from libcity.holds.services.copies import (
    Placement,
    hold_after_checkout,
    hold_arrived,
    hold_collect,
    hold_trap,
)
from libcity.holds.services.daily import ExpiryReport, holds_daily, holds_expire
from libcity.holds.services.lockers import (
    Opened,
    locker_code_renew,
    locker_open,
    locker_slot_release,
    locker_slots_set,
    locker_waiting_fill,
)
from libcity.holds.services.moves import hold_move, hold_notify
from libcity.holds.services.placing import Freed, copy_may_serve, hold_cancel, hold_place
from libcity.holds.services.targeting import TargetingReport, holds_release_gone, holds_target

__all__ = [
    "ExpiryReport",
    "Freed",
    "Opened",
    "Placement",
    "TargetingReport",
    "copy_may_serve",
    "hold_after_checkout",
    "hold_arrived",
    "hold_cancel",
    "hold_collect",
    "hold_move",
    "hold_notify",
    "hold_place",
    "hold_trap",
    "holds_daily",
    "holds_expire",
    "holds_release_gone",
    "holds_target",
    "locker_code_renew",
    "locker_open",
    "locker_slot_release",
    "locker_slots_set",
    "locker_waiting_fill",
]
