"""The daily work of holds and logistics: the hold shelf's expiry (freed copies passed on),
targeting, and overdue transits."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from libcity.core import clock
from libcity.holds.services import holds_expire, holds_target
from libcity.logistics.models import OPEN, Transit
from libcity.logistics.services.dispatch import copy_dispatch


@dataclass
class LogisticsReport:
    lines_: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return self.lines_


def logistics_daily(*, day: dt.date | None = None) -> LogisticsReport:
    """Expire holds (their copies go to the next reader or home), choose copies for the
    waiting holds, and count the transits overdue."""
    day = day or clock.today()
    report = LogisticsReport()
    expired = holds_expire(day=day)
    for freed in expired.freed:
        copy_dispatch(item=freed.item, unit=freed.unit, actor=None)
    report.lines_.append(expired.line())
    report.lines_.append(holds_target(day=day).line())
    late = Transit.objects.filter(status__in=OPEN, due_on__lt=day).count()
    report.lines_.append(f"transits overdue: {late}")
    return report
