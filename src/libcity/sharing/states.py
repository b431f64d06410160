"""The transfer state machine, declared as data. Only ``services`` changes
``Transfer.status``, through ``transfer_move``, which checks this table and writes the
TransferHistory row.

::

    offered ──accepted (the receiver scanned the code)──▶ accepted
       ├──cancelled (by the giver, or by a newer offer of the same loan)──▶ cancelled
       └──expired (not accepted in time; marked when someone tries)──▶ expired
"""

from __future__ import annotations

from libcity.sharing.models import TransferStatus as T

TRANSITIONS: dict[str, frozenset[str]] = {
    T.OFFERED: frozenset({T.ACCEPTED, T.CANCELLED, T.EXPIRED}),
    T.ACCEPTED: frozenset(),
    T.CANCELLED: frozenset(),
    T.EXPIRED: frozenset(),
}

#: Statuses in which the transfer is over.
ENDED = frozenset({T.ACCEPTED, T.CANCELLED, T.EXPIRED})


def can_move(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, frozenset())
