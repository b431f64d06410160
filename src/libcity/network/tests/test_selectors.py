from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from libcity.core import clock
from libcity.network import selectors, services
from libcity.network.exceptions import InvalidCoordinates, UnitNotFound
from libcity.network.models import Unit
from libcity.network.tests.factories import (
    BAIYUN_LIBRARY,
    GUANGZHOU_LIBRARY,
    NANSHA_LIBRARY,
    PANYU_LIBRARY,
    SUN_YAT_SEN_LIBRARY,
    a_chain,
    a_unit,
    office_hours,
)

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
T = dt.time


def local(*args: int) -> dt.datetime:
    """A moment in the library's time zone (China Standard Time, UTC+8)."""
    return dt.datetime(*args, tzinfo=SHANGHAI)


# 2026-03-02 is a Monday; 2026-03-06 a Friday; 2026-03-07/08 the weekend.
MONDAY, FRIDAY, SATURDAY, SUNDAY = (dt.date(2026, 3, d) for d in (2, 6, 7, 8))


# --- the tree -------------------------------------------------------------------------------


class TestUnitGet:
    def test_finds_a_unit_by_code_in_any_case(self, central):
        assert selectors.unit_get("gz-central") == central
        assert selectors.unit_get(" GZ-Central ") == central

    def test_an_unknown_code_is_not_found(self, central):
        with pytest.raises(UnitNotFound) as raised:
            selectors.unit_get("nowhere")
        assert raised.value.code == "unit_not_found" and raised.value.status == 404


class TestTree:
    @pytest.fixture
    def chain(self, operator):
        return a_chain(7, operator=operator)

    def test_the_subtree_reaches_every_depth(self, chain, operator):
        elsewhere = a_unit(parent=chain[2], operator=operator)
        stranger = a_unit(operator=operator)
        subtree = set(selectors.unit_subtree(chain[3]))
        assert subtree == set(chain[3:])
        assert elsewhere not in subtree and stranger not in subtree
        assert set(selectors.unit_subtree(chain[0])) == {*chain, elsewhere}

    def test_the_subtree_without_the_unit_itself(self, chain):
        assert set(selectors.unit_subtree(chain[5], include_self=False)) == {chain[6]}
        assert not selectors.unit_subtree(chain[6], include_self=False).exists()

    def test_a_subtree_does_not_take_units_whose_id_merely_starts_alike(self, operator):
        """Unit 1's path /1/ must not match unit 12's /12/: the slash ends each id."""
        roots = [a_unit(operator=operator) for _n in range(12)]
        big = max(roots, key=lambda u: u.pk)  # twelve distinct ids: this one has 2+ digits
        prefix_id = int(str(big.pk)[:-1])
        probe = Unit.objects.filter(pk=prefix_id).first() or Unit(
            pk=prefix_id, path=f"/{prefix_id}/"
        )
        assert Unit.objects.filter(path__startswith=probe.path[:-1]).contains(big)
        assert not selectors.unit_subtree(probe).contains(big)

    def test_ancestors_come_root_first_in_one_query(self, chain, django_assert_num_queries):
        with django_assert_num_queries(1):
            ancestors = selectors.unit_ancestors(chain[6])
        assert ancestors == chain[:6]

    def test_a_root_has_no_ancestors(self, chain, django_assert_num_queries):
        with django_assert_num_queries(0):
            assert selectors.unit_ancestors(chain[0]) == []

    def test_children_are_one_level_down(self, central, operator):
        kids = {a_unit(parent=central, operator=operator) for _n in range(3)}
        a_unit(parent=next(iter(kids)), operator=operator)
        assert set(selectors.unit_children(central)) == kids


# --- opening hours --------------------------------------------------------------------------


@pytest.fixture
def branch(central):
    unit = a_unit(parent=central, code="yuexiu")
    services.unit_set_timetable(unit=unit, timetable=office_hours())
    return unit


@pytest.fixture
def study_room(central):
    return a_unit(parent=central, code="room-24h", kind="study_room_24h", open_24h=True)


