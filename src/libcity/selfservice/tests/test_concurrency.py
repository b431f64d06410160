"""Gates answering at the same moment, on SQLite and PostgreSQL: no count is lost.

Each thread has its own database connection and starts on a barrier with the others (as in
``circulation/tests/test_concurrency.py``).
"""

from __future__ import annotations

import pytest

from libcity.circulation.tests.test_concurrency import race
from libcity.selfservice.models import UnitVisit
from libcity.selfservice.services import GateAnswer, gate_entry

pytestmark = pytest.mark.django_db(transaction=True)


def test_forty_entries_at_once_are_all_counted(study_room, make_reader, tiny_city, at_ten):
    reader = make_reader(tiny_city.b1)
    cards = [reader.card_number] * 25 + ["unknown"] * 15
    jobs = [lambda c=c: gate_entry(unit=study_room, card_number=c, actor=None) for c in cards]
    results = race(jobs)
    assert all(isinstance(r, GateAnswer) for r in results)
    assert sum(r.allowed for r in results) == 25
    visit = UnitVisit.objects.get(unit=study_room)
    assert (visit.entries, visit.refused) == (25, 15)


def test_the_first_entries_of_a_day_at_once_make_one_row(study_room, make_reader, tiny_city,
                                                         at_ten):  # fmt: skip
    """The row does not exist yet: every thread tries to insert it; one does, the rest add."""
    reader = make_reader(tiny_city.b1)
    for round_ in range(3):
        jobs = [lambda: gate_entry(unit=study_room, card_number=reader.card_number, actor=None)
                for _ in range(12)]  # fmt: skip
        UnitVisit.objects.all().delete()
        race(jobs)
        assert list(UnitVisit.objects.values_list("entries", "refused")) == [(12, 0)], round_
