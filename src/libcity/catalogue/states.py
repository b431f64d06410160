"""The item state machine, declared as data: which status may follow which.

Only ``catalogue.services.item_transition`` changes ``Item.status``; circulation, holds and
logistics drive it through that one function, which writes the ItemHistory row.
"""

from __future__ import annotations

from libcity.catalogue.models import ItemStatus as S

TRANSITIONS: dict[str, frozenset[str]] = {
    S.IN_PROCESSING: frozenset({S.AVAILABLE, S.IN_TRANSIT, S.MISSING, S.LOST, S.WITHDRAWN}),
    S.AVAILABLE: frozenset(
        {S.ON_LOAN, S.IN_TRANSIT, S.ON_HOLD_SHELF, S.IN_PROCESSING, S.MISSING, S.LOST, S.WITHDRAWN}
    ),
    S.ON_LOAN: frozenset({S.AVAILABLE, S.IN_TRANSIT, S.ON_HOLD_SHELF, S.LOST, S.MISSING}),
    S.IN_TRANSIT: frozenset({S.AVAILABLE, S.ON_HOLD_SHELF, S.IN_PROCESSING, S.MISSING, S.LOST}),
    S.ON_HOLD_SHELF: frozenset({S.ON_LOAN, S.AVAILABLE, S.IN_TRANSIT, S.MISSING}),
    S.LOST: frozenset({S.AVAILABLE, S.IN_TRANSIT, S.IN_PROCESSING, S.WITHDRAWN}),
    S.MISSING: frozenset({S.AVAILABLE, S.IN_TRANSIT, S.IN_PROCESSING, S.LOST, S.WITHDRAWN}),
    S.WITHDRAWN: frozenset({S.IN_PROCESSING}),
}

#: Statuses in which a copy can be lent where it stands.
LENDABLE = frozenset({S.AVAILABLE})


def can_move(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, frozenset())