class TestUnitIsOpen:
    @pytest.mark.parametrize(
        ("moment", "expected"),
        [
            (local(2026, 3, 2, 8, 59, 59), False),
            (local(2026, 3, 2, 9, 0), True),
            (local(2026, 3, 2, 11, 59), True),
            (local(2026, 3, 2, 12, 0), False),  # closes is exclusive
            (local(2026, 3, 2, 13, 0), False),
            (local(2026, 3, 2, 14, 0), True),
            (local(2026, 3, 6, 17, 59), True),
            (local(2026, 3, 6, 18, 0), False),
            (local(2026, 3, 7, 10, 0), False),  # Saturday
            (local(2026, 3, 8, 15, 0), False),  # Sunday
        ],
    )
    def test_follows_the_timetable_of_the_weekday(self, branch, moment, expected):
        assert selectors.unit_is_open(branch, moment) is expected

    def test_reads_the_moment_in_the_librarys_time_zone(self, branch):
        # 01:30 UTC on Monday is 09:30 in Guangzhou; 23:00 UTC on Sunday is Monday 07:00 there.
        assert selectors.unit_is_open(branch, dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC))
        assert not selectors.unit_is_open(branch, dt.datetime(2026, 3, 1, 23, tzinfo=dt.UTC))
        # Friday 10:00 UTC is 18:00 in Guangzhou: just closed.
        assert not selectors.unit_is_open(branch, dt.datetime(2026, 3, 6, 10, tzinfo=dt.UTC))

    def test_a_closed_date_wins_over_the_timetable(self, branch):
        services.unit_add_closed_date(unit=branch, date=MONDAY, reason="盘点")
        assert not selectors.unit_is_open(branch, local(2026, 3, 2, 10, 0))
        assert selectors.unit_is_open(branch, local(2026, 3, 3, 10, 0))

    def test_a_24h_unit_is_open_at_any_hour_but_not_on_a_closed_date(self, study_room):
        assert selectors.unit_is_open(study_room, local(2026, 3, 8, 3, 0))
        assert selectors.unit_is_open(study_room, local(2026, 3, 8, 23, 59, 59))
        services.unit_add_closed_date(unit=study_room, date=SUNDAY)
        assert not selectors.unit_is_open(study_room, local(2026, 3, 8, 3, 0))
        assert selectors.unit_is_open(study_room, local(2026, 3, 9, 0, 0))

    def test_a_unit_without_hours_is_never_open(self, central):
        assert not selectors.unit_is_open(central, local(2026, 3, 2, 10, 0))

    def test_an_inactive_unit_is_never_open(self, branch, study_room):
        services.unit_update(unit=branch, is_active=False)
        services.unit_update(unit=study_room, is_active=False)
        assert not selectors.unit_is_open(branch, local(2026, 3, 2, 10, 0))
        assert not selectors.unit_is_open(study_room, local(2026, 3, 2, 10, 0))

    def test_open_now_by_the_platform_clock(self, branch):
        with time_machine.travel(local(2026, 3, 3, 15, 0), tick=False):
            assert selectors.unit_is_open(branch, clock.now())
        with time_machine.travel(local(2026, 3, 3, 19, 0), tick=False):
            assert not selectors.unit_is_open(branch, clock.now())


class TestUnitNextOpening:
    def test_is_the_moment_itself_when_open(self, branch):
        moment = local(2026, 3, 2, 10, 15, 30)
        assert selectors.unit_next_opening(branch, moment) == moment

    def test_waits_for_the_afternoon_interval(self, branch):
        assert selectors.unit_next_opening(branch, local(2026, 3, 2, 12, 0)) == local(
            2026, 3, 2, 14, 0
        )

    def test_crosses_the_weekend(self, branch):
        after = local(2026, 3, 6, 18, 0)  # Friday, just closed
        assert selectors.unit_next_opening(branch, after) == local(2026, 3, 9, 9, 0)

    def test_skips_closed_dates(self, branch):
        services.unit_add_closed_date(unit=branch, date=dt.date(2026, 3, 9))
        services.unit_add_closed_date(unit=branch, date=dt.date(2026, 3, 10))
        after = local(2026, 3, 7, 11, 0)  # Saturday
        assert selectors.unit_next_opening(branch, after) == local(2026, 3, 11, 9, 0)

    def test_answers_in_local_time_for_a_utc_question(self, branch):
        # Friday 12:00 UTC = Friday 20:00 in Guangzhou: closed until Monday 09:00 local.
        found = selectors.unit_next_opening(branch, dt.datetime(2026, 3, 6, 12, tzinfo=dt.UTC))
        assert found == dt.datetime(2026, 3, 9, 1, 0, tzinfo=dt.UTC)
        assert found.utcoffset() == dt.timedelta(hours=8)

    def test_a_24h_unit_opens_at_midnight_after_a_closed_day(self, study_room):
        services.unit_add_closed_date(unit=study_room, date=SUNDAY)
        assert selectors.unit_next_opening(study_room, local(2026, 3, 8, 9, 0)) == local(
            2026, 3, 9, 0, 0
        )
        moment = local(2026, 3, 7, 23, 30)
        assert selectors.unit_next_opening(study_room, moment) == moment

    def test_a_unit_that_never_opens_has_no_next_opening(self, central):
        assert selectors.unit_next_opening(central, local(2026, 3, 2, 8, 0)) is None

    def test_an_inactive_unit_has_no_next_opening(self, branch):
        services.unit_update(unit=branch, is_active=False)
        assert selectors.unit_next_opening(branch, local(2026, 3, 2, 8, 0)) is None

    def test_gives_up_after_the_horizon_of_the_policy(self, branch, settings):
        for day in range(2, 13):  # Monday 2 March to Thursday 12 March 2026
            services.unit_add_closed_date(unit=branch, date=dt.date(2026, 3, day))
        after = local(2026, 3, 2, 9, 30)
        settings.LIBCITY_NETWORK_POLICY = {"next_opening_horizon_days": 10}  # to 12 March 09:30
        assert selectors.unit_next_opening(branch, after) is None
        settings.LIBCITY_NETWORK_POLICY = {"next_opening_horizon_days": 11}  # to 13 March 09:30
        assert selectors.unit_next_opening(branch, after) == local(2026, 3, 13, 9, 0)

    def test_the_default_horizon_is_a_year(self, branch):
        after = local(2026, 3, 2, 8, 0)
        for offset in range(366):
            day = after.date() + dt.timedelta(days=offset)
            if day.weekday() < 5:
                services.unit_add_closed_date(unit=branch, date=day)
        # The first open weekday, Wednesday 3 March 2027 09:00, is an hour past the year.
        assert selectors.unit_next_opening(branch, after) is None
        services.unit_remove_closed_date(unit=branch, date=dt.date(2027, 3, 1))  # day 364
        assert selectors.unit_next_opening(branch, after) == local(2027, 3, 1, 9, 0)


