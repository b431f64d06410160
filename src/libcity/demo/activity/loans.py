"""One loan of the demo year from checkout to return, as plain data: ``LoanPlan``.

The simulation (``year``) decides who borrows what, where and when, and when and where the copy
comes back; ``Planner`` works out what the rules make of those decisions, the way the services
would at each moment: the due date (moved off closed days), the renewal, the overnight
"overdue" marking, the lateness, where the returned copy goes and when it gets there. Events
after ``now`` do not happen: their loan is still out.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from libcity.circulation import policies
from libcity.circulation.models import LoanStatus
from libcity.circulation.policies import Terms
from libcity.core import clock
from libcity.demo.activity.world import Borrower, Place, World

#: When the daily work marks the loans of the day before overdue (``circulation_daily``).
OVERDUE_RUN = dt.time(0, 30)
#: Online renewals and the self-service units are used between these hours.
SELF_SERVICE = (dt.time(7, 0), dt.time(23, 0))
#: A copy in transit is received at its destination during these hours.
RECEIVING = (dt.time(9, 0), dt.time(17, 0))
#: The reason written when a copy in transit arrives (the logistics room will own this).
ARRIVAL_REASON = "transit_received"
ZERO = Decimal("0.00")
UTC = dt.UTC


@dataclass(eq=False, slots=True)
class LoanPlan:
    item: int
    owner: int  # the copy's owning unit
    item_type: str
    reader: Borrower
    unit: Place  # where it was lent
    terms: Terms
    out_on: dt.date
    out_at: dt.datetime
    due_on: dt.date  # as at checkout
    renewed_on: dt.date | None = None
    renewed_at: dt.datetime | None = None
    renew_unit: Place | None = None  # None: renewed online
    renewed_due: dt.date | None = None
    overdue_at: dt.datetime | None = None  # the night it was marked overdue, if it was
    back_on: dt.date | None = None  # None: still out now
    back_at: dt.datetime | None = None
    back_unit: Place | None = None
    stays: bool = True  # the returned copy stays where it came back...
    destination: Place | None = None  # ... or goes there
    reason: str = ""  # ``Route.reason``
    arrived_at: dt.datetime | None = None  # when a copy in transit got there
    days_late: int = 0  # at the return
    fine: Decimal = ZERO  # charged at the return
    credit_change: int = 0  # what the return did to the reader's credit

    @property
    def final_due(self) -> dt.date:
        return self.renewed_due or self.due_on

    @property
    def renewals(self) -> int:
        return 1 if self.renewed_at else 0

    @property
    def status(self) -> str:
        if self.back_at is not None:
            return LoanStatus.RETURNED
        if self.overdue_at is not None:
            return LoanStatus.OVERDUE
        return LoanStatus.RENEWED if self.renewed_at else LoanStatus.ON_LOAN

    @property
    def status_before_return(self) -> str:
        if self.overdue_at is not None:
            return LoanStatus.OVERDUE
        return LoanStatus.RENEWED if self.renewed_at else LoanStatus.ON_LOAN

    def settle(self) -> None:
        """Lateness, fine and credit change of the return, as ``_end_loan`` works them out."""
        if self.back_on is None:
            self.days_late, self.fine, self.credit_change = 0, ZERO, 0
            return
        self.days_late = policies.days_late(self.final_due, self.back_on)
        self.fine = policies.overdue_fine(self.terms, self.days_late)
        penalty = policies.credit_penalty(self.terms, self.days_late)
        self.credit_change = -penalty if penalty else policies.CREDIT_ON_TIME_REWARD


class Planner:
    """Checkout, renewal, return and arrival of one loan, with the rules' answers."""

    def __init__(self, world: World, *, now: dt.datetime) -> None:
        self.world = world
        self.now = now.astimezone(UTC)
        self.today = clock.as_local(now).date()
        self._midnights: dict[dt.date, dt.datetime] = {}
        self._spans: dict[tuple[int, int], list[tuple[int, int, int]]] = {}

    # --- moments ------------------------------------------------------------------------

    def midnight(self, day: dt.date) -> dt.datetime:
        """Local midnight, in UTC (every moment of a plan is: cheap to write)."""
        found = self._midnights.get(day)
        if found is None:
            found = self._midnights[day] = clock.start_of_day(day).astimezone(UTC)
        return found

    def moment(self, day: dt.date, span: tuple[dt.time, dt.time], rng: random.Random):
        """A whole second between the two times of ``day``."""
        first, last = (t.hour * 3600 + t.minute * 60 for t in span)
        return self.midnight(day) + dt.timedelta(seconds=rng.randrange(first, last))

    def at(self, place: Place, day: dt.date, rng: random.Random) -> dt.datetime:
        """A moment ``place`` is open on ``day`` (a 24-hour unit: between 7 and 23), a minute
        before closing at the latest."""
        spans = self._spans.get((place.pk, day.weekday()))
        if spans is None:
            spans = self._spans[(place.pk, day.weekday())] = _spans(place, day.weekday())
        pick = rng.randrange(spans[-1][2])
        for opens, length, _total in spans:
            if pick < length:
                return self.midnight(day) + dt.timedelta(seconds=opens + max(0, pick - 60))
            pick -= length
        raise AssertionError("unreachable")

    # --- the loan -----------------------------------------------------------------------

    def checkout(self, *, item: int, reader: Borrower, unit: Place, day: dt.date,
                 rng: random.Random, at: dt.datetime | None = None) -> LoanPlan:  # fmt: skip
        shelves = self.world.shelves
        item_type = shelves.type_of(item)
        terms = self.world.book.terms(unit, reader.category_id, item_type)
        return LoanPlan(
            item=item, owner=shelves.owner[item], item_type=item_type, reader=reader,
            unit=unit, terms=terms, out_on=day, out_at=at or self.at(unit, day, rng),
            due_on=unit.due_on(day, terms.loan_days),
        )  # fmt: skip

    def renew(self, plan: LoanPlan, day: dt.date, rng: random.Random,
              at_unit: Place | None = None) -> bool:  # fmt: skip
        """Renew on ``day`` (online, or at ``at_unit``'s desk) if it is past and the loan
        may still be renewed then (running, not overdue, renewals left)."""
        if not (plan.out_on < day < self.today) or day > plan.final_due:
            return False
        if plan.renewals >= plan.terms.renewals or not plan.reader.active:
            return False
        at = self.at(at_unit, day, rng) if at_unit else self.moment(day, SELF_SERVICE, rng)
        plan.renewed_on, plan.renewed_at, plan.renew_unit = day, at, at_unit
        plan.renewed_due = max(plan.due_on, plan.unit.due_on(day, plan.terms.renewal_days))
        return True

    def give_back(self, plan: LoanPlan, place: Place, day: dt.date, rng: random.Random,
                  *, transit_days: int = 1) -> None:  # fmt: skip
        """The copy comes back at ``place`` on ``day`` (if that is past; else it is still
        out), then goes where the routing rule sends it."""
        if day >= self.today:
            plan.back_on = plan.back_at = plan.back_unit = None
        else:
            plan.back_on, plan.back_at, plan.back_unit = day, self.at(place, day, rng), place
            plan.stays, plan.destination, plan.reason = self.world.route(
                plan.terms, plan.owner, place
            )
            plan.arrived_at = None
            if not plan.stays:
                arrival = self.moment(day + dt.timedelta(days=transit_days), RECEIVING, rng)
                plan.arrived_at = min(arrival, self.now)
        self._overdue(plan)
        plan.settle()

    def _overdue(self, plan: LoanPlan) -> None:
        """Marked overdue in the night after the due date, unless back by then."""
        marked = plan.final_due + dt.timedelta(days=1)
        plan.overdue_at = None
        if marked <= self.today and (plan.back_on is None or plan.back_on >= marked):
            night = self.midnight(marked) + dt.timedelta(hours=OVERDUE_RUN.hour,
                                                         minutes=OVERDUE_RUN.minute)  # fmt: skip
            plan.overdue_at = min(night, self.now)

    def copy_free_on(self, plan: LoanPlan) -> tuple[int, dt.date] | None:
        """Where and from which day the copy can be lent again (None: still out)."""
        if plan.back_on is None:
            return None
        if plan.stays:
            return plan.back_unit.pk, plan.back_on + dt.timedelta(days=1)
        arrived = clock.as_local(plan.arrived_at).date()
        return plan.destination.pk, arrived + dt.timedelta(days=1)


def _spans(place: Place, weekday: int) -> list[tuple[int, int, int]]:
    """(opening second, length, the day's total) of each interval of the weekday."""
    intervals = place.hours.get(weekday)
    if place.open_24h or not intervals:
        intervals = (SELF_SERVICE,)
    spans = [(_seconds(opens), _seconds(closes) - _seconds(opens)) for opens, closes in intervals]
    total = sum(length for _opens, length in spans)
    return [(opens, length, total) for opens, length in spans]


def _seconds(t: dt.time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second
