"""Where drifting copies have been (漂流): for each copy, the hands it passed through, the
distance it travelled and the time it spent outside libraries, and the moves between units.

Read from the rows the other rooms keep, never a counter of our own: loans (each loan is one
pair of hands; a transfer ends one loan and opens the next), transits (a move from unit to
unit), and accepted transfers (where a copy changed hands, when a unit is known).

A copy's **places** are the units where it is known to have been, in time order: the unit of
each checkout and of each return, each transit's start and arrival, and the unit where a
transfer was made (a transfer by hand, outside any library, adds no place). The **distance**
is the sum of the straight-line (great-circle) distances between successive different places;
its **time outside** is the sum of its loans' durations, a running loan counted up to now.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from libcity.catalogue.models import DriftGroup, Item
from libcity.circulation.models import Loan
from libcity.core import clock
from libcity.logistics.models import Transit
from libcity.network.models import Unit
from libcity.network.selectors import distance_km
from libcity.sharing.models import Transfer, TransferStatus

#: A move between two units (their ids), in the order it was made.
Move = tuple[int, int]


@dataclass
class CopyJourney:
    """One copy's travels: ``hands`` (loans, transferred ones included), ``km`` travelled,
    ``days_outside`` (on loan), and its ``moves`` between units, counted."""

    item: Item
    hands: int = 0
    km: float = 0.0
    days_outside: float = 0.0
    moves: Counter = field(default_factory=Counter)


@dataclass(frozen=True)
class GroupJourneys:
    """A group's copies' journeys, the units they touched (by id) and all moves, counted."""

    journeys: list[CopyJourney]
    units: dict[int, Unit]
    moves: Counter


def copy_journey(item: Item) -> CopyJourney:
    """The travels of one copy (four queries)."""
    return items_journeys([item]).journeys[0]


def drift_group_journeys(group: DriftGroup) -> GroupJourneys:
    """The travels of every copy in ``group``, and the group's own units among the places
    (six queries whatever the number of copies)."""
    items = list(Item.objects.filter(drift_group=group).select_related("record", "location")
                 .order_by("barcode"))  # fmt: skip
    return items_journeys(items, also_units=group.units.values_list("pk", flat=True))


def items_journeys(items: list[Item], also_units: Iterable[int] = ()) -> GroupJourneys:
    """The travels of ``items`` in a fixed number of queries (loans, transfers, transits,
    units)."""
    ids = [item.pk for item in items]
    places: dict[int, list[tuple[dt.datetime, int, int | None]]] = defaultdict(list)
    journeys = {item.pk: CopyJourney(item=item) for item in items}
    _add_loans(ids, journeys, places)
    _add_transits(ids, places)
    units = Unit.objects.in_bulk({u for rows in places.values() for _a, _o, u in rows if u}
                                 | set(also_units))  # fmt: skip
    moves: Counter = Counter()
    for pk, rows in places.items():
        _travel(journeys[pk], sorted(rows, key=lambda r: (r[0], r[1])), units)
        moves.update(journeys[pk].moves)
    return GroupJourneys(journeys=[journeys[pk] for pk in ids], units=units, moves=moves)


def _add_loans(ids: list[int], journeys: dict[int, CopyJourney], places) -> None:
    """Each loan is one pair of hands, out from its checkout to its end (or now); its
    checkout and return units are places. A loan opened by a transfer starts where the
    transfer was made (nowhere known when by hand: its issuing unit is then only the
    receiver's home, where the copy never was)."""
    transferred_in = dict(Transfer.objects.filter(item_id__in=ids, status=TransferStatus.ACCEPTED)
                          .values_list("new_loan_id", "place_unit_id"))  # fmt: skip
    now = clock.now()
    loans = Loan.objects.filter(item_id__in=ids).values_list(
        "pk", "item_id", "checked_out_at", "ended_at", "issued_at_unit_id", "returned_at_unit_id"
    )
    for pk, item_id, out, ended, issued, returned in loans:
        journey = journeys[item_id]
        journey.hands += 1
        journey.days_outside += max(((ended or now) - out).total_seconds(), 0) / 86400
        places[item_id].append((out, 1, transferred_in.get(pk, issued)))
        if ended is not None:
            places[item_id].append((ended, 0, returned))


def _add_transits(ids: list[int], places) -> None:
    """A transit: the copy left its start unit when sent and reached a unit when received."""
    transits = Transit.objects.filter(item_id__in=ids).values_list(
        "item_id", "created_at", "from_unit_id", "received_at", "received_at_unit_id"
    )
    for item_id, sent, start, received, arrived in transits:
        places[item_id].append((sent, 0, start))
        if received is not None:
            places[item_id].append((received, 0, arrived))


def _travel(journey: CopyJourney, rows, units: dict[int, Unit]) -> None:
    """Sum the distances between successive different known places."""
    last: Unit | None = None
    for _at, _order, unit_id in rows:
        here = units.get(unit_id) if unit_id else None
        if here is None:
            continue
        if last is not None and last.pk != here.pk:
            journey.km += distance_km(last.latitude, last.longitude,
                                      here.latitude, here.longitude)  # fmt: skip
            journey.moves[(last.pk, here.pk)] += 1
        last = here
