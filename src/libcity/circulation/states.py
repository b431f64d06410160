"""The loan state machine, declared as data, and what each move does to the copy.

Only ``services.loans`` changes ``Loan.status``, through ``loan_move``, which checks this
table, writes the LoanHistory row and moves the copy through the catalogue's own state
machine (``catalogue.services.item_transition``).

::

    on_loan ──renew──▶ renewed ──renew──▶ renewed
       │  ╲              │
       │   overdue ◀─────┘ (the daily work, after the due date)
       ▼     │
    returned ◀── lost ◀── claimed_returned

    on_loan, renewed, overdue ──passed to another reader (转借)──▶ transferred
"""

from __future__ import annotations

from libcity.catalogue.models import ItemStatus
from libcity.circulation.models import LoanStatus as L

TRANSITIONS: dict[str, frozenset[str]] = {
    L.ON_LOAN: frozenset(
        {L.RENEWED, L.OVERDUE, L.RETURNED, L.LOST, L.CLAIMED_RETURNED, L.TRANSFERRED}
    ),
    L.RENEWED: frozenset(
        {L.RENEWED, L.OVERDUE, L.RETURNED, L.LOST, L.CLAIMED_RETURNED, L.TRANSFERRED}
    ),
    L.OVERDUE: frozenset({L.RENEWED, L.RETURNED, L.LOST, L.CLAIMED_RETURNED, L.TRANSFERRED}),
    L.CLAIMED_RETURNED: frozenset({L.RETURNED, L.LOST}),
    L.LOST: frozenset({L.RETURNED}),
    L.RETURNED: frozenset(),
    L.TRANSFERRED: frozenset(),
}

#: The copy's status while the loan is in this state (None: the return decides).
ITEM_STATUS: dict[str, str | None] = {
    L.ON_LOAN: ItemStatus.ON_LOAN,
    L.RENEWED: ItemStatus.ON_LOAN,
    L.OVERDUE: ItemStatus.ON_LOAN,
    L.CLAIMED_RETURNED: ItemStatus.MISSING,
    L.LOST: ItemStatus.LOST,
    L.RETURNED: None,
    L.TRANSFERRED: ItemStatus.ON_LOAN,  # the copy stays out, on the next reader's loan
}

#: Loans that count against the reader's limits and can be renewed or returned.
RUNNING = frozenset({L.ON_LOAN, L.RENEWED, L.OVERDUE})


def can_move(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, frozenset())
