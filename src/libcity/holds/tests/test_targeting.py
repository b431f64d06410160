"""Targeting: which copy on a shelf a waiting hold gets, and why."""

import datetime as dt

from libcity.catalogue.services import item_transition
from libcity.circulation.models import ReturnTo
from libcity.circulation.services import RuleData, loan_checkout, rule_save
from libcity.holds.models import Hold, HoldHistory, HoldStatus
from libcity.holds.services import hold_after_checkout, hold_place, holds_target
from libcity.network.models import ClosedDate


def place(library, pickup, reader=None, **extra):
    return hold_place(reader=reader or library.reader(), record=library.record,
                      pickup_unit=pickup, actor=None, **extra)  # fmt: skip


def chosen(hold):
    hold.refresh_from_db()
    return hold.copy.barcode if hold.copy_id else None


def test_the_nearest_copy_is_chosen(library):
    city = library.city
    library.copy("FAR1", owner=city.b1)
    library.copy("NEAR", owner=city.d2)  # d2 is next door to b2
    hold = place(library, city.b2)
    report = holds_target()
    assert chosen(hold) == "NEAR" and hold.status == HoldStatus.TARGETED
    assert (report.waiting, report.targeted) == (1, 1)
    row = HoldHistory.objects.filter(hold=hold).last()
    assert (row.from_status, row.to_status) == ("placed", "targeted")


def test_a_copy_at_the_pickup_point_costs_nothing(library):
    city = library.city
    library.copy("THERE", owner=city.b2)
    library.copy("NEAR", owner=city.d2)
    library.copy("NEAR2", owner=city.d2)
    hold = place(library, city.b2)
    holds_target()
    assert chosen(hold) == "THERE"


def test_a_unit_closed_today_is_skipped(library):
    city = library.city
    library.copy("FAR1", owner=city.b1)
    library.copy("NEAR", owner=city.d2)
    ClosedDate.objects.create(unit=city.d2, date=dt.date(2026, 3, 5), reason="inventory")
    hold = place(library, city.b2)
    holds_target()
    assert chosen(hold) == "FAR1"


def test_a_units_last_copy_is_kept_when_another_unit_has_two(library):
    city = library.city
    library.copy("LAST", owner=city.b1)  # b1 is a little nearer to b2 than d1
    library.copy("D1-A", owner=city.d1)
    library.copy("D1-B", owner=city.d1)
    hold = place(library, city.b2)
    holds_target()
    assert chosen(hold) in {"D1-A", "D1-B"}


def test_without_the_last_copy_rule_the_nearer_copy_wins(library, settings):
    settings.LIBCITY_HOLD_POLICY = {"last_copy_penalty": "0"}
    city = library.city
    library.copy("LAST", owner=city.b1)
    library.copy("D1-A", owner=city.d1)
    library.copy("D1-B", owner=city.d1)
    hold = place(library, city.b2)
    holds_target()
    assert chosen(hold) == "LAST"


def test_a_copy_the_rule_does_not_lend_is_not_chosen(library):
    city = library.city
    library.copy("REF1", owner=city.b2, item_type="reference")
    library.copy("BOOK", owner=city.b1)
    hold = place(library, city.b2)
    holds_target()
    assert chosen(hold) == "BOOK"


def test_a_rule_at_the_pickup_point_decides(library):
    city = library.city
    rule_save(data=RuleData(name="b2 lends no AV", unit=city.b2, item_type="audio_visual",
                            loanable=False, return_to=ReturnTo.OWNER), actor=None)  # fmt: skip
    library.copy("AV01", owner=city.b2, item_type="audio_visual")
    library.copy("BOOK", owner=city.b1)
    hold = place(library, city.b2)
    holds_target()
    assert chosen(hold) == "BOOK"


def test_a_copy_hold_gets_that_copy_only(library):
    city = library.city
    library.copy("NEAR", owner=city.b2)
    wanted = library.copy("WANT", owner=city.b1)
    hold = place(library, city.b2, item=wanted)
    holds_target()
    assert chosen(hold) == "WANT"


