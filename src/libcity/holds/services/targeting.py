"""Targeting: choose, for every hold still waiting for a copy, the best copy on a shelf.

Runs when a hold is placed (for its title), when a chosen copy is lent from the shelf, and
nightly for every title with waiting holds (``holds_target()``). It works a batch of titles at
a time, in a few queries per batch whatever the number of holds: the waiting holds, the copies
on shelves not chosen yet, and then the writes.

A copy may serve a hold when it is on a shelf (``available``), at an active unit with shelves
that is open on the day (a closed unit cannot pull it), not already chosen for another hold,
of the requested copy when the hold names one, and lendable to the reader at the pickup point
by the circulation rule. Among those the hold takes the cheapest by ``holds.policies``: the
transport cost to the pickup point plus the last-copy penalty; ties go to the lower copy id.
Holds are served in queue order (placed first, first served), each taking its best copy.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Exists, OuterRef

from libcity.catalogue.models import Item, ItemStatus
from libcity.circulation.policies import RuleBook
from libcity.core import clock
from libcity.core.bulk import insert_rows
from libcity.holds.models import WITH_COPY, Hold, HoldHistory, HoldStatus
from libcity.holds.policies import copy_rank, hold_policy
from libcity.holds.services.moves import hold_move
from libcity.holds.services.placing import copy_may_serve
from libcity.network.policies import unit_keeps_shelves
from libcity.network.selectors import TransportTable, units_open_on

#: Titles per batch.
BATCH = 2000


@dataclass
class TargetingReport:
    titles: int = 0
    waiting: int = 0
    targeted: int = 0
    released: int = 0
    seconds: float = 0.0

    def line(self) -> str:
        return (
            f"holds targeted: {self.targeted} of {self.waiting} waiting, over {self.titles} "
            f"titles; {self.released} released ({self.seconds:.1f} s)"
        )


def holds_target(*, record_ids: list[int] | None = None, day: dt.date | None = None,
                 batch: int = BATCH) -> TargetingReport:  # fmt: skip
    """Choose copies for the waiting holds of ``record_ids`` (all titles when None)."""
    started = time.monotonic()
    report = TargetingReport(released=holds_release_gone(record_ids=record_ids))
    waiting = Hold.objects.filter(status=HoldStatus.PLACED)
    if record_ids is not None:
        waiting = waiting.filter(record_id__in=record_ids)
    titles = sorted(set(waiting.values_list("record_id", flat=True)))
    if titles:
        planner = _Planner(day or clock.today())
        for start in range(0, len(titles), batch):
            planner.target(titles[start : start + batch], report)
    report.titles = len(titles)
    report.seconds = time.monotonic() - started
    return report


def holds_release_gone(*, record_ids: list[int] | None = None) -> int:
    """Holds whose chosen copy is no longer on a shelf (lent, missing, withdrawn) wait again."""
    chosen = Hold.objects.filter(status=HoldStatus.TARGETED).exclude(
        copy__status=ItemStatus.AVAILABLE
    )
    if record_ids is not None:
        chosen = chosen.filter(record_id__in=record_ids)
    released = 0
    for hold_id in list(chosen.values_list("pk", flat=True)):
        with transaction.atomic():
            locked = Hold.objects.select_for_update(of=("self",)).select_related("copy", "reader")
            hold = locked.filter(pk=hold_id).first()
            if hold is None or hold.status != HoldStatus.TARGETED:
                continue
            barcode = hold.copy.barcode if hold.copy_id else ""
            hold.copy, hold.copy_chosen_at = None, None
            hold_move(hold, HoldStatus.PLACED, unit=None, actor=None,
                      fields=("copy", "copy_chosen_at"), released=barcode)  # fmt: skip
            released += 1
    return released


class _Planner:
    """What targeting reads once a run: the units, which are open, transport costs, and the
    circulation rules' answers (per pickup point, reader category and item type)."""

    def __init__(self, day: dt.date) -> None:
        self.policy = hold_policy()
        self.table = TransportTable()
        self.open = units_open_on(day)
        self.shelves = {pk for pk, unit in self.table.units.items() if unit_keeps_shelves(unit)}
        self._lends: dict[tuple[int, int | None, str], bool] = {}
        self.book = RuleBook()
        self._chains: dict[int, frozenset[int]] = {}

    def chain(self, unit_id: int) -> frozenset[int]:
        """The unit and every unit above it."""
        if unit_id not in self._chains:
            path = self.table.units[unit_id].path
            self._chains[unit_id] = frozenset(int(p) for p in path.strip("/").split("/") if p)
        return self._chains[unit_id]

    def lends(self, pickup_id: int, category_id: int | None, item_type: str) -> bool:
        key = (pickup_id, category_id, item_type)
        if key not in self._lends:
            pickup = self.table.units[pickup_id]
            self._lends[key] = copy_may_serve(pickup, category_id, item_type, self.book)
        return self._lends[key]

    def target(self, titles: list[int], report: TargetingReport) -> None:
        holds = list(
            Hold.objects.filter(record_id__in=titles, status=HoldStatus.PLACED)
            .order_by("placed_at", "pk")
            .values_list("pk", "record_id", "requested_item_id", "pickup_unit_id",
                         "reader__category_id")
        )  # fmt: skip
        report.waiting += len(holds)
        shelves = self._copies(titles)
        choices = [c for c in (self._choose(h, shelves) for h in holds) if c is not None]
        report.targeted += _write(choices)

    def _copies(self, titles: list[int]) -> dict[int, _Shelf]:
        """The copies that may be chosen, by title."""
        chosen = Hold.objects.filter(copy=OuterRef("pk"), status__in=WITH_COPY)
        rows = (
            Item.objects.filter(record_id__in=titles, status=ItemStatus.AVAILABLE)
            .exclude(Exists(chosen))
            .values_list("pk", "record_id", "location_id", "item_type", "owner_id")
        )  # the units open today are kept here: a list of thousands of ids costs more to send
        pickable = self.open & self.shelves
        by_title: dict[int, _Shelf] = defaultdict(_Shelf)
        for pk, record_id, location_id, item_type, owner_id in rows:
            if location_id in pickable:
                by_title[record_id].add([pk, location_id, item_type, False, owner_id])
        return by_title

    def _choose(self, hold: tuple, shelves: dict[int, _Shelf]) -> tuple[int, int, int] | None:
        hold_id, record_id, requested, pickup, category = hold
        shelf = shelves.get(record_id)
        if shelf is None or not shelf.remaining:  # a long queue past the copies: no work
            return None
        best, best_key = None, None
        for copy in shelf.copies:
            pk, unit, item_type, taken, owner = copy
            if taken or (requested is not None and pk != requested):
                continue
            if not self.lends(pickup, category, item_type):
                continue
            key = copy_rank(cost=self.table.cost(unit, pickup),
                            last_on_shelf=shelf.left[unit] <= 1, at_pickup=unit == pickup,
                            owned_there=owner in self.chain(pickup), copy_id=pk,
                            policy=self.policy)  # fmt: skip
            if best_key is None or key < best_key:
                best, best_key = copy, key
        if best is None:
            return None
        shelf.take(best)
        return hold_id, best[0], record_id


