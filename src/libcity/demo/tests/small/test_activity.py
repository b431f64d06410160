"""The demo city's year of loans: ``libcity demo --scale small`` built once for the package (the
``small_city`` fixture), read by every test; the rules checked on the final state, the shape
of the year, determinism on the generator, and the bulk path compared with the services on a
few loans replayed moment by moment.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
import time_machine
from django.db import transaction
from django.db.models import Count, F, Max

from libcity.catalogue.models import Item, ItemHistory, ItemStatus, ItemType
from libcity.catalogue.services import item_transition
from libcity.circulation import routing, states
from libcity.circulation.models import (
    Charge,
    ChargeKind,
    CirculationHistory,
    FloatGroup,
    Loan,
    LoanHistory,
    LoanRule,
    LoanStatus,
    ReturnTo,
)
from libcity.circulation.policies import Terms
from libcity.circulation.services import loan_checkin, loan_checkout, loan_renew
from libcity.circulation.services.daily import loans_mark_overdue
from libcity.circulation.services.loans import _due_on
from libcity.core import clock
from libcity.demo.activity import (
    ARRIVAL_REASON,
    CONSENT_SHARE,
    DAYS,
    LoanWriter,
    Planner,
    Year,
    world_read,
)
from libcity.demo.plan import SCALES
from libcity.network.models import Unit, UnitKind, UnitTier
from libcity.network.policies import NO_SHELF_KINDS
from libcity.readers import policies as reader_policies
from libcity.readers.models import Reader, ReaderBlock, ReaderHistory

SMALL = SCALES["small"]
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("small_city")]


class _Rollback(Exception):
    pass


def _in_a_rolled_back_savepoint(write, snapshot):
    try:
        with transaction.atomic():
            write()
            taken = snapshot()
            raise _Rollback
    except _Rollback:
        return taken


def _local_day(moment: dt.datetime) -> dt.date:
    return clock.as_local(moment).date()


# --- how much -------------------------------------------------------------------------------


def test_a_year_of_about_the_planned_loans_with_some_out_and_some_overdue(small_city):
    loans = Loan.objects.count()
    running = Loan.objects.filter(status__in=states.RUNNING).count()
    overdue = Loan.objects.filter(status=LoanStatus.OVERDUE).count()
    assert abs(loans - SMALL.loans) <= SMALL.loans * 0.1
    assert 0.03 * loans <= running <= 0.15 * loans
    assert 0 < overdue < running / 4
    assert Loan.objects.filter(status=LoanStatus.RETURNED).count() == loans - running
    assert f"loans in the year: {loans}" in small_city.out
    assert f"loans open now: {running} ({overdue} overdue now)" in small_city.out
    assert f"activity: {loans} loans over {DAYS} days, {running} open now" in small_city.err
    on_loan = Item.objects.filter(status=ItemStatus.ON_LOAN).count()
    assert f"on_loan {on_loan}" in small_city.out and on_loan == running


def test_loans_fill_the_year_before_today_and_nothing_after_now():
    today, now = clock.today(), clock.now()
    first = Loan.objects.order_by("checked_out_at").first().checked_out_at
    last = Loan.objects.order_by("-checked_out_at").first().checked_out_at
    assert _local_day(first) <= today - dt.timedelta(days=DAYS - 3)
    assert today - dt.timedelta(days=DAYS) <= _local_day(first)
    assert _local_day(last) == today - dt.timedelta(days=1)
    assert not LoanHistory.objects.filter(at__gt=now).exists()
    assert not ItemHistory.objects.filter(at__gt=now).exists()
    ended = Loan.objects.filter(status=LoanStatus.RETURNED)
    assert not ended.filter(ended_at__lte=F("checked_out_at")).exists()
    assert not ended.filter(returned_at_unit__isnull=True).exists()
    running = Loan.objects.filter(status__in=states.RUNNING)
    assert not running.filter(ended_at__isnull=False).exists()
    assert not running.filter(returned_at_unit__isnull=False).exists()


def test_the_city_stood_before_its_first_loan():
    """What the build wrote before the loans (readers, cards, copies, their history) is dated
    the day before the year."""
    first = Loan.objects.order_by("checked_out_at").values_list("checked_out_at", flat=True)[0]
    assert not Reader.objects.filter(registered_at__gte=first).exists()
    assert not ReaderHistory.objects.filter(action="reader_registered", at__gte=first).exists()
    assert not ItemHistory.objects.filter(action="item_added", at__gte=first).exists()
    assert not Item.objects.filter(created_at__gte=first).exists()
    assert not Unit.objects.filter(created_at__gte=first).exists()


# --- the rules ------------------------------------------------------------------------------


def test_no_copy_is_in_two_open_loans_and_copies_say_where_their_loans_are():
    open_loans = Loan.objects.filter(status__in=states.RUNNING)
    twice = open_loans.values("item").annotate(n=Count("pk")).filter(n__gt=1)
    assert not twice.exists()
    lent = dict(open_loans.values_list("item_id", "issued_at_unit_id"))
    on_loan = dict(Item.objects.filter(status=ItemStatus.ON_LOAN).values_list("pk", "location_id"))
    assert on_loan == lent
    # Every return arrived; what travels now travels for a hold (``demo.waiting``).
    travelling = Item.objects.filter(status=ItemStatus.IN_TRANSIT)
    assert not travelling.exclude(transits__reason="hold").exists()
    assert not Loan.objects.filter(
        status__in=[LoanStatus.LOST, LoanStatus.CLAIMED_RETURNED]
    ).exists()


def test_available_copies_stand_only_where_there_are_shelves():
    available = Item.objects.filter(status=ItemStatus.AVAILABLE)
    assert not available.filter(location__kind__in=NO_SHELF_KINDS).exists()
    lent_at_lockers = Loan.objects.filter(
        status__in=states.RUNNING, issued_at_unit__kind=UnitKind.LOCKER
    )
    assert lent_at_lockers.exists()  # lockers lend the copies of the library that fills them


def test_no_reader_is_above_a_limit():
    running = Loan.objects.filter(status__in=states.RUNNING)
    per_reader: dict[int, list] = defaultdict(list)
    for reader, item_type, terms in running.values_list("reader_id", "item_type", "terms"):
        per_reader[reader].append((item_type, Terms.from_json(terms)))
    assert None not in per_reader  # running loans keep their reader
    for loans in per_reader.values():
        assert len(loans) <= min(t.max_items for _type, t in loans)
        for item_type, count in Counter(t for t, _terms in loans).items():
            assert count <= min(t.max_items_of_type for ty, t in loans if ty == item_type)


def test_overdue_is_exactly_the_running_loans_past_their_due_date():
    today = clock.today()
    running = Loan.objects.filter(status__in=states.RUNNING)
    assert not running.filter(due_on__lt=today).exclude(status=LoanStatus.OVERDUE).exists()
    assert not running.filter(status=LoanStatus.OVERDUE, due_on__gte=today).exists()
    marked = LoanHistory.objects.filter(action="loan_overdue")
    overdue = set(running.filter(status=LoanStatus.OVERDUE).values_list("pk", flat=True))
    assert overdue <= set(marked.values_list("loan_id", flat=True))
    late_returns = Loan.objects.filter(status=LoanStatus.RETURNED).filter(
        pk__in=list(marked.values_list("loan_id", flat=True))
    )
    assert late_returns.exists()


def test_due_dates_are_what_the_checkout_and_the_renewal_compute():
    units = {u.pk: u for u in Unit.objects.all()}
    renewals = {
        loan: (at, details)
        for loan, at, details in LoanHistory.objects.filter(action="loan_renewed").values_list(
            "loan_id", "at", "details"
        )
    }
    loans = list(Loan.objects.order_by("pk").values_list(
        "pk", "issued_at_unit_id", "checked_out_at", "due_on", "renewals", "terms"
    ))  # fmt: skip
    sample = random.Random(3).sample(loans, 150)
    sample += [row for row in loans if row[4]][:40]
    for pk, unit, out, due, renewed, terms in sample:
        terms = Terms.from_json(terms)
        first = _due_on(units[unit], _local_day(out), terms.loan_days)
        if not renewed:
            assert due == first, pk
            continue
        at, details = renewals[pk]
        assert details["due_before"] == first.isoformat()
        again = _due_on(units[unit], _local_day(at), terms.renewal_days)
        assert due == max(first, again) == dt.date.fromisoformat(details["due_on"]), pk


def test_every_loan_has_its_history():
    actions = Counter(LoanHistory.objects.values_list("action", flat=True))
    by_status = Counter(Loan.objects.values_list("status", flat=True))
    assert actions["loan_checked_out"] == Loan.objects.count()
    assert actions["loan_returned"] == by_status[LoanStatus.RETURNED]
    assert actions["loan_renewed"] == Loan.objects.filter(renewals=1).count() > 0
    assert not Loan.objects.filter(renewals__gt=1).exists()
    once = LoanHistory.objects.values("loan", "action").annotate(n=Count("pk"))
    assert not once.filter(n__gt=1).exists()
    lent = ItemHistory.objects.filter(action="item_status_changed", details__reason="checkout")
    assert lent.count() == Loan.objects.count()


def test_returned_copies_end_where_the_routing_rule_puts_them():
    last = Loan.objects.values("item").annotate(last=Max("checked_out_at"))
    latest = {row["item"]: row["last"] for row in last}
    returned = [
        loan
        for loan in Loan.objects.filter(status=LoanStatus.RETURNED)
        .select_related("returned_at_unit")
        .order_by("pk")
        if latest[loan.item_id] == loan.checked_out_at
    ]
    sample = random.Random(5).sample(returned, 60)
    by_type = [r for r in returned if r.item_type == ItemType.FOREIGN_LANGUAGE][:15]
    at_lockers = [r for r in returned if r.returned_at_unit.kind in NO_SHELF_KINDS][:15]
    moved = Counter()
    for loan in sample + by_type + at_lockers:
        item = Item.objects.select_related("owner").get(pk=loan.item_id)
        route = routing.return_route(
            terms=Terms.from_json(loan.terms), item=item, here=loan.returned_at_unit
        )
        assert (item.status, item.location_id) == (ItemStatus.AVAILABLE, route.destination.pk)
        moved[route.reason] += 1
    assert {"returned_anywhere", "owner_only", "no_shelves_here"} <= set(moved)
    foreign = Item.objects.filter(item_type=ItemType.FOREIGN_LANGUAGE, status=ItemStatus.AVAILABLE)
    assert all(owner == location for owner, location in foreign.values_list("owner", "location"))
    books = Item.objects.filter(item_type=ItemType.BOOK, status=ItemStatus.AVAILABLE)
    assert books.exclude(location=F("owner")).exists()  # books float


def test_only_consenting_readers_keep_the_link_to_ended_loans():
    readers = Reader.objects.count()
    consenting = Reader.objects.filter(keeps_reading_history=True).count()
    assert abs(consenting / readers - CONSENT_SHARE) < 0.05
    given = ReaderHistory.objects.filter(action="consent_changed")
    assert given.count() == consenting
    ended = Loan.objects.filter(status=LoanStatus.RETURNED)
    assert not ended.filter(reader__keeps_reading_history=False).exists()
    assert ended.filter(reader__isnull=True).exists()
    assert ended.filter(reader__keeps_reading_history=True).exists()
    assert not Loan.objects.filter(status__in=states.RUNNING, reader__isnull=True).exists()


def test_the_demo_reader_reads_and_keeps_a_history():
    reader = Reader.objects.get(user__username="reader")
    assert reader.keeps_reading_history
    assert Loan.objects.filter(reader=reader, status=LoanStatus.RETURNED).count() >= 10
    assert Loan.objects.filter(reader=reader, status__in=states.RUNNING).exists()


def test_credit_follows_the_returns_and_blocks_nobody():
    assert not ReaderBlock.objects.exists()
    assert not Reader.objects.filter(
        credit_score__lt=reader_policies.CREDIT_BLOCK_THRESHOLD
    ).exists()
    assert not Charge.objects.exclude(kind=ChargeKind.DELIVERY).exists()  # rules fine nobody
    changes = ReaderHistory.objects.filter(action="credit_adjusted").order_by("at", "pk")
    score = {}
    for reader, details in changes.values_list("reader_id", "details"):
        assert score.get(reader, reader_policies.INITIAL_CREDIT) == details["before"]
        assert details["after"] == details["before"] + details["delta"]
        score[reader] = details["after"]
    assert dict(Reader.objects.filter(pk__in=score).values_list("pk", "credit_score")) == score
    assert any(d["delta"] < 0 for d in changes.values_list("details", flat=True))
    returned = Loan.objects.filter(status=LoanStatus.RETURNED).count()
    assert changes.count() == returned  # one change a return (nobody reached the maximum)


# --- the shape ------------------------------------------------------------------------------


def _loans_by(field: str):
    return Counter(Loan.objects.values_list(field, flat=True))


def test_libraries_lend_most_at_the_weekend_and_schools_on_school_days():
    kinds = dict(Unit.objects.values_list("pk", "kind"))
    by_kind: dict[str, Counter] = defaultdict(Counter)
    for unit, out in Loan.objects.values_list("issued_at_unit", "checked_out_at"):
        by_kind[kinds[unit]][_local_day(out).weekday()] += 1
    at_libraries = by_kind[UnitKind.LIBRARY]
    weekend = (at_libraries[5] + at_libraries[6]) / 2
    midweek = sum(at_libraries[d] for d in (1, 2, 3, 4)) / 4
    assert weekend > 1.4 * midweek
    assert at_libraries[0] < midweek  # only the central library opens on Mondays
    schools = by_kind[UnitKind.SCHOOL_LIBRARY]
    assert schools[5] == schools[6] == 0 and sum(schools.values()) > 0


def test_bigger_units_lend_more():
    per_unit = _loans_by("issued_at_unit")
    units = list(Unit.objects.values_list("pk", "kind", "tier"))

    def mean(kind=None, tier=None):
        found = [per_unit[pk] for pk, k, t in units if (kind in (None, k)) and (tier in (None, t))]
        return sum(found) / len(found)

    central = mean(tier=UnitTier.CENTRAL)
    district = mean(tier=UnitTier.DISTRICT)
    branch = mean(tier=UnitTier.BRANCH)
    community = mean(tier=UnitTier.COMMUNITY)
    assert central > district > branch > community > 0
    for kind in (UnitKind.STUDY_ROOM_24H, UnitKind.LOCKER, UnitKind.MICRO_BRANCH):
        assert 0 < mean(kind=kind) < district / 4, kind
    big = sum(per_unit[pk] for pk, _k, t in units if t in (UnitTier.CENTRAL, UnitTier.DISTRICT))
    assert big > 0.35 * Loan.objects.count()


def test_readers_borrow_mostly_near_home():
    paths = dict(Unit.objects.values_list("pk", "path"))
    central = Unit.objects.get(tier=UnitTier.CENTRAL).pk
    near = far = 0
    for home, unit in Loan.objects.exclude(issued_at_unit=central).values_list(
        "reader_home_unit", "issued_at_unit"
    ):
        same = paths[home].split("/")[2] == paths[unit].split("/")[2]  # the district
        near, far = near + same, far + (not same)
    assert near > 0.75 * (near + far) and far > 0


def test_loans_last_a_realistic_spread_of_days():
    returned = Loan.objects.filter(status=LoanStatus.RETURNED)
    details = list(LoanHistory.objects.filter(action="loan_returned").values_list(
        "details", flat=True
    ))  # fmt: skip
    late = [d["days_late"] for d in details]
    assert sum(1 for n in late if n == 0) > 0.8 * len(late)
    assert max(late) > 20
    renewed = Loan.objects.filter(renewals=1).count() / Loan.objects.count()
    assert 0.1 < renewed < 0.3
    days = [
        (end - out).total_seconds() / 86400
        for out, end in returned.values_list("checked_out_at", "ended_at")
    ]
    assert 10 < statistics.median(days) < 30
    elsewhere = returned.exclude(returned_at_unit=F("issued_at_unit")).count()
    assert 0.25 < elsewhere / returned.count() < 0.6


# --- determinism ------------------------------------------------------------------------------


def _year(seed: int, now: dt.datetime) -> list[tuple]:
    world = world_read(today=_local_day(now))
    year = Year(world, Planner(world, now=now), seed=seed, loans=1500, days=20)
    return [
        (p.item, p.reader.pk, p.unit.pk, p.out_at, p.due_on, p.renewed_at, p.back_at,
         p.back_unit.pk if p.back_unit else None, p.arrived_at)
        for p in year.plans()
    ]  # fmt: skip


def test_the_same_seed_makes_the_same_year_and_another_seed_another():
    now = clock.now()
    first, again, other = _year(1, now), _year(1, now), _year(2, now)
    assert first == again
    assert first != other
    assert 1200 < len(first) < 1700


# --- the rules' answers, without the database ---------------------------------------------------


def test_places_compute_due_dates_as_the_checkout_does():
    """Every unit, a due date in the coming weeks; and for the units with closed days, loans
    due on (and around) those days."""
    world = world_read(today=clock.today())
    soon = clock.today() + dt.timedelta(days=3)
    cases = [(place, soon, 31) for place in world.places.values()]
    for place in world.places.values():
        for closed in sorted(place.closed)[:2]:
            cases += [(place, closed - dt.timedelta(days=31), 31),
                      (place, closed - dt.timedelta(days=2), 1)]  # fmt: skip
    assert len(cases) > len(world.places) + 20
    for place, start, days in cases:
        assert place.due_on(start, days) == _due_on(place.unit, start, days), place.code
    moved = [p for p, start, days in cases if p.due_on(start, days) != start + dt.timedelta(days)]
    assert moved  # some due dates fall on closed days and move


def test_routes_are_what_the_return_computes():
    units = list(Unit.objects.order_by("pk"))
    group = FloatGroup.objects.create(code="demo-test", name="test")
    group.units.set(units[::3])
    world = world_read(today=clock.today())
    item = Item.objects.select_related("owner").filter(owner__tier=UnitTier.BRANCH).first()
    terms = [
        Terms(),
        Terms(return_to=ReturnTo.OWNER),
        Terms(return_to=ReturnTo.FLOAT_GROUP, float_group="demo-test"),
    ]
    for unit in units:
        for rule in terms:
            stays, destination, reason = world.route(rule, item.owner_id, world.places[unit.pk])
            route = routing.return_route(terms=rule, item=item, here=unit)
            assert (stays, destination.pk, reason) == (
                route.stays, route.destination.pk, route.reason,
            ), unit.code  # fmt: skip


# --- the bulk path against the services --------------------------------------------------------

FINES = {"fine_per_day": Decimal("0.50"), "fine_max": Decimal("10.00")}


def _open_on(place, day: dt.date) -> dt.date:
    while not place.is_open(day):
        day += dt.timedelta(days=1)
    return day


def _scenario(now: dt.datetime):
    """Six loans of three readers, by hand: a return where it was lent, a foreign-language book
    sent back to its owner, a locker's loan renewed online and returned late to a locker
    (fined: the district fines), one overdue now, one out now, one renewed at a desk and
    returned elsewhere."""
    tianhe = Unit.objects.get(code="gz-tianhe")
    LoanRule.objects.create(name="test fines", unit=tianhe, **FINES)
    world = world_read(today=_local_day(now))
    planner = Planner(world, now=now)
    rng = random.Random(11)
    places = {p.code: p for p in world.places.values()}
    today = planner.today

    def day(n, place):
        return _open_on(place, today - dt.timedelta(days=n))

    busy = set(Loan.objects.filter(status__in=states.RUNNING).values_list("reader", flat=True))
    free = Reader.objects.exclude(pk__in=busy).order_by("pk")
    by_pk = {r.pk: r for r in world.readers}
    keeps = by_pk[free.filter(keeps_reading_history=True).first().pk]
    forgets = [by_pk[pk] for pk in free.filter(keeps_reading_history=False).values_list(
        "pk", flat=True
    )[:2]]  # fmt: skip
    district, central = places["gz-tianhe"], places["gz-central"]
    locker = next(p for p in world.places.values()
                  if p.kind == UnitKind.LOCKER and p.district == district.pk)  # fmt: skip
    elsewhere = places["gz-haizhu"]

    def copy(place, item_type):
        shelf = world.shelves.on_shelf[place.stock]
        found = next(i for i in shelf if world.shelves.type_of(i) == item_type
                     and i not in taken)  # fmt: skip
        taken.add(found)
        return found

    taken: set[int] = set()
    plans = []

    def lend(reader, place, item_type, ago):
        out = day(ago, place)
        plan = planner.checkout(item=copy(place, item_type), reader=reader, unit=place,
                                day=out, rng=rng)  # fmt: skip
        plans.append(plan)
        return plan

    a = lend(keeps, district, ItemType.BOOK, 60)
    planner.give_back(a, district, day(50, district), rng)
    b = lend(keeps, central, ItemType.FOREIGN_LANGUAGE, 61)
    planner.give_back(b, district, day(40, district), rng, transit_days=2)
    c = lend(forgets[0], locker, ItemType.BOOK, 80)
    assert planner.renew(c, c.due_on - dt.timedelta(days=2), rng)
    planner.give_back(c, locker, c.final_due + dt.timedelta(days=5), rng)
    d = lend(forgets[0], district, ItemType.CHILDREN, 45)
    planner.give_back(d, district, today, rng)  # not yet: overdue now
    e = lend(forgets[1], elsewhere, ItemType.BOOK, 5)
    planner.give_back(e, elsewhere, today + dt.timedelta(days=3), rng)
    f = lend(forgets[1], district, ItemType.BOOK, 70)
    assert planner.renew(f, _open_on(district, f.due_on - dt.timedelta(days=5)), rng, district)
    planner.give_back(f, elsewhere, day(30, elsewhere), rng)
    assert (a.stays, b.reason, c.reason) == (True, "owner_only", "no_shelves_here")
    assert c.days_late == 5 and c.fine == Decimal("2.50")
    assert d.status == LoanStatus.OVERDUE and e.status == LoanStatus.ON_LOAN
    return world, sorted(plans, key=lambda p: p.out_at)


def _replay(plans) -> None:
    """The plans through the services, each at its moment."""
    events = []
    for n, p in enumerate(plans):
        events.append((p.out_at, n, "checkout", p))
        if p.renewed_at:
            events.append((p.renewed_at, n, "renew", p))
        if p.overdue_at:
            events.append((p.overdue_at, n, "overdue", p))
        if p.back_at:
            events.append((p.back_at, n, "return", p))
        if p.arrived_at:
            events.append((p.arrived_at, n, "arrive", p))
    loans = {}
    for at, n, what, p in sorted(events, key=lambda e: e[:2]):
        with time_machine.travel(at, tick=False):
            item = Item.objects.get(pk=p.item)
            if what == "checkout":
                reader = Reader.objects.get(pk=p.reader.pk)
                loans[n] = loan_checkout(item=item, reader=reader, unit=p.unit.unit, actor=None)
            elif what == "renew":
                unit = p.renew_unit.unit if p.renew_unit else None
                loan_renew(loan=Loan.objects.get(pk=loans[n].pk), actor=None, unit=unit)
            elif what == "overdue":
                loans_mark_overdue(day=clock.today())
            elif what == "return":
                checkin = loan_checkin(item=item, unit=p.back_unit.unit, actor=None)
                assert (checkin.route.stays, checkin.route.destination.pk) == (
                    p.stays, p.destination.pk,
                )  # fmt: skip
            else:
                item_transition(item=item, to_status=ItemStatus.AVAILABLE, actor=None,
                                location=p.destination.unit, reason=ARRIVAL_REASON)  # fmt: skip


def _marks():
    return {
        model: model.objects.aggregate(m=Max("pk"))["m"] or 0
        for model in (ItemHistory, ReaderHistory, CirculationHistory)
    }


def _snapshot(plans, marks):
    """Every row the loans wrote, with ids replaced by what they stand for (the two runs
    number their rows differently)."""
    items = sorted({p.item for p in plans})
    readers = sorted({p.reader.pk for p in plans})
    first = min(p.out_at for p in plans)
    planned = {(p.item, p.out_at) for p in plans}
    found = Loan.objects.filter(item__in=items, checked_out_at__gte=first)
    key = {
        pk: (item, at)
        for pk, item, at in found.values_list("pk", "item", "checked_out_at")
        if (item, at) in planned
    }
    loans = Loan.objects.filter(pk__in=list(key))
    skip = {"id"}
    loan_rows = sorted(
        tuple((f.attname, getattr(loan, f.attname)) for f in Loan._meta.concrete_fields
              if f.attname not in skip)
        for loan in loans
    )  # fmt: skip
    history = sorted(
        (key[loan], action, before, after, unit, actor, sorted(details.items()), at)
        for loan, action, before, after, unit, actor, details, at in LoanHistory.objects.filter(
            loan__in=list(key)
        ).values_list("loan", "action", "from_status", "to_status", "unit", "actor",
                      "details", "at")
    )  # fmt: skip
    item_history = sorted(
        (item, action, before, after, unit, actor, sorted(details.items()), at)
        for item, action, before, after, unit, actor, details, at in ItemHistory.objects.filter(
            item__in=items, pk__gt=marks[ItemHistory]
        ).values_list("item", "action", "from_status", "to_status", "unit", "actor",
                      "details", "at")
    )  # fmt: skip
    copies = sorted(Item.objects.filter(pk__in=items).values_list(
        "pk", "status", "location", "status_changed_at"
    ))  # fmt: skip
    charges = Charge.objects.filter(loan__in=list(key))
    charge_key = {pk: key[loan] for pk, loan in charges.values_list("pk", "loan")}
    charge_rows = sorted(
        (key[loan], *rest)
        for loan, *rest in charges.values_list(
            "loan", "reader", "item", "account", "kind", "amount", "status", "created_at", "note"
        )
    )
    circulation = sorted(
        (action, at, sorted({**details, "charge": charge_key[details["charge"]]}.items()))
        for action, at, details in CirculationHistory.objects.filter(
            pk__gt=marks[CirculationHistory]
        ).values_list("action", "at", "details")
    )
    credit = sorted(Reader.objects.filter(pk__in=readers).values_list("pk", "credit_score"))
    reader_history = sorted(
        (reader, action, actor, sorted(details.items()), at)
        for reader, action, actor, details, at in ReaderHistory.objects.filter(
            pk__gt=marks[ReaderHistory]
        ).values_list("reader", "action", "actor", "details", "at")
    )
    blocks = ReaderBlock.objects.filter(reader__in=readers).count()
    return (loan_rows, history, item_history, copies, charge_rows, circulation, credit,
            reader_history, blocks)  # fmt: skip


def test_the_bulk_path_writes_what_the_services_write():
    now = clock.now().replace(microsecond=0)
    found = {}

    def through_services():
        _world, plans = _scenario(now)
        found["plans"], found["marks"] = plans, _marks()
        _replay(plans)

    def in_bulk():
        world, plans = _scenario(now)
        found["plans"], found["marks"] = plans, _marks()
        LoanWriter(book=world.book, batch=4).write(plans)

    def snapshot():
        return _snapshot(found["plans"], found["marks"])

    by_service = _in_a_rolled_back_savepoint(through_services, snapshot)
    in_bulk_rows = _in_a_rolled_back_savepoint(in_bulk, snapshot)
    loans, history, item_history, _copies, charges, circulation, _credit, readers, blocks = (
        by_service
    )
    assert len(loans) == 6 and len(history) == 6 + 2 + 2 + 4  # out, renewed, overdue, back
    assert len(item_history) == 6 + 4 + 2  # lent, back, arrived
    assert len(charges) == len(circulation) == 1 and blocks == 0
    assert len(readers) == 4  # the credit of four returns
    for name, service, bulk in zip(
        ("loans", "loan history", "item history", "copies", "charges", "charge history",
         "credit", "reader history", "blocks"),
        by_service, in_bulk_rows, strict=True,
    ):  # fmt: skip
        assert bulk == service, name
