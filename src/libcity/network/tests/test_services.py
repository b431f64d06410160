from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from libcity.core.exceptions import Conflict, InvalidInput, NotFoundOrNotAllowed
from libcity.network import selectors, services
from libcity.network.exceptions import (
    InvalidClosedDate,
    InvalidOperator,
    InvalidTimetable,
    InvalidTransportCost,
    InvalidUnit,
    OperatorCodeTaken,
    UnitCodeTaken,
    UnitMoveCycle,
    UnitNotFound,
)
from libcity.network.models import (
    ClosedDate,
    NetworkHistory,
    OpeningHours,
    Operator,
    TransportCost,
    Unit,
)
from libcity.network.tests.factories import (
    a_chain,
    a_unit,
    an_operator,
    office_hours,
    paths,
    tree_problems,
)

pytestmark = pytest.mark.django_db

T = dt.time


def history(action: str, unit: Unit | None = None) -> list[NetworkHistory]:
    rows = NetworkHistory.objects.filter(action=action)
    return list(rows if unit is None else rows.filter(unit=unit))


def test_error_classes_carry_their_stable_codes():
    assert issubclass(UnitNotFound, NotFoundOrNotAllowed) and UnitNotFound.code == "unit_not_found"
    assert issubclass(UnitCodeTaken, Conflict) and UnitCodeTaken.code == "unit_code_taken"
    assert issubclass(UnitMoveCycle, InvalidInput) and UnitMoveCycle.code == "unit_move_cycle"
    assert issubclass(InvalidTimetable, InvalidInput)
    assert InvalidTimetable.code == "invalid_timetable"
    assert issubclass(InvalidUnit, InvalidInput) and InvalidUnit.code == "invalid_unit"


# --- operators ------------------------------------------------------------------------------


class TestOperatorCreate:
    def test_creates_the_operator_and_its_history(self, librarian):
        operator = services.operator_create(
            code=" Nansha-Books ", name_zh="南沙书店", kind="bookstore", actor=librarian
        )
        assert operator.pk and operator.code == "nansha-books" and operator.is_partner
        [row] = history("operator_created")
        assert row.actor == librarian and row.details == {"operator": "nansha-books"}

    def test_a_code_is_taken_whatever_its_case(self):
        an_operator(code="gzlib")
        with pytest.raises(OperatorCodeTaken):
            an_operator(code="GZLIB")

    @pytest.mark.parametrize(
        "values", [{"kind": "castle"}, {"code": "has space"}, {"name_zh": "  "}]
    )
    def test_refuses_invalid_values(self, values):
        with pytest.raises(InvalidOperator):
            an_operator(**values)
        assert not history("operator_created")


# --- creating units -------------------------------------------------------------------------


