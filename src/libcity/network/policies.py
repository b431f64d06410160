"""Rules of the network that differ from one library system to another.

The numbers below are the defaults. A library changes them without touching code through
``settings.LIBCITY_NETWORK_POLICY``, a dict whose keys are the field names of
:class:`NetworkPolicy`, for example ``{"cost_per_km": "1.20", "van_speed_kmh": 25}``.
Every function takes the units concerned so that a rule table per unit can replace the
settings later without changing a caller.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    from libcity.network.models import Unit

CENT = Decimal("0.01")
#: Kinds of unit whose desks keep readers' cards, so may be a reader's home unit: the staffed
#: libraries of every tier, not lockers, study rooms, vans or partners' spaces.
CARD_KEEPING_KINDS = ("library",)


@dataclass(frozen=True)
class NetworkPolicy:
    #: Yuan per crate for loading, the slip and unloading, whatever the distance.
    base_cost: Decimal = Decimal("5.00")
    #: Yuan per crate and road kilometre.
    cost_per_km: Decimal = Decimal("0.80")
    #: Average speed of a book van in city traffic.
    van_speed_kmh: float = 30.0
    #: Minutes to load, hand over and receive a crate, added to the driving time.
    handling_minutes: int = 20
    #: Road kilometres per straight-line kilometre (a city's detour index).
    road_factor: float = 1.3
    #: How many days after the given moment ``unit_next_opening`` looks before it gives up.
    next_opening_horizon_days: int = 366
    #: The first search radius of ``units_nearest``; it grows until enough units are found.
    nearest_first_radius_km: float = 2.0


def network_policy() -> NetworkPolicy:
    """The defaults with the overrides of ``settings.LIBCITY_NETWORK_POLICY`` applied."""
    overrides = dict(getattr(settings, "LIBCITY_NETWORK_POLICY", {}) or {})
    for name in ("base_cost", "cost_per_km"):
        if name in overrides:
            overrides[name] = Decimal(str(overrides[name]))
    return dataclasses.replace(NetworkPolicy(), **overrides)


def transport_derived(from_unit: Unit, to_unit: Unit, km: float,
                      policy: NetworkPolicy | None = None) -> tuple[Decimal, int]:  # fmt: skip
    """Cost (yuan per crate) and minutes of a van trip of ``km`` straight-line kilometres
    (``policy``: the network policy, read once by a caller asking about many pairs)."""
    policy = policy or network_policy()
    road_km = km * policy.road_factor
    cost = policy.base_cost + policy.cost_per_km * Decimal(str(road_km))
    # Rounded before the ceiling so that float noise (60.000000001) does not add a minute.
    driving = round(road_km / policy.van_speed_kmh * 60, 6)
    minutes = policy.handling_minutes + math.ceil(driving)
    return cost.quantize(CENT, rounding=ROUND_HALF_UP), minutes


def next_opening_horizon_days(unit: Unit) -> int:
    return network_policy().next_opening_horizon_days


def nearest_first_radius_km() -> float:
    return network_policy().nearest_first_radius_km


def unit_keeps_reader_cards(unit: Unit) -> bool:
    """May ``unit`` be a reader's home unit (register readers, replace their cards)?"""
    return unit.is_active and unit.kind in CARD_KEEPING_KINDS


#: Unit kinds without shelves of their own: a copy returned there moves on to a library.
NO_SHELF_KINDS = ("locker", "van_stop")


def unit_keeps_shelves(unit: Unit) -> bool:
    """May returned copies stay at ``unit`` (it has shelves), or must they move on?"""
    return unit.is_active and unit.kind not in NO_SHELF_KINDS
