"""Home-book rules a library may set differently.

``settings.LIBCITY_HOME_BOOK_POLICY`` (a dict of the field names of :class:`HomeBookPolicy`)
overrides the defaults, e.g. ``{"loan_days": 21}``. The hand-over code is the sharing room's
(same alphabet, length and keyed hash).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from django.conf import settings

from libcity.network.models import UnitTier


@dataclass(frozen=True)
class HomeBookPolicy:
    #: Days a neighbour keeps a lent home book.
    loan_days: int = 30
    #: Minutes a hand-over code may be confirmed in.
    code_minutes: int = 10
    #: Distances shown to others are rounded to this many kilometres (never exact).
    distance_step_km: float = 0.5


def home_book_policy() -> HomeBookPolicy:
    """The defaults with ``settings.LIBCITY_HOME_BOOK_POLICY`` applied."""
    overrides = dict(getattr(settings, "LIBCITY_HOME_BOOK_POLICY", {}) or {})
    return dataclasses.replace(HomeBookPolicy(), **overrides)


#: The units a reader may give as a book's area: a district, or a branch's or community
#: room's neighbourhood. Never a finer place.
AREA_TIERS = (UnitTier.DISTRICT, UnitTier.BRANCH, UnitTier.COMMUNITY)


def rounded_km(km: float, step: float) -> float:
    """``km`` to the nearest ``step`` (0.5 km by default), at least one step: a neighbour in
    the same area is "about 0.5 km" away, never "0 km"."""
    return max(step, round(km / step) * step)
