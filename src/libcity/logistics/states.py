"""The transit state machine, declared as data. Only ``services`` changes
``Transit.status`` (``transit_move``), writing the TransitHistory row.

::

    created ──pack──▶ packed ──ship──▶ shipped ──receive──▶ received
       │  ╲────────────ship──────────▶   ▲
       │   ╲──────── receive (carried by hand, or scanned at the door) ─┘
       └──▶ cancelled ◀── packed        (needed where it is after all)
"""

from __future__ import annotations

from libcity.logistics.models import DeliveryStatus as D
from libcity.logistics.models import TransitStatus as T

TRANSITIONS: dict[str, frozenset[str]] = {
    T.CREATED: frozenset({T.PACKED, T.SHIPPED, T.RECEIVED, T.CANCELLED}),
    T.PACKED: frozenset({T.SHIPPED, T.RECEIVED, T.CANCELLED}),
    T.SHIPPED: frozenset({T.RECEIVED}),
    T.RECEIVED: frozenset(),
    T.CANCELLED: frozenset(),
}


def can_move(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, frozenset())


#: Home delivery orders::
#:
#:     requested ──▶ picked ──▶ shipped ──▶ delivered
#:         └──────────┴──▶ cancelled
DELIVERY_TRANSITIONS: dict[str, frozenset[str]] = {
    D.REQUESTED: frozenset({D.PICKED, D.CANCELLED}),
    D.PICKED: frozenset({D.SHIPPED, D.CANCELLED}),
    D.SHIPPED: frozenset({D.DELIVERED}),
    D.DELIVERED: frozenset(),
    D.CANCELLED: frozenset(),
}


def delivery_can_move(from_status: str, to_status: str) -> bool:
    return to_status in DELIVERY_TRANSITIONS.get(from_status, frozenset())
