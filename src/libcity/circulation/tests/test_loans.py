"""Checkout, return, renewal, loss and claimed return: one test per rule and transition."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from libcity.catalogue.models import Item, ItemHistory
from libcity.circulation.exceptions import (
    CardExpired,
    ItemNotAvailable,
    ItemNotLoanable,
    LoanLimitReached,
    LoanTransitionNotAllowed,
    ReaderBlocked,
    RenewalRefused,
)
from libcity.circulation.models import Charge, LoanHistory, LoanRule, LoanStatus
from libcity.circulation.services import (
    RuleData,
    charge_settle,
    loan_checkin,
    loan_checkout,
    loan_claim_returned,
    loan_declare_lost,
    loan_renew,
    rule_save,
)
from libcity.network.models import UnitKind, UnitTier
from libcity.network.services import unit_create
from libcity.readers.models import Reader
from libcity.readers.selectors import reader_active_blocks
from libcity.readers.services import reader_block, reader_set_consent

SHANGHAI = ZoneInfo("Asia/Shanghai")
THURSDAY = dt.datetime(2026, 3, 5, 10, 0, tzinfo=SHANGHAI)


def at(day: dt.date, hour: int = 10):
    return time_machine.travel(dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI),
                               tick=False)  # fmt: skip


# --- checkout ---------------------------------------------------------------------------------


def test_a_checkout_lends_the_copy_for_31_days_moved_off_closed_days(library):
    reader, copy = library.reader(), library.copy("C0001")
    with at(THURSDAY.date()):
        loan = loan_checkout(item=copy, reader=reader, unit=library.city.b1, actor=None)
    plain = THURSDAY.date() + dt.timedelta(days=31)
    assert plain.weekday() == 6  # a Sunday: b1 opens Monday to Friday
    assert loan.due_on == plain + dt.timedelta(days=1)
    assert loan.status == LoanStatus.ON_LOAN and loan.terms["loan_days"] == 31
    copy.refresh_from_db()
    assert copy.status == "on_loan" and copy.location == library.city.b1
    assert list(LoanHistory.objects.filter(loan=loan).values_list("action", flat=True)) == [
        "loan_checked_out"
    ]
    assert ItemHistory.objects.filter(item=copy, to_status="on_loan").exists()


def test_a_24_hour_unit_keeps_the_plain_due_date(library):
    room = unit_create(code="room", name_zh="城市书房", kind=UnitKind.STUDY_ROOM_24H,
                       tier=UnitTier.SERVICE_POINT, parent=library.city.b1,
                       operator=library.city.system, latitude=23.12, longitude=113.27,
                       open_24h=True)  # fmt: skip
    with at(THURSDAY.date()):
        loan = loan_checkout(item=library.copy("C0001"), reader=library.reader(), unit=room,
                             actor=None)  # fmt: skip
    assert loan.due_on == THURSDAY.date() + dt.timedelta(days=31)


def test_a_copy_on_loan_is_not_lent_twice(library):
    copy = library.copy("C0001")
    loan_checkout(item=copy, reader=library.reader(), unit=library.city.b1, actor=None)
    with pytest.raises(ItemNotAvailable, match="On loan"):
        loan_checkout(item=copy, reader=library.reader(), unit=library.city.b1, actor=None)


def test_reference_copies_are_not_lent(library):
    with pytest.raises(ItemNotLoanable):
        loan_checkout(item=library.copy("R0001", item_type="reference"), reader=library.reader(),
                      unit=library.city.b1, actor=None)  # fmt: skip


def test_the_total_limit_and_the_limit_per_item_type(library):
    reader = library.reader()
    rule_save(data=RuleData(name="b1 few", unit=library.city.b1, max_items=3), actor=None)
    rule_save(data=RuleData(name="b1 av", unit=library.city.b1, item_type="audio_visual",
                            max_items_of_type=1), actor=None)  # fmt: skip
    loan_checkout(item=library.copy("A0001", item_type="audio_visual"), reader=reader,
                  unit=library.city.b1, actor=None)  # fmt: skip
    with pytest.raises(LoanLimitReached, match="of this type") as refused:
        loan_checkout(item=library.copy("A0002", item_type="audio_visual"), reader=reader,
                      unit=library.city.b1, actor=None)  # fmt: skip
    assert refused.value.code == "loan_limit_reached"
    for n in (1, 2):
        loan_checkout(item=library.copy(f"B000{n}"), reader=reader, unit=library.city.b1,
                      actor=None)  # fmt: skip
    with pytest.raises(LoanLimitReached, match="3 loans"):
        loan_checkout(item=library.copy("B0003"), reader=reader, unit=library.city.b1, actor=None)
    # At b2 the city's 30 apply: the same reader borrows on (one card, borrow anywhere).
    loan_checkout(item=library.copy("B0004", owner=library.city.b2), reader=reader,
                  unit=library.city.b2, actor=None)  # fmt: skip


def test_a_blocked_reader_and_an_expired_card_are_refused(library):
    reader, copy = library.reader(), library.copy("C0001")
    reader_block(reader=reader, reason="manual", note="ID check", actor=None)
    with pytest.raises(ReaderBlocked, match="Set by staff") as refused:
        loan_checkout(item=copy, reader=reader, unit=library.city.b1, actor=None)
    assert refused.value.details["reasons"] == ["manual"]
    other = library.reader()
    Reader.objects.filter(pk=other.pk).update(expires_on=dt.date(2020, 1, 1))
    other.refresh_from_db()
    with pytest.raises(CardExpired):
        loan_checkout(item=copy, reader=other, unit=library.city.b1, actor=None)
    assert Item.objects.get(pk=copy.pk).status == "available"


# --- return -----------------------------------------------------------------------------------


def test_a_return_at_the_owner_goes_back_on_the_shelf(library):
    copy = library.copy("C0001")
    loan_checkout(item=copy, reader=library.reader(), unit=library.city.b1, actor=None)
    answer = loan_checkin(item=copy, unit=library.city.b1, actor=None)
    assert answer.route.stays and answer.route.action == "shelve"
    assert (
        answer.loan.status == LoanStatus.RETURNED
        and answer.loan.returned_at_unit == library.city.b1
    )
    assert Item.objects.get(pk=copy.pk).status == "available"


def test_a_book_returned_anywhere_stays_there(library):
    copy = library.copy("C0001")
    loan_checkout(item=copy, reader=library.reader(), unit=library.city.b1, actor=None)
    answer = loan_checkin(item=copy, unit=library.city.b2, actor=None)
    assert answer.route.stays and answer.route.reason == "returned_anywhere"
    copy.refresh_from_db()
    assert copy.status == "available" and copy.location == library.city.b2
    assert copy.owner == library.city.b1  # it floats; the owner does not change


def test_a_foreign_language_book_goes_back_to_its_owner(library):
    copy = library.copy("F0001", item_type="foreign")
    loan_checkout(item=copy, reader=library.reader(), unit=library.city.b1, actor=None)
    answer = loan_checkin(item=copy, unit=library.city.b2, actor=None)
    assert not answer.route.stays and answer.route.destination == library.city.b1
    assert answer.route.reason == "owner_only" and "b1" in answer.route.message
    copy.refresh_from_db()
    assert copy.status == "in_transit" and copy.location == library.city.b2
    last = ItemHistory.objects.filter(item=copy).order_by("-id").first()
    assert last.details["reason"] == "return:owner_only:b1"


def test_a_locker_sends_returns_on_to_the_library_above_it(library):
    locker = unit_create(
        code="lk1", name_zh="借还柜", kind=UnitKind.LOCKER, tier=UnitTier.SERVICE_POINT,
        parent=library.city.r1, operator=library.city.system, latitude=23.12, longitude=113.27,
    )  # fmt: skip
    copy = library.copy("C0001", owner=library.city.b2)
    loan_checkout(item=copy, reader=library.reader(), unit=library.city.b2, actor=None)
    answer = loan_checkin(item=copy, unit=locker, actor=None)
    assert answer.route.reason == "no_shelves_here"
    assert answer.route.destination == library.city.r1  # the community room above the locker


def test_a_copy_not_on_loan_scanned_at_a_return_is_routed_too(library):
    copy = library.copy("F0001", item_type="foreign")
    answer = loan_checkin(item=copy, unit=library.city.b2, actor=None)
    assert answer.loan is None and answer.route.destination == library.city.b1
    assert Item.objects.get(pk=copy.pk).status == "in_transit"
    again = loan_checkin(item=copy, unit=library.city.b2, actor=None)  # a second scan
    assert again.route.destination == library.city.b1


def test_the_reader_link_goes_when_the_loan_ends_unless_they_consented(library):
    private, keeper = library.reader(), library.reader()
    reader_set_consent(reader=keeper, keeps_reading_history=True, actor=None)
    first, second = library.copy("C0001"), library.copy("C0002")
    loan_checkout(item=first, reader=private, unit=library.city.b1, actor=None)
    loan_checkout(item=second, reader=keeper, unit=library.city.b1, actor=None)
    ended = loan_checkin(item=first, unit=library.city.b1, actor=None).loan
    kept = loan_checkin(item=second, unit=library.city.b1, actor=None).loan
    ended.refresh_from_db()
    assert ended.reader is None
    assert ended.reader_category == "adult" and ended.reader_home_unit == library.city.b1
    kept.refresh_from_db()
    assert kept.reader == keeper
    assert all(h.actor is None and not {"reader", "card_number"} & set(h.details)
               for h in LoanHistory.objects.all())  # fmt: skip


def test_a_late_return_costs_credit_and_a_fine_when_the_rule_fines(library):
    rule_save(data=RuleData(name="fines", unit=library.city.d1, fine_per_day=Decimal("0.10"),
                            fine_max=Decimal("1.00"), grace_days=2, credit_per_day=3),
              actor=None)  # fmt: skip
    reader, copy = library.reader(), library.copy("C0001")
    with at(THURSDAY.date()):
        loan = loan_checkout(item=copy, reader=reader, unit=library.city.b1, actor=None)
    with at(loan.due_on + dt.timedelta(days=14)):
        answer = loan_checkin(item=copy, unit=library.city.b1, actor=None)
    assert answer.days_late == 14 and answer.fine == Decimal("1.00")  # capped
    assert answer.credit_change == -42
    reader.refresh_from_db()
    assert reader.credit_score == 600 - 42
    charge = Charge.objects.get(reader=reader)
    assert charge.kind == "overdue" and charge.account == library.city.b1


def test_a_return_within_the_grace_period_costs_nothing_and_on_time_earns_a_point(library):
    rule_save(data=RuleData(name="grace", unit=library.city.b1, grace_days=3,
                            fine_per_day=Decimal("0.50")), actor=None)  # fmt: skip
    reader, copy = library.reader(), library.copy("C0001")
    with at(THURSDAY.date()):
        loan = loan_checkout(item=copy, reader=reader, unit=library.city.b1, actor=None)
    with at(loan.due_on + dt.timedelta(days=3)):
        answer = loan_checkin(item=copy, unit=library.city.b1, actor=None)
    assert answer.days_late == 3 and answer.fine == 0 and answer.credit_change == 1
    assert not Charge.objects.exists()


# --- renewal ----------------------------------------------------------------------------------


def test_one_renewal_then_no_more(library):
    reader, copy = library.reader(), library.copy("C0001")
    with at(THURSDAY.date()):
        loan = loan_checkout(item=copy, reader=reader, unit=library.city.b1, actor=None)
    with at(THURSDAY.date() + dt.timedelta(days=20)):
        renewed = loan_renew(loan=loan, actor=None)
        assert renewed.status == LoanStatus.RENEWED and renewed.renewals == 1
        assert renewed.due_on >= THURSDAY.date() + dt.timedelta(days=51)
        with pytest.raises(RenewalRefused, match="1 renewal"):
            loan_renew(loan=renewed, actor=None)


def test_an_overdue_loan_or_a_blocked_reader_is_not_renewed(library):
    reader, copy = library.reader(), library.copy("C0001")
    loan = loan_checkout(item=copy, reader=reader, unit=library.city.b1, actor=None)
    reader_block(reader=reader, reason="manual", actor=None)
    with pytest.raises(ReaderBlocked):
        loan_renew(loan=loan, actor=None)
    type(loan).objects.filter(pk=loan.pk).update(status=LoanStatus.OVERDUE)
    with pytest.raises(RenewalRefused, match="overdue"):
        loan_renew(loan=loan, actor=None)


def test_a_returned_loan_cannot_be_renewed(library):
    copy = library.copy("C0001")
    loan = loan_checkout(item=copy, reader=library.reader(), unit=library.city.b1, actor=None)
    loan_checkin(item=copy, unit=library.city.b1, actor=None)
    with pytest.raises(RenewalRefused):
        loan_renew(loan=loan, actor=None)


# --- loss and claimed return ------------------------------------------------------------------


def test_a_lost_copy_is_charged_to_the_reader_for_the_owning_library(library):
    reader = library.reader()
    copy = library.copy("C0001", owner=library.city.b2, price="38.50")
    loan = loan_checkout(item=copy, reader=reader, unit=library.city.b1, actor=None)
    lost = loan_declare_lost(loan=loan, actor=None)
    assert lost.status == LoanStatus.LOST and Item.objects.get(pk=copy.pk).status == "lost"
    charge = Charge.objects.get(reader=reader)
    assert (charge.kind, charge.amount, charge.account) == (
        "lost",
        Decimal("38.50"),
        library.city.b2,
    )
    with pytest.raises(LoanTransitionNotAllowed):
        loan_claim_returned(loan=lost, actor=None)


def test_charges_over_the_limit_block_the_card_until_settled(library):
    reader = library.reader()
    copy = library.copy("C0001", price="80.00")
    loan = loan_checkout(item=copy, reader=reader, unit=library.city.b1, actor=None)
    loan_declare_lost(loan=loan, actor=None)
    assert list(reader_active_blocks(reader).values_list("reason", flat=True)) == ["fines"]
    with pytest.raises(ReaderBlocked):
        loan_checkout(item=library.copy("C0002"), reader=reader, unit=library.city.b1, actor=None)
    charge_settle(charge=Charge.objects.get(reader=reader), status="paid", actor=None)
    assert not reader_active_blocks(reader).exists()
    settled = Charge.objects.get(reader=reader)
    assert settled.item is None and settled.loan is None  # the account entry, not the book


def test_a_claimed_return_makes_the_copy_missing_until_it_turns_up(library):
    reader, copy = library.reader(), library.copy("C0001")
    loan = loan_checkout(item=copy, reader=reader, unit=library.city.b1, actor=None)
    claimed = loan_claim_returned(loan=loan, actor=None)
    assert claimed.status == LoanStatus.CLAIMED_RETURNED
    assert Item.objects.get(pk=copy.pk).status == "missing"
    answer = loan_checkin(item=copy, unit=library.city.b1, actor=None)
    assert answer.loan.status == LoanStatus.RETURNED and answer.days_late == 0
    assert Item.objects.get(pk=copy.pk).status == "available"


def test_a_found_lost_copy_returned_elsewhere_goes_home_in_transit(library):
    copy = library.copy("F0001", item_type="foreign")
    loan = loan_checkout(item=copy, reader=library.reader(), unit=library.city.b1, actor=None)
    loan_declare_lost(loan=loan, actor=None)
    answer = loan_checkin(item=copy, unit=library.city.b2, actor=None)
    assert answer.loan.status == LoanStatus.RETURNED
    assert Item.objects.get(pk=copy.pk).status == "in_transit"


def test_the_seeded_rules_are_guangzhous(db):
    names = set(LoanRule.objects.values_list("name", flat=True))
    assert {
        "全市默认（广州）",
        "外文图书还回所属馆",
        "期刊还回所属馆",
        "视听资料还回所属馆",
    } <= names
    city = LoanRule.objects.get(unit=None, category=None, item_type="")
    assert (city.loan_days, city.max_items, city.renewals) == (31, 30, 1)


def test_a_damaged_copy_is_charged_for_its_owner_with_a_reason(library):
    from libcity.circulation.exceptions import InvalidCharge
    from libcity.circulation.services import charge_damage

    reader, copy = library.reader(), library.copy("C0001", owner=library.city.b2)
    with pytest.raises(InvalidCharge, match="what the damage is"):
        charge_damage(item=copy, reader=reader, amount="5", note=" ", actor=None)
    with pytest.raises(InvalidCharge, match="more than 0"):
        charge_damage(item=copy, reader=reader, amount="-5", note="torn", actor=None)
    with pytest.raises(InvalidCharge, match="number of yuan"):
        charge_damage(item=copy, reader=reader, amount="lots", note="torn", actor=None)
    charge = charge_damage(item=copy, reader=reader, amount="12.5", note="torn pages", actor=None)
    assert (charge.kind, charge.amount, charge.account) == (
        "damage",
        Decimal("12.50"),
        library.city.b2,
    )


def test_a_readers_loan_list_names_the_title_without_reading_the_marc_source(
    library, django_assert_num_queries
):
    from libcity.circulation.selectors import reader_charges, reader_loans

    reader = library.reader()
    loan_checkout(item=library.copy("C0001"), reader=reader, unit=library.city.b1, actor=None)
    for listed in (reader_loans(reader), reader_charges(reader)):
        assert "marc_source" not in str(listed.query)
    with django_assert_num_queries(1):
        (loan,) = reader_loans(reader)
        assert (loan.item.record.title, loan.item.record.authors) == ("图说中国节", ["王娟"])