class TestUnitCreate:
    def test_a_root_has_its_own_id_as_path_and_depth_zero(self, central):
        assert central.path == f"/{central.pk}/"
        assert central.depth == 0 and central.parent is None

    def test_a_child_extends_the_path_of_its_parent(self, central):
        child = a_unit(parent=central)
        assert child.path == f"/{central.pk}/{child.pk}/"
        assert child.depth == 1 and child.parent == central

    def test_the_tree_takes_any_depth(self):
        chain = a_chain(8)
        assert [u.depth for u in chain] == list(range(8))
        assert chain[-1].path == "/" + "".join(f"{u.pk}/" for u in chain)
        assert tree_problems() == []

    def test_writes_unit_created_with_the_actor(self, central, librarian):
        unit = a_unit(parent=central, code="YX-Branch", actor=librarian)
        [row] = history("unit_created", unit)
        assert row.actor == librarian
        assert row.details["code"] == "yx-branch" and row.details["parent"] == "gz-central"
        assert row.details["path"] == unit.path

    def test_an_anonymous_actor_is_recorded_as_the_system(self, central):
        from django.contrib.auth.models import AnonymousUser

        unit = a_unit(parent=central, actor=AnonymousUser())
        assert history("unit_created", unit)[0].actor is None

    def test_keeps_codes_in_lower_case_without_spaces(self, central):
        unit = a_unit(code="  TH-Library  ")
        assert unit.code == "th-library"

    def test_a_taken_code_is_refused_and_nothing_is_created(self, central):
        count = Unit.objects.count()
        with pytest.raises(UnitCodeTaken) as raised:
            a_unit(code="GZ-Central", parent=central)
        assert raised.value.code == "unit_code_taken"
        assert raised.value.details["unit_code"] == "gz-central"
        assert Unit.objects.count() == count
        assert len(history("unit_created")) == count

    def test_a_taken_code_leaves_the_callers_transaction_usable(self, central):
        with transaction.atomic():
            with pytest.raises(UnitCodeTaken):
                a_unit(code="gz-central")
            other = a_unit(code="gz-other")
        assert Unit.objects.filter(pk=other.pk).exists()

    @pytest.mark.parametrize(
        "values",
        [
            {"at": (90.0001, 113.0)},
            {"at": (-91, 113.0)},
            {"at": (23.1, 180.5)},
            {"at": (23.1, -181)},
            {"at": (math.nan, 113.0)},
            {"at": (23.1, math.inf)},
            {"at": ("23.1", 113.0)},
            {"at": (None, 113.0)},
            {"code": "has space"},
            {"code": "图书馆"},
            {"code": ""},
            {"code": "x" * 41},
            {"name_zh": "   "},
            {"kind": "castle"},
            {"tier": "palace"},
            {"residents": -1},
        ],
    )
    def test_refuses_invalid_values_and_creates_nothing(self, operator, values):
        with pytest.raises(InvalidUnit) as raised:
            a_unit(operator=operator, **values)
        assert raised.value.code == "invalid_unit"
        assert Unit.objects.count() == 0 and not history("unit_created")

    def test_names_the_bad_fields(self, operator):
        with pytest.raises(InvalidUnit) as raised:
            a_unit(operator=operator, kind="castle", tier="palace")
        assert set(raised.value.details["fields"]) == {"kind", "tier"}

    @pytest.mark.parametrize("at", [(90, 180), (-90, -180), (0, 0)])
    def test_accepts_the_edges_of_the_earth(self, operator, at):
        unit = a_unit(operator=operator, at=at)
        unit.refresh_from_db()
        assert (unit.latitude, unit.longitude) == at

    @pytest.mark.parametrize(
        "operator", [None, Operator(code="ghost", name_zh="幽灵", kind="other")]
    )
    def test_needs_a_saved_operator(self, operator):
        with pytest.raises(InvalidUnit):
            services.unit_create(
                code="x", name_zh="无主", kind="library", tier="branch", parent=None,
                operator=operator, latitude=23.1, longitude=113.3,
            )  # fmt: skip
        assert Unit.objects.count() == 0

    def test_needs_a_saved_parent(self, operator):
        ghost = Unit(code="ghost", path="/999/")
        with pytest.raises(InvalidUnit):
            a_unit(operator=operator, parent=ghost)
        assert Unit.objects.count() == 0


# --- updating units -------------------------------------------------------------------------