class TestUnitsOpenFlags:
    def test_gives_the_same_answer_as_unit_is_open(self, branch, study_room, central):
        services.unit_add_closed_date(unit=study_room, date=dt.date(2026, 3, 3))
        inactive = a_unit(parent=central, open_24h=True)
        services.unit_update(unit=inactive, is_active=False)
        units = [branch, study_room, central, inactive]
        for moment in (local(2026, 3, 2, 10, 0), local(2026, 3, 3, 10, 0), local(2026, 3, 7, 2)):
            flags = selectors.units_open_flags(units, moment)
            assert flags == {u.pk: selectors.unit_is_open(u, moment) for u in units}
        assert selectors.units_open_flags(units, local(2026, 3, 2, 10, 0)) == {
            branch.pk: True, study_room.pk: True, central.pk: False, inactive.pk: False
        }  # fmt: skip

    def test_takes_the_same_number_of_queries_for_many_units(self, central):
        def count_for(units):
            with CaptureQueriesContext(connection) as queries:
                selectors.units_open_flags(units, local(2026, 3, 2, 10, 0))
            return len(queries)

        few = [a_unit(parent=central) for _n in range(2)]
        many = [a_unit(parent=central) for _n in range(30)]
        for unit in many[:10]:
            services.unit_set_timetable(unit=unit, timetable=office_hours())
        assert count_for(few) == count_for(many) <= 2

    def test_no_units_no_queries(self, django_assert_num_queries):
        with django_assert_num_queries(0):
            assert selectors.units_open_flags([], local(2026, 3, 2, 10, 0)) == {}


# --- distances ------------------------------------------------------------------------------

YUEXIU_PARK = (23.1291, 113.2644)


class TestDistance:
    def test_one_degree_of_latitude_is_a_360th_of_the_circumference(self):
        assert selectors.distance_km(0, 0, 1, 0) == pytest.approx(111.19508, abs=1e-4)
        assert selectors.distance_km(10, 50, 10, 50) == 0

    def test_antipodes_are_half_the_circumference_apart(self):
        assert selectors.distance_km(23.1, 113.3, -23.1, -66.7) == pytest.approx(
            math.pi * 6371.0088, rel=1e-9
        )

    def test_guangzhou_distances_computed_by_hand(self):
        # Worked on a plane (fine at this scale): 0.0025° of latitude = 0.278 km and
        # 0.0134° of longitude × cos 23.13° = 1.370 km, so sqrt(0.278² + 1.370²) = 1.398 km.
        assert selectors.distance_km(*YUEXIU_PARK, *SUN_YAT_SEN_LIBRARY) == pytest.approx(
            1.398, abs=0.002
        )
        assert selectors.distance_km(*GUANGZHOU_LIBRARY, *PANYU_LIBRARY) == pytest.approx(
            20.854, abs=0.002
        )

    def test_is_symmetric(self):
        there = selectors.distance_km(*GUANGZHOU_LIBRARY, *NANSHA_LIBRARY)
        back = selectors.distance_km(*NANSHA_LIBRARY, *GUANGZHOU_LIBRARY)
        assert there == pytest.approx(back) and there == pytest.approx(40.608, abs=0.002)


