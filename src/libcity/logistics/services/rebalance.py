"""Unified deployment (统一调配): idle copies moved to where readers wait.

A proposal reads recent demand and stock: the titles readers wait for by unit (holds still
waiting for a copy at their pickup point, and units that lent a title often lately but have
no copy of it on a shelf now) and the idle copies (on a shelf, not chosen for a hold, not
lent for ``idle_days``). ``logistics.rebalancing.plan_moves`` picks the moves: the most needs
met within what each depot's vans carry in a day, at the least transport cost. Staff review
the plan; approving it sends the copies (transits, reason ``rebalance``); rejecting it keeps
it for the record.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Exists, OuterRef
from django.utils.translation import gettext as _

from libcity.catalogue.models import Item, ItemStatus
from libcity.circulation.models import Loan
from libcity.core import clock
from libcity.core.exceptions import Conflict
from libcity.holds.models import WITH_COPY, Hold, HoldStatus
from libcity.logistics.models import (
    OPEN,
    PlanStatus,
    RebalanceMove,
    RebalancePlan,
    Transit,
    TransitReason,
)
from libcity.logistics.policies import rebalance_policy, van_policy
from libcity.logistics.rebalancing import Key, plan_moves
from libcity.logistics.services.transits import transit_send
from libcity.logistics.services.vans import depots_of_units
from libcity.network.selectors import TransportTable
from libcity.staff.selectors import Actor

CENTS = Decimal("100")


def rebalance_propose(*, day: dt.date | None = None) -> RebalancePlan:
    """A plan of moves for staff to review (an empty plan when nothing should move)."""
    day = day or clock.today()
    needs = _needs(day)
    supplies = _idle_copies(day, {record for record, _unit in needs})
    table = TransportTable()
    depot_of = depots_of_units(table.units)
    capacity = van_policy().vans_per_depot * van_policy().van_capacity
    moves = plan_moves(
        supplies={key: len(items) for key, items in supplies.items()}, needs=needs,
        depot_of=depot_of, depot_capacity=dict.fromkeys(set(depot_of.values()), capacity),
        cost=lambda a, b: int(table.cost(a, b) * CENTS),
    )  # fmt: skip
    with transaction.atomic():
        plan = RebalancePlan.objects.create(day=day, proposed_at=clock.now(),
                                            needs=sum(needs.values()))  # fmt: skip
        rows = []
        for move in moves:
            for item_id in supplies[(move.record, move.from_unit)][: move.copies]:
                price = table.cost(move.from_unit, move.to_unit)
                rows.append(RebalanceMove(plan=plan, item_id=item_id, from_unit_id=move.from_unit,
                                          to_unit_id=move.to_unit, cost=price))  # fmt: skip
        RebalanceMove.objects.bulk_create(rows)
        plan.cost = sum((row.cost for row in rows), Decimal("0.00"))
        plan.save(update_fields=["cost"])
    return plan


def _needs(day: dt.date) -> dict[Key, int]:
    """Copies wanted by title and unit: readers waiting there, and titles lent there often
    lately with no copy on a shelf there now."""
    needs: Counter = Counter()
    waiting = (Hold.objects.filter(status=HoldStatus.PLACED)
               .values_list("record_id", "pickup_unit_id").annotate(n=Count("pk")))  # fmt: skip
    for record, unit, count in waiting:
        needs[(record, unit)] += count
    policy = rebalance_policy()
    since = clock.start_of_day(day - dt.timedelta(days=policy.demand_days))
    busy = (Loan.objects.filter(checked_out_at__gte=since)
            .values_list("item__record_id", "issued_at_unit_id").annotate(n=Count("pk"))
            .filter(n__gte=policy.demand_loans))  # fmt: skip
    busy = {(record, unit) for record, unit, _n in busy}
    if busy:
        shelved = set(Item.objects.filter(record_id__in={r for r, _u in busy},
                                          status=ItemStatus.AVAILABLE)
                      .values_list("record_id", "location_id"))  # fmt: skip
        for key in busy - shelved:
            needs[key] = max(needs[key], 1)
    return dict(needs)


def _idle_copies(day: dt.date, records: set[int]) -> dict[Key, list[int]]:
    """The idle copies of these titles, by title and unit, lowest id first."""
    if not records:
        return {}
    cutoff = clock.start_of_day(day - dt.timedelta(days=rebalance_policy().idle_days))
    lent_lately = Loan.objects.filter(item=OuterRef("pk"), checked_out_at__gte=cutoff)
    chosen = Hold.objects.filter(status__in=WITH_COPY, copy__isnull=False).values("copy_id")
    rows = (
        Item.objects.filter(record_id__in=records, status=ItemStatus.AVAILABLE,
                            created_at__lt=cutoff)
        .exclude(Exists(lent_lately))
        .exclude(pk__in=chosen)
        .order_by("pk")
        .values_list("pk", "record_id", "location_id")
    )  # fmt: skip
    found: dict[Key, list[int]] = defaultdict(list)
    for pk, record, unit in rows:
        found[(record, unit)].append(pk)
    return dict(found)


def rebalance_approve(*, plan: RebalancePlan, actor: Actor) -> int:
    """Send the plan's copies (each still idle where the plan found it); how many went."""
    sent = 0
    with transaction.atomic():
        plan = _decide(plan, PlanStatus.APPROVED, actor)
        for move in plan.moves.select_related("item", "from_unit", "to_unit"):
            item = Item.objects.select_for_update().get(pk=move.item_id)
            travelling = Transit.objects.filter(item=item, status__in=OPEN).exists()
            if item.status != ItemStatus.AVAILABLE or item.location_id != move.from_unit_id:
                continue
            if travelling:
                continue
            move.transit = transit_send(item=item, from_unit=move.from_unit,
                                        to_unit=move.to_unit, reason=TransitReason.REBALANCE,
                                        actor=actor)  # fmt: skip
            move.save(update_fields=["transit"])
            sent += 1
    return sent


def rebalance_reject(*, plan: RebalancePlan, actor: Actor) -> RebalancePlan:
    with transaction.atomic():
        return _decide(plan, PlanStatus.REJECTED, actor)


def _decide(plan: RebalancePlan, status: str, actor: Actor) -> RebalancePlan:
    locked = RebalancePlan.objects.select_for_update().get(pk=plan.pk)
    if locked.status != PlanStatus.PROPOSED:
        raise Conflict(_("This plan was decided already (%(status)s).")
                       % {"status": locked.get_status_display()}, code="plan_decided")  # fmt: skip
    locked.status, locked.decided_at = status, clock.now()
    locked.decided_by = actor if actor is not None and actor.is_authenticated else None
    locked.save(update_fields=["status", "decided_at", "decided_by"])
    return locked