class TestUnitUpdate:
    def test_changes_the_fields_and_records_old_and_new(self, central, librarian):
        partner = an_operator(code="hotel-a", kind="hotel")
        services.unit_update(
            unit=central, actor=librarian, name_en=" Guangzhou Library ", operator=partner,
            latitude=23.2, residents=1000,
        )  # fmt: skip
        central.refresh_from_db()
        assert central.name_en == "Guangzhou Library" and central.operator == partner
        assert central.latitude == 23.2 and central.residents == 1000
        [row] = history("unit_updated", central)
        assert row.actor == librarian
        assert row.details["changes"]["operator"] == ["gzlib", "hotel-a"]
        assert row.details["changes"]["name_en"] == ["", "Guangzhou Library"]
        assert "longitude" not in row.details["changes"]

    def test_deactivating_and_reactivating_are_their_own_actions(self, central):
        services.unit_update(unit=central, is_active=False)
        services.unit_update(unit=central, is_active=True)
        assert history("unit_deactivated", central)[0].details["changes"]["is_active"] == [
            True,
            False,
        ]
        assert len(history("unit_activated", central)) == 1

    def test_no_change_writes_no_history(self, central):
        services.unit_update(unit=central, name_zh=central.name_zh, open_24h=False)
        assert not history("unit_updated")

    def test_a_unit_deleted_meanwhile_is_not_found(self, central):
        Unit.objects.filter(pk=central.pk).delete()
        with pytest.raises(UnitNotFound):
            services.unit_update(unit=central, name_en="Gone")

    @pytest.mark.parametrize("field", ["parent", "path", "depth", "code", "created_at"])
    def test_refuses_fields_that_are_not_its_business(self, central, field):
        with pytest.raises(InvalidUnit):
            services.unit_update(unit=central, **{field: None})
        assert not history("unit_updated")

    @pytest.mark.parametrize(
        "values", [{"latitude": 95}, {"longitude": -200}, {"kind": "castle"}, {"name_zh": ""}]
    )
    def test_refuses_invalid_values_and_changes_nothing(self, central, values):
        before = Unit.objects.values().get(pk=central.pk)
        with pytest.raises(InvalidUnit):
            services.unit_update(unit=central, **values)
        assert Unit.objects.values().get(pk=central.pk) == before
        assert not history("unit_updated")


# --- moving units ---------------------------------------------------------------------------


