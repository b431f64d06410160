"""Rebalancing proposals from real demand and stock, approved into transits."""

import datetime as dt

import pytest
import time_machine

from libcity.circulation.services import loan_checkin, loan_checkout
from libcity.core.exceptions import Conflict
from libcity.holds.tests.conftest import SHANGHAI
from libcity.logistics.models import PlanStatus, Transit, TransitReason
from libcity.logistics.services.rebalance import (
    rebalance_approve,
    rebalance_propose,
    rebalance_reject,
)

LONG_AGO = dt.datetime(2025, 6, 1, 10, tzinfo=SHANGHAI)


@pytest.fixture
def demand_at_b2(library):
    """b2 lent the title three times lately but has no copy on its shelf (they were
    returned at b1, where they stay); d1 holds a copy nobody borrowed for months."""
    city = library.city
    with time_machine.travel(LONG_AGO, tick=False):
        idle = library.copy("IDLE", owner=city.d1)
        busy = [library.copy(f"BUSY{n}", owner=city.b2) for n in range(3)]
    for copy in busy:
        loan_checkout(item=copy, reader=library.reader(), unit=city.b2, actor=None)
        loan_checkin(item=copy, unit=city.b1, actor=None)
    return idle


def test_an_idle_copy_is_proposed_where_readers_borrow_the_title(library, demand_at_b2):
    plan = rebalance_propose()
    moves = list(plan.moves.all())
    assert [(m.item, m.from_unit, m.to_unit) for m in moves] == [
        (demand_at_b2, library.city.d1, library.city.b2)
    ]
    assert plan.status == PlanStatus.PROPOSED and plan.needs == 1
    assert plan.cost == moves[0].cost > 0


def test_a_copy_lent_lately_is_not_idle(library, demand_at_b2):
    loan_checkout(item=demand_at_b2, reader=library.reader(), unit=library.city.d1, actor=None)
    loan_checkin(item=demand_at_b2, unit=library.city.d1, actor=None)
    assert not rebalance_propose().moves.exists()


def test_approving_sends_the_copies_once(library, demand_at_b2):
    plan = rebalance_propose()
    assert rebalance_approve(plan=plan, actor=None) == 1
    transit = Transit.objects.get(item=demand_at_b2)
    assert (transit.reason, transit.to_unit) == (TransitReason.REBALANCE, library.city.b2)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED and plan.moves.get().transit == transit
    with pytest.raises(Conflict):
        rebalance_approve(plan=plan, actor=None)


def test_a_rejected_plan_sends_nothing(library, demand_at_b2):
    plan = rebalance_reject(plan=rebalance_propose(), actor=None)
    assert plan.status == PlanStatus.REJECTED and not Transit.objects.exists()


def test_a_copy_gone_since_the_proposal_is_skipped(library, demand_at_b2):
    plan = rebalance_propose()
    loan_checkout(item=demand_at_b2, reader=library.reader(), unit=library.city.d1, actor=None)
    assert rebalance_approve(plan=plan, actor=None) == 0