def test_first_placed_first_served(library):
    city = library.city
    library.copy("ONLY", owner=city.b1)
    first, second = place(library, city.b2), place(library, city.b1)
    holds_target()
    assert chosen(first) == "ONLY" and chosen(second) is None
    assert second.status == HoldStatus.PLACED


def test_two_holds_two_copies_each_gets_one(library):
    city = library.city
    library.copy("ONE1", owner=city.b1)
    library.copy("TWO2", owner=city.b2)
    first, second = place(library, city.b2), place(library, city.b1)
    holds_target()
    assert {chosen(first), chosen(second)} == {"ONE1", "TWO2"}
    assert chosen(first) == "TWO2"  # each at its own pickup point


def test_a_copy_lent_from_the_shelf_releases_its_hold(library, django_capture_on_commit_callbacks):
    city = library.city
    taken = library.copy("TAKE", owner=city.b2)
    library.copy("NEXT", owner=city.b1)
    hold = place(library, city.b2)
    holds_target()
    assert chosen(hold) == "TAKE"
    with django_capture_on_commit_callbacks(execute=True):
        loan = loan_checkout(item=taken, reader=library.reader(), unit=city.b2, actor=None)
        hold_after_checkout(loan=loan, actor=None)
    assert chosen(hold) == "NEXT" and hold.status == HoldStatus.TARGETED


def test_the_nightly_run_releases_a_chosen_copy_gone_missing(library):
    city = library.city
    gone = library.copy("GONE", owner=city.b2)
    library.copy("NEXT", owner=city.b1)
    hold = place(library, city.b2)
    holds_target()
    item_transition(item=gone, to_status="missing", actor=None)
    report = holds_target()
    assert report.released == 1 and chosen(hold) == "NEXT"


def test_placing_a_hold_targets_after_commit(library, django_capture_on_commit_callbacks):
    library.copy("HERE", owner=library.city.b1)
    with django_capture_on_commit_callbacks(execute=True):
        hold = place(library, library.city.b1)
    assert chosen(hold) == "HERE"
    assert Hold.objects.get(pk=hold.pk).status == HoldStatus.TARGETED


def test_owner_first_prefers_the_pickup_points_own_copy_further_away(library, settings):
    settings.LIBCITY_HOLD_POLICY = {"targeting": "owner_first"}
    city = library.city
    near = library.copy("NEAR", owner=city.b1)
    own = library.copy("OWN1", owner=city.b2)
    item_transition(item=near, to_status="available", actor=None, location=city.d2)  # floated
    item_transition(item=own, to_status="available", actor=None, location=city.b1)
    hold = place(library, city.b2)
    holds_target()
    assert chosen(hold) == "OWN1"


def test_nearest_takes_the_nearer_copy_whoever_owns_it(library):
    city = library.city
    near = library.copy("NEAR", owner=city.b1)
    own = library.copy("OWN1", owner=city.b2)
    item_transition(item=near, to_status="available", actor=None, location=city.d2)  # floated
    item_transition(item=own, to_status="available", actor=None, location=city.b1)
    hold = place(library, city.b2)
    holds_target()
    assert chosen(hold) == "NEAR"


def test_an_unknown_policy_is_refused(settings):
    import pytest

    from libcity.holds.policies import hold_policy

    settings.LIBCITY_HOLD_POLICY = {"targeting": "random"}
    with pytest.raises(ValueError, match="targeting"):
        hold_policy()


def test_the_holds_own_reader_borrowing_a_copy_from_a_shelf_meets_the_hold(library):
    city = library.city
    library.copy("NEAR", owner=city.b2)
    here = library.copy("HERE", owner=city.b1)
    reader = library.reader()
    hold = place(library, city.b2, reader=reader)
    holds_target()
    assert chosen(hold) == "NEAR"
    loan = loan_checkout(item=here, reader=reader, unit=city.b1, actor=None)
    assert [h.pk for h in hold_after_checkout(loan=loan, actor=None)] == [hold.pk]
    hold.refresh_from_db()
    assert (hold.status, hold.loan, hold.copy) == (HoldStatus.COLLECTED, loan, here)