class TestUnitMove:
    @pytest.fixture
    def tree(self, operator):
        """root ─ a ─ a1 ─ a11 ; root ─ b"""
        root = a_unit(code="root", operator=operator)
        a = a_unit(code="a", parent=root, operator=operator)
        a1 = a_unit(code="a1", parent=a, operator=operator)
        a11 = a_unit(code="a11", parent=a1, operator=operator)
        b = a_unit(code="b", parent=root, operator=operator)
        return {u.code: u for u in (root, a, a1, a11, b)}

    def test_moves_the_whole_subtree(self, tree, librarian):
        a, b = tree["a"], tree["b"]
        services.unit_move(unit=a, new_parent=b, actor=librarian)
        units = {u.code: u for u in Unit.objects.all()}
        root = units["root"]
        assert units["a"].path == f"/{root.pk}/{b.pk}/{a.pk}/" and units["a"].parent == b
        assert units["a11"].path == f"{units['a1'].path}{units['a11'].pk}/"
        assert [units[c].depth for c in ("a", "a1", "a11")] == [2, 3, 4]
        assert tree_problems() == []
        [row] = history("unit_moved", a)
        assert row.details["old_parent"] == "root" and row.details["new_parent"] == "b"
        assert row.details["units_moved"] == 3 and row.actor == librarian

    def test_refreshes_the_callers_instance(self, tree):
        a = tree["a"]
        services.unit_move(unit=a, new_parent=tree["b"])
        assert a.parent_id == tree["b"].pk and a.depth == 2

    def test_a_unit_can_become_a_root(self, tree):
        a1 = tree["a1"]
        services.unit_move(unit=a1, new_parent=None)
        a11 = Unit.objects.get(code="a11")
        assert a1.path == f"/{a1.pk}/" and a1.depth == 0 and a1.parent is None
        assert a11.path == f"/{a1.pk}/{a11.pk}/" and a11.depth == 1
        assert tree_problems() == []

    def test_a_root_can_go_under_another_tree(self, tree, operator):
        other = a_chain(6, operator=operator)
        services.unit_move(unit=tree["root"], new_parent=other[-1])
        assert Unit.objects.get(code="a11").depth == 9
        assert tree_problems() == []

    @pytest.mark.parametrize("target", ["a", "a1", "a11"])
    def test_refuses_to_move_a_unit_under_itself_or_its_descendants(self, tree, target):
        before = paths()
        with pytest.raises(UnitMoveCycle) as raised:
            services.unit_move(unit=tree["a"], new_parent=tree[target])
        assert raised.value.code == "unit_move_cycle"
        assert paths() == before
        assert not history("unit_moved")

    def test_refuses_a_cycle_even_with_stale_instances(self, tree):
        """The check reads the locked rows, not the caller's possibly old copies."""
        a, b = tree["a"], tree["b"]
        stale_b = Unit.objects.get(pk=b.pk)
        services.unit_move(unit=b, new_parent=tree["a11"])
        before = paths()
        with pytest.raises(UnitMoveCycle):
            services.unit_move(unit=a, new_parent=stale_b)
        assert paths() == before

    def test_a_child_created_under_an_old_copy_of_its_parent_gets_the_current_path(self, tree):
        stale_a1 = Unit.objects.get(code="a1")
        services.unit_move(unit=tree["a"], new_parent=tree["b"])
        child = a_unit(parent=stale_a1)
        assert child.path == f"{Unit.objects.get(code='a1').path}{child.pk}/"
        assert tree_problems() == []

    def test_moving_to_the_same_parent_changes_nothing(self, tree):
        services.unit_move(unit=tree["a"], new_parent=tree["root"])
        assert not history("unit_moved")

    def test_rewrites_a_subtree_in_the_same_number_of_queries_whatever_its_size(self, operator):
        small, large = a_chain(3, operator=operator), a_chain(3, operator=operator)
        for _extra in range(25):
            a_unit(parent=large[1], operator=operator)
        target = a_unit(operator=operator)
        counts = []
        for chain in (small, large):
            with CaptureQueriesContext(connection) as queries:
                services.unit_move(unit=chain[1], new_parent=target)
            counts.append(len(queries))
        assert counts[0] == counts[1]
        assert tree_problems() == []


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    shape=st.lists(st.integers(min_value=-1, max_value=8), min_size=9, max_size=9),
    moves=st.lists(st.tuples(st.integers(0, 8), st.integers(-1, 8)), min_size=1, max_size=12),
)
def test_random_moves_never_make_a_cycle_and_keep_paths_sound(shape, moves):
    with transaction.atomic():
        operator = an_operator()
        units: list[Unit] = []
        for i, parent_index in enumerate(shape):
            parent = units[parent_index] if 0 <= parent_index < i else None
            units.append(a_unit(parent=parent, operator=operator))
        for who, where in moves:
            unit, new_parent = units[who], (units[where] if where >= 0 else None)
            before = paths()
            try:
                services.unit_move(unit=unit, new_parent=new_parent)
            except UnitMoveCycle:
                new_parent.refresh_from_db()
                assert new_parent.path.startswith(Unit.objects.get(pk=unit.pk).path)
                assert paths() == before
            else:
                assert unit.parent_id == (new_parent.pk if new_parent else None)
            assert tree_problems() == []
        transaction.set_rollback(True)


# --- timetables -----------------------------------------------------------------------------


