"""The rebalancing flow on small cases whose best plan is known."""

from libcity.logistics.rebalancing import Move, plan_moves

#: Units 1..4 on a line, 10 yuan a step; units 1 and 2 under depot 1, 3 and 4 under depot 3.
DEPOT = {1: 1, 2: 1, 3: 3, 4: 3}


def cost(a, b):
    return abs(a - b) * 1000


def test_the_nearest_idle_copy_goes_to_the_waiting_reader():
    moves = plan_moves(supplies={(7, 1): 1, (7, 3): 1}, needs={(7, 4): 1}, depot_of=DEPOT,
                       depot_capacity={1: 10, 3: 10}, cost=cost)  # fmt: skip
    assert moves == [Move(record=7, from_unit=3, to_unit=4, copies=1)]


def test_every_need_met_at_the_least_total_cost():
    # two copies at 1 and 4, readers at 2 and 3: 1→2 and 4→3 (cost 2) beats 1→3 and 4→2 (4)
    moves = plan_moves(supplies={(7, 1): 1, (7, 4): 1}, needs={(7, 2): 1, (7, 3): 1},
                       depot_of=DEPOT, depot_capacity={1: 10, 3: 10}, cost=cost)  # fmt: skip
    assert sorted(moves, key=lambda m: m.from_unit) == [Move(7, 1, 2, 1), Move(7, 4, 3, 1)]


def test_copies_never_cross_titles():
    moves = plan_moves(supplies={(7, 1): 3}, needs={(8, 2): 2}, depot_of=DEPOT,
                       depot_capacity={1: 10}, cost=cost)  # fmt: skip
    assert moves == []


def test_the_vans_capacity_limits_the_moves_and_the_cheapest_go_first():
    # depot 1 can send one copy today: the reader at 2 (cheap) before the one at 4
    moves = plan_moves(supplies={(7, 1): 2}, needs={(7, 2): 1, (7, 4): 1}, depot_of=DEPOT,
                       depot_capacity={1: 1}, cost=cost)  # fmt: skip
    assert moves == [Move(7, 1, 2, 1)]


def test_more_copies_than_needs_moves_only_what_is_needed():
    moves = plan_moves(supplies={(7, 1): 5, (9, 3): 2}, needs={(7, 2): 2, (9, 4): 1},
                       depot_of=DEPOT, depot_capacity={1: 10, 3: 10}, cost=cost)  # fmt: skip
    assert sorted(moves, key=lambda m: m.record) == [Move(7, 1, 2, 2), Move(9, 3, 4, 1)]


def test_a_unit_does_not_send_to_itself():
    assert plan_moves(supplies={(7, 2): 1}, needs={(7, 2): 1}, depot_of=DEPOT,
                      depot_capacity={1: 10}, cost=cost) == []  # fmt: skip
