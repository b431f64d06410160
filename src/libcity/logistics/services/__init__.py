"""Writes of logistics. ``actor=None`` is the system (the worker, the demo loader)."""

from libcity.logistics.services.daily import LogisticsReport, logistics_daily
from libcity.logistics.services.dispatch import (
    HOLD_SHELF,
    SHELVE,
    TRANSIT,
    Dispatch,
    copy_dispatch,
    copy_on_hold_shelf,
    copy_pick,
    copy_route,
    transit_receive,
)
from libcity.logistics.services.lockers import locker_slot_empty
from libcity.logistics.services.transits import (
    transit_move,
    transit_send,
    transits_pack,
    transits_ship,
)

__all__ = [
    "HOLD_SHELF",
    "SHELVE",
    "TRANSIT",
    "Dispatch",
    "LogisticsReport",
    "copy_dispatch",
    "copy_on_hold_shelf",
    "copy_pick",
    "copy_route",
    "locker_slot_empty",
    "logistics_daily",
    "transit_move",
    "transit_receive",
    "transit_send",
    "transits_pack",
    "transits_ship",
]