class _Shelf:
    """A title's copies that may be chosen in this run ([id, unit, item type, taken,
    owner]), how many are still untaken at each unit, and in all."""

    def __init__(self) -> None:
        self.copies: list[list] = []
        self.left: dict[int, int] = defaultdict(int)
        self.remaining = 0

    def add(self, copy: list) -> None:
        self.copies.append(copy)
        self.left[copy[1]] += 1
        self.remaining += 1

    def take(self, copy: list) -> None:
        copy[3] = True
        self.left[copy[1]] -= 1
        self.remaining -= 1


def _write(choices: list[tuple[int, int, int]]) -> int:
    """Give each chosen copy to its hold, if the hold still waits and the copy is still on
    its shelf, under their row locks; returns how many holds got a copy. This is the one
    move ``hold_move`` does not make: placed → targeted (allowed by ``states``), in bulk,
    with the same history rows and no notice. One UPDATE joined to a VALUES list for 500
    holds (``_give``), not Django's ``bulk_update``, whose CASE expressions cost more to
    build than the writes take; the history rows by one multi-row insert."""
    if not choices:
        return 0
    now = clock.now()
    with transaction.atomic():
        waiting = _locked(Hold, [hold for hold, _copy, _record in choices], HoldStatus.PLACED)
        on_shelf = _locked(Item, [copy for _hold, copy, _record in choices],
                           ItemStatus.AVAILABLE)  # fmt: skip
        given = [c for c in choices if c[0] in waiting and c[1] in on_shelf]
        step = max(1, len(given)) if connection.vendor == "postgresql" else _ROWS_PER_UPDATE
        for start in range(0, len(given), step):
            _give(given[start : start + step], now)
        insert_rows(HoldHistory, [
            {"hold_id": hold, "action": "hold_targeted", "at": now, "actor_id": None,
             "details": {"record": record, "copy": copy}, "from_status": HoldStatus.PLACED,
             "to_status": HoldStatus.TARGETED, "unit_id": None}
            for hold, copy, record in given
        ])  # fmt: skip
    return len(given)


def _locked(model, ids: list[int], status: str) -> set[int]:
    """Of ``ids``, those still in ``status``, their rows locked. On PostgreSQL the ids go as
    one array (``= ANY``): an IN list of thousands of placeholders costs the driver more to
    prepare than the database to answer."""
    if connection.vendor != "postgresql":
        rows = model.objects.select_for_update().filter(pk__in=ids, status=status)
        return set(rows.values_list("pk", flat=True))
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {table} WHERE id = ANY(%s) AND status = %s FOR UPDATE",
                       [ids, status])  # fmt: skip
        return {row[0] for row in cursor.fetchall()}


#: Holds given their copies by one UPDATE (SQLite; PostgreSQL takes them all as arrays).
_ROWS_PER_UPDATE = 500


def _give(given: list[tuple[int, int, int]], now) -> None:
    """One UPDATE for these holds, their copies joined from a VALUES list (SQLite calls its
    columns column1, column2) or, on PostgreSQL, from two arrays (``unnest``)."""
    table = Hold._meta.db_table
    params: list = [HoldStatus.TARGETED, now]
    if connection.vendor == "postgresql":
        sql = (f"UPDATE {table} AS h SET status = %s, copy_id = v.copy, copy_chosen_at = %s "
               f"FROM unnest(%s::bigint[], %s::bigint[]) AS v(id, copy) "
               f"WHERE h.id = v.id")  # fmt: skip
        params += [[hold for hold, _c, _r in given], [copy for _h, copy, _r in given]]
    else:
        rows = ", ".join(["(%s, %s)"] * len(given))
        sql = (f"UPDATE {table} SET status = %s, copy_id = v.column2, copy_chosen_at = %s "
               f"FROM (VALUES {rows}) AS v WHERE {table}.id = v.column1")  # fmt: skip
        params += [value for hold, copy, _record in given for value in (hold, copy)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
