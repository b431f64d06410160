"""The home-book loan state machine, declared as data. Only ``services.loan_move`` changes
``HomeBookLoan.status``; it checks this table and writes the history row.

::

    requested ──accept (owner)──▶ accepted ──hand-over code confirmed──▶ handed_over
        │                           │                                      │
        ├──decline (owner)──▶ declined ◀──┤                                 └──return──▶ returned
        └──cancel (borrower)──▶ cancelled ◀┘
"""

from __future__ import annotations

from libcity.neighbours.models import HomeBookLoanStatus as L

TRANSITIONS: dict[str, frozenset[str]] = {
    L.REQUESTED: frozenset({L.ACCEPTED, L.DECLINED, L.CANCELLED}),
    L.ACCEPTED: frozenset({L.HANDED_OVER, L.DECLINED, L.CANCELLED}),
    L.HANDED_OVER: frozenset({L.RETURNED}),
    L.DECLINED: frozenset(),
    L.CANCELLED: frozenset(),
    L.RETURNED: frozenset(),
}


def can_move(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, frozenset())
