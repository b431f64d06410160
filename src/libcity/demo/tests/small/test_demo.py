"""``libcity demo --scale small``: one city built for the module, read by every test.

The city is built once inside a transaction that is rolled back when the module ends; each
test runs in its own savepoint within it (pytest-django), so nothing leaks to other rooms.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections import Counter

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.hashers import check_password
from django.core.management import CommandError, call_command

from libcity.core.identifiers import card_number_is_valid
from libcity.demo.places import CENTRAL, CITY_RESIDENTS, DISTRICTS
from libcity.network.models import (
    ClosedDate,
    OpeningHours,
    OperatorKind,
    TransportCost,
    Unit,
    UnitKind,
    UnitTier,
)
from libcity.readers import policies
from libcity.readers.models import Card, CardStatus, Reader, ReaderHistory
from libcity.staff.models import Role, StaffAssignment
from libcity.staff.policies import READERS_REGISTER
from libcity.staff.selectors import has_permission

User = get_user_model()


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("small_city")]


def test_small_city_has_the_expected_size_and_every_kind(small_city):
    assert 150 <= Unit.objects.count() <= 250
    assert Reader.objects.count() == 2000
    assert set(Unit.objects.values_list("kind", flat=True)) == set(UnitKind.values)
    assert set(Unit.objects.values_list("tier", flat=True)) == set(UnitTier.values)
    assert "Demo city built: scale small, seed 1" in small_city.out
    assert "readers: 2000" in small_city.out


def test_every_district_is_there_with_its_census_population():
    central = Unit.objects.get(code="gz-central")
    assert central.parent is None
    assert (central.name_zh, central.tier) == ("广州图书馆", UnitTier.CENTRAL)
    assert (central.latitude, central.longitude) == (CENTRAL["latitude"], CENTRAL["longitude"])
    assert central.residents == CITY_RESIDENTS
    districts = Unit.objects.filter(tier=UnitTier.DISTRICT)
    assert {u.code: u.residents for u in districts} == {
        f"gz-{d.slug}": d.residents for d in DISTRICTS
    }
    assert len(DISTRICTS) == 11
    assert Unit.objects.get(code="gz-yuexiu").residents == 1_038_542
    assert Unit.objects.get(code="gz-baiyun").residents == 3_740_038
    assert all(u.parent_id == central.pk for u in districts)


def test_every_district_has_branches_rooms_and_every_service_point():
    for d in DISTRICTS:
        district = Unit.objects.get(code=f"gz-{d.slug}")
        below = Unit.objects.filter(path__startswith=district.path).exclude(pk=district.pk)
        assert set(below.values_list("kind", flat=True)) == set(UnitKind.values), d.slug
        assert below.filter(tier=UnitTier.BRANCH).exists()
        for room in below.filter(tier=UnitTier.COMMUNITY):
            assert room.parent.tier == UnitTier.BRANCH
        branch_residents = sum(
            below.filter(tier=UnitTier.BRANCH).values_list("residents", flat=True)
        )
        assert branch_residents == d.residents


def test_bigger_districts_get_more_units():
    sizes = {
        f"gz-{d.slug}": Unit.objects.filter(
            path__startswith=Unit.objects.get(code=f"gz-{d.slug}").path
        ).count()
        for d in DISTRICTS
    }
    assert max(sizes, key=sizes.get) == "gz-baiyun"
    assert sizes["gz-baiyun"] > sizes["gz-tianhe"] > sizes["gz-yuexiu"] >= sizes["gz-conghua"]


def test_units_stand_near_their_district_centre():
    for d in DISTRICTS:
        district = Unit.objects.get(code=f"gz-{d.slug}")
        for unit in Unit.objects.filter(path__startswith=district.path):
            d_lat = unit.latitude - d.latitude
            d_lng = (unit.longitude - d.longitude) * math.cos(math.radians(d.latitude))
            assert math.hypot(d_lat, d_lng) <= 0.08 + 1e-9, unit.code


def test_names_are_plausible_in_both_languages():
    yuexiu = Unit.objects.get(code="gz-yuexiu")
    assert (yuexiu.name_zh, yuexiu.name_en) == ("越秀区图书馆", "Yuexiu District Library")
    branch = Unit.objects.filter(code__startswith="gz-yuexiu-br").first()
    assert branch.name_zh.startswith("越秀区图书馆") and branch.name_zh.endswith("分馆")
    assert branch.name_en.startswith("Yuexiu District Library ")
    assert branch.name_en.endswith(" Branch")
    assert all(u.name_zh.endswith("社区图书室") for u in Unit.objects.filter(tier="community"))
    assert all(u.name_zh.endswith("城市书房") for u in Unit.objects.filter(kind="study_room_24h"))
    assert all(u.name_zh.startswith("流动图书车") for u in Unit.objects.filter(kind="van_stop"))
    assert all(u.name_zh.endswith("微分馆") for u in Unit.objects.filter(kind="micro_branch"))
    assert not Unit.objects.filter(name_en="").exists()
    assert not Unit.objects.filter(address_zh="").exists()


def test_partners_run_the_small_places_and_the_library_the_rest():
    by_kind = Counter(
        Unit.objects.filter(
            kind__in=["micro_branch", "school_library", "partner_space"]
        ).values_list("operator__kind", flat=True)
    )
    assert OperatorKind.LIBRARY_SYSTEM not in by_kind
    assert {OperatorKind.COMPANY, OperatorKind.SCHOOL, OperatorKind.BOOKSTORE} <= set(by_kind)
    library_units = Unit.objects.filter(
        kind__in=["library", "study_room_24h", "locker", "van_stop"]
    )
    assert set(library_units.values_list("operator__code", flat=True)) == {"gz-library-system"}


def test_timetables_follow_the_kind_of_unit():
    central = Unit.objects.get(code="gz-central")
    monday = OpeningHours.objects.get(unit=central, weekday=0)
    assert monday.opens >= dt.time(12, 0) and monday.closes == dt.time(21, 0)
    yuexiu = Unit.objects.get(code="gz-yuexiu")
    assert not OpeningHours.objects.filter(unit=yuexiu, weekday=0).exists()
    assert OpeningHours.objects.filter(unit=yuexiu, weekday__in=range(1, 7)).count() == 6
    branch = Unit.objects.filter(tier=UnitTier.BRANCH).first()
    assert OpeningHours.objects.filter(unit=branch, weekday=2).count() == 2
    for unit in Unit.objects.filter(kind__in=["study_room_24h", "locker"]):
        assert unit.open_24h and not unit.opening_hours.exists()
    for stop in Unit.objects.filter(kind=UnitKind.VAN_STOP):
        assert 1 <= stop.opening_hours.count() <= 2
        assert not stop.open_24h


def test_closed_dates_and_transport_overrides():
    festival = dt.date(2027, 2, 6)
    assert ClosedDate.objects.filter(unit__code="gz-central", date=festival).exists()
    conghua = Unit.objects.get(code="gz-conghua")
    in_conghua = Unit.objects.filter(path__startswith=conghua.path)
    assert ClosedDate.objects.filter(unit__in=in_conghua, date=festival).count() == len(in_conghua)
    assert ClosedDate.objects.filter(unit__tier=UnitTier.BRANCH, date=festival).exists()
    pairs = set(TransportCost.objects.values_list("from_unit__code", "to_unit__code"))
    assert ("gz-central", "gz-nansha") in pairs and ("gz-nansha", "gz-central") in pairs
    assert all("gz-central" in pair for pair in pairs)


def test_if_empty_does_nothing_the_second_time():
    before = (Unit.objects.count(), Reader.objects.count())
    out = io.StringIO()
    call_command("demo", scale="small", seed=1, if_empty=True, stdout=out)
    assert "already holds" in out.getvalue()
    assert len(out.getvalue().strip().splitlines()) == 1
    assert (Unit.objects.count(), Reader.objects.count()) == before


def test_a_plain_second_run_refuses():
    before = Unit.objects.count()
    with pytest.raises(CommandError, match="already holds"):
        call_command("demo", scale="small", seed=2, stdout=io.StringIO())
    assert Unit.objects.count() == before


DEMO_LOGINS = ["admin", "desk", "cataloguer", "logistics", "partner", "reader"] + [
    f"manager-{d.slug}" for d in DISTRICTS
]


def test_demo_logins_share_the_one_hash_of_demo():
    """One hash for every demo login (PBKDF2 costs half a second each): checked once here."""
    passwords = dict(
        User.objects.filter(username__in=DEMO_LOGINS).values_list("username", "password")
    )
    assert set(passwords) == set(DEMO_LOGINS)
    (shared,) = set(passwords.values())
    assert check_password("demo", shared)


@pytest.mark.parametrize("username", ["admin", "desk", "reader"])
def test_demo_logins_authenticate(username):
    user = authenticate(username=username, password="demo")
    assert user is not None and user.username == username


def test_roles_of_the_demo_staff():
    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser
    assert StaffAssignment.objects.get(user=admin).role == Role.NETWORK_ADMIN
    manager = StaffAssignment.objects.get(user__username="manager-tianhe")
    assert (manager.role, manager.unit.code) == (Role.BRANCH_MANAGER, "gz-tianhe")
    partner = StaffAssignment.objects.get(user__username="partner")
    assert partner.role == Role.PARTNER_OPERATOR
    assert partner.unit.kind == UnitKind.MICRO_BRANCH and not partner.include_descendants


def test_desk_has_the_desk_role_only_at_the_central_library():
    desk = User.objects.get(username="desk")
    (assignment,) = StaffAssignment.objects.filter(user=desk)
    assert (assignment.role, assignment.unit.code) == (Role.DESK, "gz-central")
    assert not assignment.include_descendants
    assert has_permission(desk, READERS_REGISTER, Unit.objects.get(code="gz-central"))
    assert not has_permission(desk, READERS_REGISTER, Unit.objects.get(code="gz-yuexiu"))


def test_the_demo_reader_is_an_adult_at_the_yuexiu_library():
    user = User.objects.get(username="reader")
    reader = user.reader
    assert reader.home_unit.code == "gz-yuexiu"
    assert reader.category.code == "adult"
    assert not StaffAssignment.objects.filter(user=user).exists()


def test_readers_are_whole_and_consistent():
    readers = Reader.objects.select_related("category", "guardian", "home_unit")
    today = dt.date.today()
    assert readers.values("id_hash").distinct().count() == readers.count()
    active = dict(Card.objects.filter(status=CardStatus.ACTIVE).values_list("reader_id", "number"))
    registered = Counter(
        ReaderHistory.objects.filter(action="reader_registered").values_list("reader_id", flat=True)
    )
    for reader in readers:
        assert active[reader.pk] == reader.card_number
        assert card_number_is_valid(reader.card_number)
        assert registered[reader.pk] == 1
        age = policies.age_on(reader.birth_date, today)
        assert policies.category_fits_age(reader.category, age), (reader.category.code, age)
        if policies.needs_guardian(reader.category, age):
            assert reader.guardian is not None
            assert policies.may_be_guardian(policies.age_on(reader.guardian.birth_date, today))
        assert reader.home_unit.tier in (UnitTier.DISTRICT, UnitTier.BRANCH, UnitTier.COMMUNITY)


def test_readers_are_a_mix_spread_over_the_city():
    categories = Counter(Reader.objects.values_list("category__code", flat=True))
    assert set(categories) == {"child", "adult", "senior", "student", "visually_impaired"}
    assert categories["adult"] > categories["child"] > 0
    assert Reader.objects.filter(guardian__isnull=False).count() == categories["child"]
    paths = dict(Unit.objects.values_list("pk", "path"))
    districts = Counter(
        paths[pk].split("/")[2] for pk in Reader.objects.values_list("home_unit", flat=True)
    )
    assert len(districts) == 11
    assert Reader.objects.exclude(phone="").count() >= categories["adult"]