class TestUnitSetTimetable:
    def test_stores_the_weekly_timetable(self, central, librarian):
        services.unit_set_timetable(unit=central, timetable=office_hours(), actor=librarian)
        assert selectors.unit_timetable(central) == office_hours()
        [row] = history("timetable_set", central)
        assert row.details["timetable"]["0"] == [["09:00:00", "12:00:00"], ["14:00:00", "18:00:00"]]
        assert "5" not in row.details["timetable"] and row.actor == librarian

    def test_replaces_the_previous_timetable(self, central):
        services.unit_set_timetable(unit=central, timetable=office_hours())
        services.unit_set_timetable(unit=central, timetable={6: [(T(10), T(16))]})
        assert selectors.unit_timetable(central) == {6: [(T(10), T(16))]}

    def test_an_empty_timetable_means_no_regular_hours(self, central):
        services.unit_set_timetable(unit=central, timetable=office_hours())
        services.unit_set_timetable(unit=central, timetable={})
        assert not OpeningHours.objects.filter(unit=central).exists()

    def test_sorts_intervals_and_accepts_touching_ones(self, central):
        day = [(T(14), T(18)), (T(9), T(12)), (T(12), T(14))]
        services.unit_set_timetable(unit=central, timetable={2: day})
        assert selectors.unit_timetable(central) == {2: sorted(day)}

    def test_a_day_that_closes_before_it_opens_is_refused_by_name(self, central):
        services.unit_set_timetable(unit=central, timetable=office_hours())
        with translation.override("en"), pytest.raises(InvalidTimetable) as raised:
            services.unit_set_timetable(unit=central, timetable={2: [(T(18), T(9))]})
        assert "Wednesday" in raised.value.message and raised.value.details["day"] == 2
        assert selectors.unit_timetable(central) == office_hours()

    def test_closing_when_it_opens_is_refused(self, central):
        with pytest.raises(InvalidTimetable):
            services.unit_set_timetable(unit=central, timetable={0: [(T(9), T(9))]})

    def test_overlapping_intervals_are_refused(self, central):
        services.unit_set_timetable(unit=central, timetable=office_hours())
        overlapping = {4: [(T(9), T(13)), (T(12, 30), T(18))]}
        with translation.override("en"), pytest.raises(InvalidTimetable) as raised:
            services.unit_set_timetable(unit=central, timetable=overlapping)
        assert "Friday" in raised.value.message and "12:30" in raised.value.message
        assert selectors.unit_timetable(central) == office_hours()

    @pytest.mark.parametrize(
        "timetable",
        [
            {7: [(T(9), T(17))]},
            {-1: [(T(9), T(17))]},
            {"1": [(T(9), T(17))]},
            {True: [(T(9), T(17))]},
            {1: [("09:00", "17:00")]},
            {1: [(T(9),)]},
            {1: (T(9), T(17))},
            {1: None},
            {1: [(T(9, tzinfo=dt.UTC), T(17, tzinfo=dt.UTC))]},
            [(T(9), T(17))],
        ],
    )
    def test_malformed_timetables_are_refused_and_change_nothing(self, central, timetable):
        services.unit_set_timetable(unit=central, timetable=office_hours())
        with pytest.raises(InvalidTimetable):
            services.unit_set_timetable(unit=central, timetable=timetable)
        assert selectors.unit_timetable(central) == office_hours()
        assert len(history("timetable_set")) == 1


# --- closed dates ---------------------------------------------------------------------------

SPRING_FESTIVAL = dt.date(2026, 2, 17)


class TestClosedDates:
    def test_adds_a_closed_date(self, central, librarian):
        [row] = services.unit_add_closed_date(
            unit=central, date=SPRING_FESTIVAL, reason=" 春节 ", actor=librarian
        )
        assert (row.unit, row.date, row.reason) == (central, SPRING_FESTIVAL, "春节")
        [entry] = history("closed_date_added", central)
        assert entry.details["date"] == "2026-02-17" and entry.actor == librarian

    def test_adding_it_again_changes_nothing(self, central):
        services.unit_add_closed_date(unit=central, date=SPRING_FESTIVAL, reason="春节")
        assert services.unit_add_closed_date(unit=central, date=SPRING_FESTIVAL) == []
        assert ClosedDate.objects.get().reason == "春节"
        assert len(history("closed_date_added")) == 1

    def test_can_close_the_whole_subtree(self, operator):
        chain = a_chain(4, operator=operator)
        outside = a_unit(operator=operator)
        services.unit_add_closed_date(unit=chain[3], date=SPRING_FESTIVAL, reason="维修")
        added = services.unit_add_closed_date(
            unit=chain[1], date=SPRING_FESTIVAL, reason="春节", include_descendants=True
        )
        assert {row.unit_id for row in added} == {chain[1].pk, chain[2].pk}
        closed = dict(ClosedDate.objects.values_list("unit_id", "reason"))
        assert closed == {chain[1].pk: "春节", chain[2].pk: "春节", chain[3].pk: "维修"}
        assert outside.pk not in closed and chain[0].pk not in closed
        assert len(history("closed_date_added")) == 3

    def test_removes_a_closed_date(self, central):
        services.unit_add_closed_date(unit=central, date=SPRING_FESTIVAL)
        assert services.unit_remove_closed_date(unit=central, date=SPRING_FESTIVAL) is True
        assert services.unit_remove_closed_date(unit=central, date=SPRING_FESTIVAL) is False
        assert not ClosedDate.objects.exists()
        assert len(history("closed_date_removed", central)) == 1

    @pytest.mark.parametrize("date", [dt.datetime(2026, 2, 17, 9), "2026-02-17", None])
    def test_a_closed_date_is_a_calendar_date(self, central, date):
        with pytest.raises(InvalidClosedDate):
            services.unit_add_closed_date(unit=central, date=date)
        assert not ClosedDate.objects.exists()

    def test_the_history_row_is_stamped_with_the_clock(self, central):
        moment = dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.UTC)
        with time_machine.travel(moment, tick=False):
            services.unit_add_closed_date(unit=central, date=SPRING_FESTIVAL)
        assert history("closed_date_added")[0].at == moment


