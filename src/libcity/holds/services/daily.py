"""The holds' daily work: the hold shelf's expiry, holds no longer needed, and targeting."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction

from libcity.core import clock
from libcity.holds.models import Hold, HoldStatus
from libcity.holds.policies import SLOT_KINDS
from libcity.holds.services.moves import hold_move
from libcity.holds.services.placing import Freed
from libcity.holds.services.slots import slot_leave
from libcity.holds.services.targeting import TargetingReport, holds_target
from libcity.network.models import Unit


@dataclass
class ExpiryReport:
    shelf_expired: int = 0
    not_needed: int = 0
    freed: list[Freed] = field(default_factory=list)

    def line(self) -> str:
        return (f"holds expired: {self.shelf_expired} uncollected on a hold shelf, "
                f"{self.not_needed} no longer needed")  # fmt: skip


def holds_expire(*, day: dt.date | None = None) -> ExpiryReport:
    """Holds not collected by their shelf date, and holds still waiting past the date the
    reader gave, expire. The copies freed from hold shelves are returned for the caller to
    pass on (the next hold, or home): ``logistics`` does it in its daily work. A copy locked
    in a locker slot is not freed: the slot is to be emptied by staff (``slot_leave``), who
    pass it on then; a hold still waiting for a slot does not expire."""
    day = day or clock.today()
    report = ExpiryReport()
    uncollected = Hold.objects.filter(status=HoldStatus.READY, shelf_until__lt=day).exclude(
        pickup_unit__kind__in=SLOT_KINDS, locker_slot__isnull=True
    )  # a hold waiting for a locker slot has not been collectable yet
    for hold_id in list(uncollected.values_list("pk", flat=True)):
        expired, freed = _expire(hold_id, (HoldStatus.READY,))
        report.shelf_expired += expired
        if freed is not None:
            report.freed.append(freed)
    waiting = Hold.objects.filter(status__in=_WAITING, not_needed_after__lt=day)
    for hold_id in list(waiting.values_list("pk", flat=True)):
        report.not_needed += _expire(hold_id, _WAITING)[0]
    return report


_WAITING = (HoldStatus.PLACED, HoldStatus.TARGETED)


def _expire(hold_id: int, statuses: tuple[str, ...]) -> tuple[bool, Freed | None]:
    """Expire one hold if its status is still one of ``statuses``; the copy it frees from
    the hold shelf, if any."""
    with transaction.atomic():
        hold = (Hold.objects.select_for_update(of=("self",))
                .select_related("copy", "reader", "record", "pickup_unit")
                .filter(pk=hold_id).first())  # fmt: skip
        if hold is None or hold.status not in statuses:
            return False, None
        copy = hold.copy if hold.status == HoldStatus.READY else None
        if copy is not None and slot_leave(hold=hold, actor=None):
            copy = None  # locked in its slot until staff empty it
        hold_move(hold, HoldStatus.EXPIRED, unit=hold.pickup_unit, actor=None)
    if copy is None:
        return True, None
    return True, Freed(item=copy, unit=Unit.objects.get(pk=copy.location_id))


def holds_daily(*, day: dt.date | None = None) -> tuple[ExpiryReport, TargetingReport]:
    """Expire, then choose copies for every waiting hold."""
    expired = holds_expire(day=day)
    return expired, holds_target(day=day)
