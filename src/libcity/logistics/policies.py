"""Logistics rules a library may set differently: the vans. Defaults below;
``settings.LIBCITY_VAN_POLICY`` (a dict of the field names of :class:`VanPolicy`) overrides
them, e.g. ``{"vans_per_depot": 3}``."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from django.conf import settings

from libcity.network.models import Unit, UnitTier


@dataclass(frozen=True)
class VanPolicy:
    #: Vans that leave each depot in the morning.
    vans_per_depot: int = 2
    #: Copies a van carries (the crates it takes, counted in copies).
    van_capacity: int = 400
    #: When the vans leave the depot and when they must be back.
    day_start: dt.time = dt.time(8, 0)
    day_end: dt.time = dt.time(18, 0)
    #: Tiers of unit that are depots: each other unit is served by the nearest depot above it.
    depot_tiers: tuple[str, ...] = (UnitTier.CENTRAL, UnitTier.DISTRICT)
    #: Seconds the route search may spend on one depot's day.
    seconds_per_depot: float = 2.0


def van_policy() -> VanPolicy:
    overrides = dict(getattr(settings, "LIBCITY_VAN_POLICY", {}) or {})
    for name in ("day_start", "day_end"):
        if isinstance(overrides.get(name), str):
            overrides[name] = dt.time.fromisoformat(overrides[name])
    if "depot_tiers" in overrides:
        overrides["depot_tiers"] = tuple(overrides["depot_tiers"])
    return dataclasses.replace(VanPolicy(), **overrides)


def unit_is_depot(unit: Unit) -> bool:
    return unit.is_active and unit.tier in van_policy().depot_tiers


@dataclass(frozen=True)
class RebalancePolicy:
    #: A copy is idle when nobody borrowed it for this many days (and it has been in the
    #: collection that long).
    idle_days: int = 180
    #: Recent demand: loans over this many days.
    demand_days: int = 90
    #: A unit that lent a title this many times lately, and has no copy of it on a shelf
    #: now, needs one.
    demand_loans: int = 3


def rebalance_policy() -> RebalancePolicy:
    overrides = dict(getattr(settings, "LIBCITY_REBALANCE_POLICY", {}) or {})
    return dataclasses.replace(RebalancePolicy(), **overrides)


@dataclass(frozen=True)
class DeliveryPolicy:
    """Home delivery (送书上门). Guangzhou: 6 yuan for up to 5 books by post."""

    #: Titles one order may ask for.
    max_items: int = 5
    #: The fee for one order, in yuan (0: free).
    fee: str = "6.00"
    #: Orders a reader may have open at once.
    max_open_orders: int = 1
    #: The unit that gathers and posts the copies ("": the central library).
    depot: str = ""


def delivery_policy() -> DeliveryPolicy:
    overrides = dict(getattr(settings, "LIBCITY_DELIVERY_POLICY", {}) or {})
    return dataclasses.replace(DeliveryPolicy(), **overrides)
