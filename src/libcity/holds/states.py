"""The hold state machine, declared as data. Only ``services`` changes ``Hold.status``,
through ``hold_move``, which checks this table and writes the HoldHistory row.

::

    placed ──target──▶ targeted ──picked, far──▶ in_transit ──received──▶ ready ──▶ collected
      │  ╲               │  ╲ (copy gone)             ▲                    │
      │   ╲──trapped─────┼───╲──▶ placed              │                    ├──▶ expired
      │    (far) ────────┼────────────────────────────┘                    │
      └──trapped here / picked here ───────────────────────────────────────┘
    any active ──▶ cancelled;   placed, targeted ──▶ expired (not needed after)
    placed, targeted ──▶ collected (the reader borrowed a copy from a shelf themselves)
"""

from __future__ import annotations

from libcity.holds.models import HoldStatus as H

TRANSITIONS: dict[str, frozenset[str]] = {
    H.PLACED: frozenset({H.TARGETED, H.IN_TRANSIT, H.READY, H.COLLECTED, H.CANCELLED, H.EXPIRED}),
    H.TARGETED: frozenset(
        {H.PLACED, H.TARGETED, H.IN_TRANSIT, H.READY, H.COLLECTED, H.CANCELLED, H.EXPIRED}
    ),
    H.IN_TRANSIT: frozenset({H.READY, H.PLACED, H.CANCELLED}),
    H.READY: frozenset({H.COLLECTED, H.EXPIRED, H.CANCELLED}),
    H.COLLECTED: frozenset(),
    H.EXPIRED: frozenset(),
    H.CANCELLED: frozenset(),
}

#: Statuses in which the hold is over.
ENDED = frozenset({H.COLLECTED, H.EXPIRED, H.CANCELLED})


def can_move(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, frozenset())
