"""Determinism, the bulk path against the service path, and the pure generators.

``district`` and ``city`` are not built here (minutes): their plans are checked as data, and
their registration path (bulk) is compared with the service on a few readers.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from stdnum.cn import ric

from libcity.core.identifiers import resident_id_check
from libcity.demo.build import demo_build
from libcity.demo.people import CATEGORY_MIX
from libcity.demo.places import DISTRICTS
from libcity.demo.plan import SCALES, city_plan, kind_counts
from libcity.demo.registration import people_maker
from libcity.network.models import Unit, UnitKind, UnitTier
from libcity.readers import policies
from libcity.readers.models import Card, Reader, ReaderHistory


class _Rollback(Exception):
    pass


def _in_a_fresh_database(build, snapshot):
    """Run ``build`` and ``snapshot`` in a transaction that is then rolled back."""
    try:
        with transaction.atomic():
            build()
            taken = snapshot()
            raise _Rollback
    except _Rollback:
        return taken


def _city_snapshot():
    units = sorted(Unit.objects.values_list("code", "name_zh", "latitude", "longitude"))
    readers = sorted(Reader.objects.values_list("card_number", "id_last4", "name", "birth_date"))
    return units, readers


@pytest.mark.django_db
def test_the_same_seed_builds_the_same_city():
    def build():
        call_command("demo", scale="small", seed=7, readers=150, records=0, stdout=io.StringIO(),
                     stderr=io.StringIO())  # fmt: skip

    first = _in_a_fresh_database(build, _city_snapshot)
    second = _in_a_fresh_database(build, _city_snapshot)
    assert first == second
    assert len(first[0]) > 150 and len(first[1]) == 150


def test_another_seed_builds_another_city():
    plans = [city_plan(SCALES["small"], seed) for seed in (1, 2)]
    assert [u.code for u in plans[0].units] != [u.code for u in plans[1].units] or [
        (u.latitude, u.longitude) for u in plans[0].units
    ] != [(u.latitude, u.longitude) for u in plans[1].units]


def _readers_snapshot():
    readers = {}
    for reader in Reader.objects.select_related("guardian", "home_unit", "category"):
        row = {
            f.attname: getattr(reader, f.attname)
            for f in Reader._meta.concrete_fields
            if f.attname not in ("id", "registered_at", "guardian_id", "category_id",
                                 "home_unit_id", "user_id")
        }  # fmt: skip
        row["guardian"] = reader.guardian.card_number if reader.guardian else None
        row["home_unit"] = reader.home_unit.code
        row["category"] = reader.category.code
        readers[reader.card_number] = row
    cards = sorted(
        Card.objects.values_list("number", "reader__card_number", "status", "issued_at_unit__code",
                                 "ended_at")
    )  # fmt: skip
    history = sorted(
        (row[0], row[1], row[2], sorted(row[3].items()))
        for row in ReaderHistory.objects.filter(action="reader_registered").values_list(
            "reader__card_number", "action", "actor", "details"
        )
    )
    return readers, cards, history


@pytest.mark.django_db
def test_the_bulk_path_writes_what_the_service_writes():
    def build(bulk):
        return lambda: demo_build(
            scale="small", seed=3, readers=60, bulk=bulk, batch_size=16, records=0, items=0
        )

    by_service = _in_a_fresh_database(build(False), _readers_snapshot)
    in_bulk = _in_a_fresh_database(build(True), _readers_snapshot)
    readers, cards, history = by_service
    assert len(readers) == len(cards) == len(history) == 60
    assert any(r["guardian"] for r in readers.values())  # wards, some across batches
    assert in_bulk[0] == readers
    assert in_bulk[1] == cards
    assert in_bulk[2] == history
    assert {r["registered_via"] for r in readers.values()} == {"import"}
    assert all(dict(h[3])["channel"] == "import" for h in history)


def test_generated_people_hold_valid_unique_resident_ids():
    plan = city_plan(SCALES["district"], 1)
    maker = people_maker(plan, 1)
    people = list(maker.make(10_000))
    today = dt.date.today()
    districts = {d.slug: d for d in DISTRICTS}
    assert len({p.resident_id for p in people}) == len(people)
    for person in people:
        checked = resident_id_check(person.resident_id)  # the full check, every one
        assert ric.is_valid(person.resident_id)  # region code in use in the birth year too
        assert checked.birth_date == person.birth_date
        region = districts[person.district].region_code(person.birth_date.year)
        assert person.resident_id.startswith(region)
        age = policies.age_on(person.birth_date, today)
        _share, youngest, oldest = CATEGORY_MIX[person.category]
        assert youngest - 1 <= age <= oldest
        if person.category == "child":
            assert person.guardian is not None and person.guardian < person.index
            guardian = people[person.guardian]
            assert guardian.category == "adult" and guardian.district == person.district
            assert person.name[0] == guardian.name[0]  # the family name
        else:
            assert person.guardian is None
    mix = Counter(p.category for p in people)
    assert set(mix) == set(CATEGORY_MIX)
    regions = {p.resident_id[:6] for p in people}
    assert {"440104", "440106", "440111", "440113", "440118"} <= regions


def test_child_ages_stay_within_the_category_all_year():
    for category, (_share, youngest, oldest) in CATEGORY_MIX.items():
        default = next(c for c in policies.DEFAULT_CATEGORIES if c.code == category)
        year = dt.date.today().year
        earliest_birth = dt.date(year - oldest, 1, 1)
        latest_birth = dt.date(year - youngest, 12, 31)
        for on in (dt.date(year, 1, 1), dt.date(year, 12, 31)):
            for birth in (earliest_birth, latest_birth):
                age = policies.age_on(birth, on)
                if default.min_age is not None:
                    assert age >= default.min_age, (category, birth, on)
                if default.max_age is not None:
                    assert age <= default.max_age, (category, birth, on)


@pytest.mark.parametrize(("scale", "low", "high"), [
    ("small", 150, 250), ("district", 280, 340), ("city", 2800, 3200),
])  # fmt: skip
def test_plans_of_every_scale(scale, low, high):
    plan = city_plan(SCALES[scale], 1)
    codes = [u.code for u in plan.units]
    assert low <= len(codes) <= high
    assert len(set(codes)) == len(codes)
    assert all(len(code) <= 40 for code in codes)
    seen = set()
    for unit in plan.units:
        assert unit.parent is None or unit.parent in seen
        seen.add(unit.code)
    assert len({o.code for o in plan.operators}) == len(plan.operators)
    for d in DISTRICTS:
        counts = kind_counts(d, SCALES[scale])
        assert all(n >= 1 for n in counts.values())
        assert counts["branch"] <= len(d.streets)
    kinds = Counter(u.kind for u in plan.units)
    assert set(kinds) == set(UnitKind.values)
    tiers = Counter(u.tier for u in plan.units)
    assert tiers[UnitTier.DISTRICT] == 11 and tiers[UnitTier.CENTRAL] == 1
    assert sum(u.open_24h for u in plan.units) == (
        kinds[UnitKind.STUDY_ROOM_24H] + kinds[UnitKind.LOCKER]
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"records": 0, "items": 5}, "--items needs records"),
        ({"items": -1}, "negative"),
        ({"loans": -1}, "negative"),
    ],
)
def test_impossible_catalogue_sizes_are_refused_before_anything_is_built(options, words):
    with pytest.raises(CommandError, match=words):
        call_command("demo", scale="small", seed=1, stdout=io.StringIO(), **options)
    assert not Unit.objects.exists()
