"""Every move of a hold the state machine allows is made by ``hold_move`` with its history;
every other move is refused and changes nothing."""

import pytest

from libcity.holds.exceptions import HoldTransitionNotAllowed
from libcity.holds.models import Hold, HoldHistory, HoldStatus
from libcity.holds.services import hold_move
from libcity.holds.states import ENDED, TRANSITIONS

ALLOWED = [(s, t) for s, targets in TRANSITIONS.items() for t in targets]
REFUSED = [(s, t) for s in HoldStatus.values for t in HoldStatus.values
           if t not in TRANSITIONS[s]]  # fmt: skip


def a_hold(library, status):
    reader = library.reader()
    return Hold.objects.create(
        reader=reader, reader_category="adult", reader_home_unit=reader.home_unit,
        record=library.record, pickup_unit=library.city.b1, status=status,
        placed_at="2026-03-05T10:00:00+08:00",
    )  # fmt: skip


@pytest.mark.parametrize(("start", "target"), ALLOWED)
def test_every_allowed_move(library, start, target):
    hold = a_hold(library, start)
    hold_move(hold, target, unit=library.city.b1, actor=None)
    hold.refresh_from_db()
    assert hold.status == target
    row = HoldHistory.objects.get(hold=hold)
    assert (row.from_status, row.to_status, row.unit) == (start, target, library.city.b1)
    assert (hold.ended_at is not None) == (target in ENDED)


@pytest.mark.parametrize(("start", "target"), REFUSED)
def test_every_other_move_is_refused(library, start, target):
    hold = a_hold(library, start)
    with pytest.raises(HoldTransitionNotAllowed):
        hold_move(hold, target, unit=None, actor=None)
    hold.refresh_from_db()
    assert hold.status == start and not HoldHistory.objects.filter(hold=hold).exists()
