"""A year of circulation for the demo city: loans, renewals, returns and overdues over the 365
days before today, written in bulk as the services would have written them.

``activity_build`` is the phase ``demo_build`` runs after the catalogue, inside its transaction.
"""

from libcity.demo.activity.building import (
    CONSENT_SHARE,
    ActivityCounts,
    activity_build,
    city_move_back,
    consent_give,
)
from libcity.demo.activity.loans import ARRIVAL_REASON, LoanPlan, Planner
from libcity.demo.activity.world import World, world_read
from libcity.demo.activity.writing import LoanWriter
from libcity.demo.activity.year import DAYS, Year

__all__ = [
    "ARRIVAL_REASON",
    "CONSENT_SHARE",
    "DAYS",
    "ActivityCounts",
    "LoanPlan",
    "LoanWriter",
    "Planner",
    "World",
    "Year",
    "activity_build",
    "city_move_back",
    "consent_give",
    "world_read",
]
