"""Writes of the network: operators, units and their place in the tree, hours, transport costs.

Every service owns its transaction, locks the rows it reads before writing them, and writes
one ``NetworkHistory`` row per unit it changed.
"""

from libcity.network.services.calendars import (
    unit_add_closed_date,
    unit_remove_closed_date,
    unit_set_timetable,
)
from libcity.network.services.transport import transport_cost_clear, transport_cost_set
from libcity.network.services.units import operator_create, unit_create, unit_move, unit_update

__all__ = [
    "operator_create",
    "transport_cost_clear",
    "transport_cost_set",
    "unit_add_closed_date",
    "unit_create",
    "unit_move",
    "unit_remove_closed_date",
    "unit_set_timetable",
    "unit_update",
]