class TestUnitsNearest:
    @pytest.fixture
    def libraries(self, central):
        services.unit_update(unit=central, latitude=23.1167, longitude=113.3245)
        places = {
            "sys": SUN_YAT_SEN_LIBRARY,
            "baiyun": BAIYUN_LIBRARY,
            "panyu": PANYU_LIBRARY,
            "nansha": NANSHA_LIBRARY,
        }
        units = {code: a_unit(code=code, parent=central, at=at) for code, at in places.items()}
        return {"gz-central": central, **units}

    def test_orders_by_distance_against_hand_computed_figures(self, libraries):
        found = selectors.units_nearest(*YUEXIU_PARK, limit=5)
        assert [u.code for u, _km in found] == ["sys", "baiyun", "gz-central", "panyu", "nansha"]
        assert [round(km, 1) for _u, km in found] == [1.4, 4.1, 6.3, 24.6, 45.1]

    def test_limit(self, libraries):
        assert [u.code for u, _km in selectors.units_nearest(*YUEXIU_PARK, limit=2)] == [
            "sys",
            "baiyun",
        ]
        assert selectors.units_nearest(*YUEXIU_PARK, limit=0) == []

    def test_leaves_out_inactive_units(self, libraries):
        services.unit_update(unit=libraries["sys"], is_active=False)
        assert selectors.units_nearest(*YUEXIU_PARK, limit=1)[0][0].code == "baiyun"

    def test_keeps_only_the_kinds_asked_for(self, libraries, central):
        locker = a_unit(parent=central, kind="locker", at=PANYU_LIBRARY)
        found = selectors.units_nearest(*YUEXIU_PARK, kinds=["locker", "van_stop"])
        assert [u for u, _km in found] == [locker]

    def test_keeps_only_units_open_at_a_moment(self, libraries):
        services.unit_set_timetable(unit=libraries["nansha"], timetable=office_hours())
        services.unit_update(unit=libraries["panyu"], open_24h=True)
        found = selectors.units_nearest(*YUEXIU_PARK, open_at=local(2026, 3, 2, 10, 0))
        assert [u.code for u, _km in found] == ["panyu", "nansha"]
        found = selectors.units_nearest(*YUEXIU_PARK, open_at=local(2026, 3, 7, 10, 0))
        assert [u.code for u, _km in found] == ["panyu"]

    def test_searches_within_a_queryset(self, libraries):
        south = Unit.objects.filter(code__in=["panyu", "nansha"])
        found = selectors.units_nearest(*YUEXIU_PARK, queryset=south)
        assert [u.code for u, _km in found] == ["panyu", "nansha"]

    def test_finds_units_far_away(self, libraries):
        beijing = (39.9042, 116.4074)
        found = selectors.units_nearest(*beijing, limit=1)
        assert found[0][0].code == "baiyun" and found[0][1] == pytest.approx(1886, abs=15)

    @pytest.mark.parametrize("point", [(91, 0), (0, 181), (math.nan, 0), ("23", 113)])
    def test_refuses_points_off_the_earth(self, point):
        with pytest.raises(InvalidCoordinates):
            selectors.units_nearest(*point)


class TestUnitsNearestAtTheEdgesOfTheSearchBox:
    """Cases where a careless bounding box gives a wrong answer (first radius: 2 km, ×4)."""

    def test_a_nearer_unit_just_outside_the_box_beats_one_in_its_corner(self):
        corner = a_unit(at=(0.0175, 0.0175))  # 2.752 km: inside the 2 km box, not its circle
        beside = a_unit(at=(0, 0.0235))  # 2.613 km: outside the 2 km box
        assert [u for u, _km in selectors.units_nearest(0, 0, limit=1)] == [beside]
        assert corner != beside

    def test_the_box_is_wide_enough_far_from_the_equator(self):
        # At 60° N and 2,048 km the box reaches 39.2° of longitude either side, not the
        # 36.8° of radius / cos(latitude).
        east = a_unit(at=(65.9, 38.5))  # 2,016.7 km
        a_unit(at=(41.7, 0))  # 2,034.9 km
        assert selectors.units_nearest(60, 0, limit=1)[0][0] == east

    @pytest.mark.parametrize("side", [1, -1])
    def test_looks_across_the_antimeridian(self, side):
        across = a_unit(at=(0, -179.99 * side))  # 2.2 km away, over the date line
        a_unit(at=(0, 179.0 * side))  # 110 km away, on the same side
        assert selectors.units_nearest(0, 179.99 * side, limit=1)[0][0] == across

    def test_looks_over_the_pole(self):
        over = a_unit(at=(89.9, 180))  # 22 km away, on the other side of the North Pole
        a_unit(at=(89.5, 0))  # 44 km away
        assert selectors.units_nearest(89.9, 0, limit=1)[0][0] == over


