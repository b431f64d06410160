"""The demo city's holds and logistics as they stand on the day of the build: readers wait for
popular titles; the night's targeting has chosen copies; the desks have picked some of them,
packed and shipped others, and some wait on hold shelves; a few readers have books coming
home; and the day's van runs are planned.

Everything goes through the services (``hold_place``, ``holds_target``, ``copy_pick``,
``transit_receive``, ``delivery_order``, ``van_runs_plan``), so the demo shows what the
platform would have written. ``waiting_build`` is the phase ``demo_build`` runs after the
year of loans, inside its transaction.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count

from libcity.catalogue.models import Item, ItemStatus, Record
from libcity.circulation.models import Loan
from libcity.circulation.notices import notices_kept_only
from libcity.core.exceptions import DomainError
from libcity.holds.models import Hold, HoldStatus
from libcity.holds.policies import unit_takes_pickups
from libcity.holds.services import hold_place, holds_target
from libcity.logistics.models import DeliveryOrder, TransitStatus
from libcity.logistics.services import copy_pick, transit_move, transit_receive
from libcity.logistics.services.delivery import delivery_order, delivery_pick
from libcity.logistics.services.vans import van_runs_plan
from libcity.network.models import Unit
from libcity.readers.models import Reader, ReaderStatus

Progress = Callable[[str], None]
#: One reader in this many waits for a title (at most ``MOST_HOLDS`` holds in all).
READERS_PER_HOLD = 20
MOST_HOLDS = 3_000
#: The titles readers wait for: the most lent of the year.
POPULAR_TITLES = 300
#: The share of holds on titles whose every copy is out.
SHARE_ALL_OUT = 0.15
#: Readers with a home delivery on its way.
DELIVERIES = 3
#: How far the desks take a chosen copy: picked, on the van, arrived on the hold shelf.
_PICKED, _ON_THE_VAN, _ON_THE_SHELF = range(3)


@dataclass
class WaitingCounts:
    holds: int = 0
    refused: dict[str, int] = field(default_factory=dict)  # why a hold was not placed
    targeted: int = 0
    picked: int = 0
    shipped: int = 0
    ready: int = 0
    deliveries: int = 0
    van_runs: int = 0
    seconds: float = 0.0

    def line(self) -> str:
        refused = sum(self.refused.values())
        return (f"holds: {self.holds} placed ({refused} refused by the rules), "
                f"{self.targeted} copies chosen, {self.picked} picked, {self.shipped} shipped, "
                f"{self.ready} ready; "
                f"{self.deliveries} home deliveries; {self.van_runs} van runs "
                f"({self.seconds:.1f} s)")  # fmt: skip


def waiting_build(*, seed: int, favourite: Reader, progress: Progress | None = None
                  ) -> WaitingCounts:  # fmt: skip
    """The day's holds, transits, deliveries and van runs; ``favourite`` (the demo login)
    has a hold ready to collect and one on its way."""
    with notices_kept_only():
        return _waiting(seed, favourite, progress or (lambda _line: None))


def _waiting(seed: int, favourite: Reader, say: Progress) -> WaitingCounts:
    started = time.monotonic()
    rng = random.Random(f"libcity-demo-holds-{seed}")
    actor = get_user_model().objects.filter(username="logistics").first()
    counts = WaitingCounts()
    titles = popular_titles(POPULAR_TITLES)
    if titles:
        steps = _favourite_holds(favourite, titles, actor, counts)
        _holds_place(rng, titles, all_out(POPULAR_TITLES), favourite, actor, counts)
        orders = _deliveries(rng, titles, favourite, actor, counts)
        counts.targeted = holds_target().targeted
        delivered = Hold.objects.filter(deliver_home=True).values_list("pk", flat=True)
        steps.update(dict.fromkeys(delivered, _ON_THE_SHELF))
        _desks_work(rng, steps, actor, counts)
        _first_order_picked(orders, actor, counts)
    counts.van_runs = len(van_runs_plan().runs)
    counts.seconds = time.monotonic() - started
    say(counts.line())
    return counts


def popular_titles(count: int) -> list[Record]:
    """The ``count`` titles most lent over the year, most lent first."""
    ranked = (Loan.objects.values("item__record").annotate(n=Count("pk"))
              .order_by("-n", "item__record")[:count])  # fmt: skip
    ids = [row["item__record"] for row in ranked]
    records = Record.objects.in_bulk(ids)
    return [records[pk] for pk in ids if pk in records]


def all_out(count: int) -> list[Record]:
    """Up to ``count`` titles whose every copy is out on loan: a hold on one waits."""
    out = Item.objects.filter(status=ItemStatus.ON_LOAN).values("record")
    on_shelves = Item.objects.filter(status=ItemStatus.AVAILABLE).values("record")
    return list(Record.objects.filter(pk__in=out).exclude(pk__in=on_shelves).order_by("pk")[:count])


def _favourite_holds(reader: Reader, titles: list[Record], actor, counts: WaitingCounts
                     ) -> list[int]:  # fmt: skip
    """The demo reader waits for two titles at home; returns how far the desks take each:
    the first to the hold shelf, the second onto the van (when it travels)."""
    holds = [_place(reader, record, reader.home_unit, actor, counts) for record in titles[:2]]
    steps = dict(zip(holds, (_ON_THE_SHELF, _ON_THE_VAN), strict=False))  # one title: one
    return {hold.pk: step for hold, step in steps.items() if hold is not None}


def _holds_place(rng: random.Random, titles: list[Record], out: list[Record], favourite: Reader,
                 actor, counts: WaitingCounts) -> None:  # fmt: skip
    """Readers wait for popular titles (the more lent, the more readers wait: a Zipf draw),
    and some for titles whose every copy is out, each to collect at their home library."""
    readers = list(Reader.objects.filter(status=ReaderStatus.ACTIVE).exclude(pk=favourite.pk)
                   .select_related("home_unit").order_by("pk"))  # fmt: skip
    wanted = min(MOST_HOLDS, max(10, len(readers) // READERS_PER_HOLD))
    weights = [1 / (rank + 1) for rank in range(len(titles))]
    for reader in rng.sample(readers, min(wanted, len(readers))):
        if out and rng.random() < SHARE_ALL_OUT:
            record = rng.choice(out)
        else:
            (record,) = rng.choices(titles, weights=weights)
        if unit_takes_pickups(reader.home_unit):
            _place(reader, record, reader.home_unit, actor, counts)


def _place(reader: Reader, record: Record, pickup: Unit, actor, counts: WaitingCounts
           ) -> Hold | None:  # fmt: skip
    try:
        with transaction.atomic():
            hold = hold_place(reader=reader, record=record, pickup_unit=pickup, actor=actor)
    except DomainError as refused:
        _refused(counts, refused)
        return None
    counts.holds += 1
    return hold


def _refused(counts: WaitingCounts, refused: DomainError) -> None:
    name = type(refused).__name__
    counts.refused[name] = counts.refused.get(name, 0) + 1


def _desks_work(rng: random.Random, steps: dict[int, int], actor, counts: WaitingCounts) -> None:
    """The desks' morning: about half of the chosen copies are picked from the shelves; of
    those sent, a third still wait to be packed, a third are on the van, a third arrived
    and wait on the hold shelf. ``steps``: how far the desks take these holds."""
    chosen = (Hold.objects.filter(status=HoldStatus.TARGETED)
              .select_related("copy", "copy__location", "pickup_unit")
              .order_by("placed_at", "pk"))  # fmt: skip
    for hold in chosen:
        if hold.pk not in steps and rng.random() >= 0.5:
            continue
        item = hold.copy
        route = copy_pick(item=item, unit=item.location, actor=actor)
        counts.picked += 1
        if route.transit is None:
            counts.ready += 1
            continue
        step = (
            steps[hold.pk]
            if hold.pk in steps
            else rng.choice((_PICKED, _ON_THE_VAN, _ON_THE_SHELF))
        )
        if step >= _ON_THE_VAN:
            transit_move(route.transit, TransitStatus.PACKED, unit=item.location, actor=actor)
            transit_move(route.transit, TransitStatus.SHIPPED, unit=item.location, actor=actor)
            counts.shipped += 1
        if step == _ON_THE_SHELF:
            transit_receive(item=Item.objects.get(pk=item.pk), unit=hold.pickup_unit,
                            actor=actor)  # fmt: skip
            counts.ready += 1


def _first_order_picked(orders: list[DeliveryOrder], actor, counts: WaitingCounts) -> None:
    for order in orders[:1]:
        try:
            with transaction.atomic():
                delivery_pick(order=order, actor=actor)
        except DomainError as refused:  # a title with no copy to send yet
            _refused(counts, refused)


def _deliveries(rng: random.Random, titles: list[Record], favourite: Reader, actor,
                counts: WaitingCounts) -> list[DeliveryOrder]:  # fmt: skip
    """A few readers with a phone order two less popular titles home."""
    readers = list(Reader.objects.filter(status=ReaderStatus.ACTIVE).exclude(phone="")
                   .exclude(pk=favourite.pk).select_related("home_unit")
                   .order_by("pk")[:200])  # fmt: skip
    orders = []
    for reader in rng.sample(readers, min(DELIVERIES, len(readers))):
        records = rng.sample(titles[len(titles) // 3 :] or titles, 2)
        try:
            with transaction.atomic():
                orders.append(delivery_order(
                    reader=reader, records=records, phone=reader.phone,
                    address=f"{reader.home_unit.address_zh} 附近", actor=actor,
                ))  # fmt: skip
        except DomainError as refused:
            _refused(counts, refused)
    counts.deliveries = len(orders)
    return orders
