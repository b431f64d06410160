"""``libcity simulate``: the month's mechanics on a small world, and the command's output."""

import io
import json
import xml.etree.ElementTree as ET

import pytest
from django.core.management import CommandError, call_command

from libcity.demo.simulation.engine import Demand, Hold, Simulation
from libcity.demo.simulation.world import HELD, ON_LOAN, ON_SHELF, build_world


@pytest.fixture(scope="module")
def world():
    return build_world("small", 1, records=400)


def test_a_copy_coming_back_serves_the_first_waiting_hold(world):
    sim = Simulation(world, Demand(visits_per_day=0), targeting="nearest", rebalance=False,
                     days=1, seed=1)  # fmt: skip
    copy = world.copies_of[0][0]
    here = sim.location[copy]
    sim.shelf.take(copy)
    sim.status[copy] = ON_LOAN
    first, second = Hold(title=0, pickup=here, placed=0), Hold(title=0, pickup=here, placed=0)
    sim.queues[0].extend([first, second])
    sim.returns[3].append((copy, here))
    sim._return(3)
    assert first.ready == 3 and second.ready is None and sim.status[copy] == HELD
    assert sim.out.waits == [3] and sim.out.transits == 0


def test_a_hold_elsewhere_is_sent_and_arrives(world):
    sim = Simulation(world, Demand(visits_per_day=0), targeting="nearest", rebalance=False,
                     days=1, seed=1)  # fmt: skip
    copy = world.copies_of[1][0]
    here = sim.location[copy]
    pickup = next(u for u in world.service_units if u != here)
    for other in world.copies_of[1][1:]:  # the copy at ``here`` is the only one on a shelf
        sim.shelf.take(other)
        sim.status[other] = ON_LOAN
    hold = Hold(title=1, pickup=pickup, placed=0)
    sim.queues[1].append(hold)
    sim._target(0)
    assert sim.out.transits == 1 and not sim.queues
    arrival = 0 + world.travel_days(here, pickup)
    sim._arrive(arrival)
    assert hold.ready == arrival and sim.location[copy] == pickup


def test_a_borrower_passes_a_waited_for_copy_on_without_a_transit(world):
    """转借: a copy due back whose title has a reader waiting elsewhere goes from hand to
    hand: the hold's wait ends when they meet, a new loan begins, nothing travels."""
    demand = Demand(visits_per_day=0, pass_on_share=1.0, meet_days=(1, 1))
    sim = Simulation(world, demand, targeting="nearest", rebalance=False, days=1, seed=1)
    copy = world.copies_of[2][0]
    here = sim.location[copy]
    elsewhere = next(u for u in world.service_units if u != here)
    sim.shelf.take(copy)
    sim.status[copy] = ON_LOAN
    hold = Hold(title=2, pickup=elsewhere, placed=1)
    sim.queues[2].append(hold)
    sim.returns[5].append((copy, here))
    sim._return(5)
    assert hold.ready is None and sim.status[copy] == ON_LOAN  # they meet tomorrow
    sim._hand_over(6)
    assert hold.ready == 6 and sim.out.waits == [5] and sim.out.passed_on == 1
    assert sim.out.transits == 0 and sim.out.loans == 1
    assert sim.status[copy] == ON_LOAN and sim.location[copy] == elsewhere
    assert sum(len(back) for back in sim.returns.values()) == 1  # the receiver's loan


def test_nobody_passes_a_copy_on_when_nobody_waits(world):
    demand = Demand(visits_per_day=0, pass_on_share=1.0)
    sim = Simulation(world, demand, targeting="nearest", rebalance=False, days=1, seed=1)
    copy = world.copies_of[3][0]
    here = sim.location[copy]
    sim.shelf.take(copy)
    sim.status[copy] = ON_LOAN
    sim.returns[2].append((copy, here))
    sim._return(2)
    assert sim.status[copy] == ON_SHELF and sim.out.passed_on == 0


def test_a_month_moves_copies_and_counts_it(world):
    outcome = Simulation(world, Demand(visits_per_day=60), targeting="owner_first",
                         rebalance=True, days=10, seed=2).run()  # fmt: skip
    figures = outcome.figures()
    assert figures["loans"] > 300 and figures["holds_placed"] > 0
    assert figures["transits"] > 0 and figures["van_km"] > 0
    assert figures["van_km"] <= figures["van_km_one_trip_per_stop"]
    assert all(w >= 0 for w in outcome.waits)
    # the world itself is untouched: every run starts from the same city
    assert all(status == ON_SHELF for status in world.status)


def test_the_command_reports_every_policy(tmp_path):
    out = io.StringIO()
    call_command("simulate", scale="small", days=3, records=300, json=str(tmp_path / "s.json"),
                 chart=str(tmp_path / "s.svg"), stdout=out, stderr=io.StringIO())  # fmt: skip
    assert "| nearest + rebalancing |" in out.getvalue()
    runs = json.loads((tmp_path / "s.json").read_text())["runs"]
    assert [(r["policy"], r["rebalance"], r["pass_on_share"]) for r in runs] == [
        ("nearest", False, 0.0),
        ("nearest", True, 0.0),
        ("owner_first", False, 0.0),
        ("owner_first", True, 0.0),
        ("nearest", False, 0.5),
        ("owner_first", False, 0.5),
    ]
    assert "| nearest + passing on (50%) |" in out.getvalue()
    assert ET.parse(tmp_path / "s.svg").getroot().tag.endswith("svg")
    with pytest.raises(CommandError):
        call_command("simulate", days=0, stdout=io.StringIO(), stderr=io.StringIO())
    with pytest.raises(CommandError, match="--pass-on"):
        call_command("simulate", pass_on=1.5, stdout=io.StringIO(), stderr=io.StringIO())