latitudes = st.floats(min_value=-90, max_value=90, allow_nan=False)
longitudes = st.floats(min_value=-180, max_value=180, allow_nan=False)
points = st.tuples(latitudes, longitudes)
# Points crowded near the poles and the antimeridian, where bounding boxes go wrong.
edgy_points = st.tuples(
    st.sampled_from([-89.9, -75.0, -1.0, 0.0, 45.0, 80.0, 89.99]) | latitudes,
    st.sampled_from([-180.0, -179.9, 179.95, 180.0, 0.0]) | longitudes,
)


def _near(origin: tuple[float, float], offset: tuple[float, float]) -> tuple[float, float]:
    latitude = max(-90.0, min(90.0, origin[0] + offset[0]))
    longitude = (origin[1] + offset[1] + 180) % 360 - 180
    return latitude, longitude


@st.composite
def clusters(draw):
    """An origin and units scattered around it at one scale, from metres to continents."""
    origin = draw(edgy_points)
    scale = draw(st.sampled_from([0.01, 0.05, 0.5, 5.0, 40.0, 180.0]))
    offsets = st.tuples(st.floats(-scale, scale), st.floats(-scale, scale))
    places = draw(st.lists(offsets.map(lambda o: _near(origin, o)), min_size=1, max_size=12))
    return origin, places


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(cluster=clusters(), limit=st.integers(min_value=1, max_value=6))
def test_nearest_agrees_with_looking_at_every_unit(cluster, limit):
    origin, places = cluster
    with transaction.atomic():
        units = [a_unit(at=place) for place in places]
        found = selectors.units_nearest(*origin, limit=limit)
        everything = sorted(
            (selectors.distance_km(*origin, u.latitude, u.longitude), u.pk) for u in units
        )
        assert [(km, u.pk) for u, km in found] == everything[:limit]
        transaction.set_rollback(True)


# --- transport ------------------------------------------------------------------------------


class TestTransportCost:
    @pytest.fixture
    def pair(self, central):
        services.unit_update(unit=central, latitude=23.1167, longitude=113.3245)
        return central, a_unit(parent=central, code="panyu", at=PANYU_LIBRARY)

    def test_from_a_unit_to_itself_costs_nothing(self, central):
        quote = selectors.transport_cost(central, central)
        assert (quote.cost, quote.minutes, quote.km, quote.overridden) == (
            Decimal("0.00"), 0, 0.0, False
        )  # fmt: skip

    def test_is_derived_from_distance_by_the_default_policy(self, pair):
        quote = selectors.transport_cost(*pair)
        # 20.854 km as the crow flies × 1.3 = 27.11 road km; 5.00 + 0.80 × 27.11 = 26.69 yuan;
        # 27.11 km at 30 km/h = 54.2 min, so 55 min, plus 20 min of handling = 75 min.
        assert quote.km == pytest.approx(20.854, abs=0.002)
        assert (quote.cost, quote.minutes, quote.overridden) == (Decimal("26.69"), 75, False)

    def test_follows_the_policy_of_the_library(self, pair, settings):
        settings.LIBCITY_NETWORK_POLICY = {
            "base_cost": "2", "cost_per_km": "1.00", "road_factor": 1.0,
            "van_speed_kmh": 60, "handling_minutes": 0,
        }  # fmt: skip
        quote = selectors.transport_cost(*pair)
        assert (quote.cost, quote.minutes) == (Decimal("22.85"), 21)

    def test_the_override_wins(self, pair):
        a, b = pair
        services.transport_cost_set(from_unit=a, to_unit=b, cost=Decimal("8.00"), minutes=40)
        quote = selectors.transport_cost(a, b)
        assert (quote.cost, quote.minutes, quote.overridden) == (Decimal("8.00"), 40, True)
        assert quote.km == pytest.approx(20.854, abs=0.002)
        assert selectors.transport_cost(b, a).cost == Decimal("26.69")