# --- transport costs ------------------------------------------------------------------------


class TestTransportCost:
    @pytest.fixture
    def pair(self, central):
        return central, a_unit(parent=central, code="panyu", at=(22.9375, 113.3846))

    def test_sets_an_override_for_one_direction(self, pair, librarian):
        a, b = pair
        row = services.transport_cost_set(
            from_unit=a, to_unit=b, cost=Decimal("12.50"), minutes=75, actor=librarian
        )
        assert (row.cost, row.minutes) == (Decimal("12.50"), 75)
        assert selectors.transport_cost(a, b).overridden
        assert not selectors.transport_cost(b, a).overridden
        [entry] = history("transport_cost_set", a)
        assert entry.details == {
            "to_unit": "panyu", "cost": "12.50", "minutes": 75, "previous": None
        }  # fmt: skip

    def test_setting_again_replaces_and_remembers_the_previous(self, pair):
        a, b = pair
        services.transport_cost_set(from_unit=a, to_unit=b, cost=Decimal("12.50"), minutes=75)
        services.transport_cost_set(from_unit=a, to_unit=b, cost=Decimal("9"), minutes=60)
        assert TransportCost.objects.get().cost == Decimal("9.00")
        last = history("transport_cost_set")[-1]
        assert last.details["previous"] == {"cost": "12.50", "minutes": 75}

    def test_clearing_goes_back_to_the_derived_cost(self, pair):
        a, b = pair
        services.transport_cost_set(from_unit=a, to_unit=b, cost=Decimal("1.00"), minutes=1)
        assert services.transport_cost_clear(from_unit=a, to_unit=b) is True
        assert services.transport_cost_clear(from_unit=a, to_unit=b) is False
        assert not selectors.transport_cost(a, b).overridden
        assert len(history("transport_cost_cleared")) == 1

    def test_a_unit_to_itself_is_refused(self, central):
        with pytest.raises(InvalidInput):
            services.transport_cost_set(
                from_unit=central, to_unit=central, cost=Decimal("1.00"), minutes=1
            )
        assert not TransportCost.objects.exists()

    @pytest.mark.parametrize(
        ("cost", "minutes"),
        [
            (Decimal("-1"), 10),
            (Decimal("1.005"), 10),
            (Decimal("1000000"), 10),
            (Decimal("NaN"), 10),
            ("cheap", 10),
            (Decimal("5"), -1),
            (Decimal("5"), 1.5),
        ],
    )
    def test_refuses_impossible_costs_and_times(self, pair, cost, minutes):
        a, b = pair
        with pytest.raises(InvalidTransportCost):
            services.transport_cost_set(from_unit=a, to_unit=b, cost=cost, minutes=minutes)
        assert not TransportCost.objects.exists()
