"""Transfer lending: offer, accept, cancel, expiry, and every rule a transfer must keep."""

import datetime as dt

import pytest

from libcity.catalogue.models import ItemStatus
from libcity.circulation.models import Loan, LoanHistory, LoanStatus, Notice
from libcity.circulation.services import RuleData, loan_checkout, loan_declare_lost, rule_save
from libcity.core.exceptions import DomainError
from libcity.holds.models import HoldStatus
from libcity.holds.services import hold_place
from libcity.readers.services import card_report_lost, reader_block
from libcity.sharing.models import Transfer, TransferHistory, TransferStatus
from libcity.sharing.policies import CODE_ALPHABET
from libcity.sharing.selectors import item_transfers, loan_transfers, reader_open_offers
from libcity.sharing.services import (
    transfer_accept,
    transfer_cancel,
    transfer_offer,
    transfer_offer_to_queue,
)

pytestmark = pytest.mark.django_db


def offer(loan, **extra):
    return transfer_offer(loan=loan, actor=loan.reader.user, **extra)


def accept(transfer, receiver, **extra):
    return transfer_accept(code=transfer.code, actor=receiver.user, **extra)


def refused(code, job):
    with pytest.raises(DomainError) as caught:
        job()
    assert caught.value.code == code, caught.value.message
    return caught.value


def unchanged(loan, transfer):
    """Nothing changed: the giver's loan runs, the offer is open, no second loan."""
    loan.refresh_from_db()
    transfer.refresh_from_db()
    assert loan.status == LoanStatus.ON_LOAN and loan.reader is not None
    assert transfer.status == TransferStatus.OFFERED and transfer.new_loan is None
    assert not Loan.objects.filter(item=loan.item, pk__gt=loan.pk).exists()


# --- offer and accept -------------------------------------------------------------------------


def test_an_accepted_code_ends_the_givers_loan_and_opens_the_receivers(library, reader, lent):
    giver, receiver = reader(), reader(home=library.city.b2)
    rule_save(data=RuleData(name="b2 fortnight", unit=library.city.b2, loan_days=14), actor=None)
    loan = lent(giver)
    made = offer(loan, place_unit=library.city.b2)
    assert len(made.code) == 8 and set(made.code) <= set(CODE_ALPHABET)
    assert made.expires_at == made.offered_at + dt.timedelta(minutes=10)
    done = accept(made, receiver)
    loan.refresh_from_db()
    new = done.new_loan
    assert loan.status == LoanStatus.TRANSFERRED and loan.ended_at is not None
    assert loan.reader is None  # no reading history without consent
    assert (new.reader, new.status) == (receiver, LoanStatus.ON_LOAN)
    assert new.due_on == dt.date(2026, 3, 19)  # the receiver's rule at b2: 14 days, not 31
    item = new.item
    item.refresh_from_db()
    assert (item.status, item.location) == (ItemStatus.ON_LOAN, library.city.b1)  # not moved
    assert (done.status, done.receiver, done.place_unit) == ("accepted", receiver, library.city.b2)


def test_both_loans_history_show_the_transfer_and_its_history_names_both_readers(
    library, reader, lent
):
    giver, receiver = reader(), reader()
    loan = lent(giver)
    done = accept(offer(loan), receiver)  # by hand, outside a library
    ended = LoanHistory.objects.get(loan=loan, action="loan_transferred")
    began = LoanHistory.objects.get(loan=done.new_loan, action="loan_transferred_in")
    for row in (ended, began):
        assert row.details["transfer"] == done.pk and row.details["place"] == "outside"
        assert row.unit is None and row.at == done.accepted_at
    assert began.details["from_loan"] == loan.pk
    row = TransferHistory.objects.get(transfer=done, action="transfer_accepted")
    assert "giver" not in row.details and "receiver" not in row.details  # append-only rows
    assert (row.details["place"], row.details["to_loan"]) == ("outside", done.new_loan.pk)
    assert (done.giver, done.receiver) == (giver, receiver)  # the transfer names them
    assert [t.pk for t in loan_transfers(loan)] == [done.pk]
    assert [t.pk for t in loan_transfers(done.new_loan)] == [done.pk]
    assert [(t.giver, t.receiver) for t in item_transfers(loan.item)] == [(giver, receiver)]


def test_outside_a_library_the_receivers_home_library_rules_set_the_due_date(library, reader, lent):
    rule_save(data=RuleData(name="b2 week", unit=library.city.b2, loan_days=7), actor=None)
    receiver = reader(home=library.city.b2)
    done = accept(offer(lent(reader())), receiver)
    assert done.new_loan.issued_at_unit == library.city.b2
    assert done.new_loan.due_on == dt.date(2026, 3, 12)


def test_a_new_offer_cancels_the_earlier_one(reader, lent):
    loan = lent(reader())
    first = offer(loan)
    second = offer(loan)
    first.refresh_from_db()
    assert first.status == TransferStatus.CANCELLED and second.status == TransferStatus.OFFERED
    assert [t.pk for t in reader_open_offers(loan.reader)] == [second.pk]
    refused("transfer_expired", lambda: accept(first, reader()))


# --- who may offer, who may accept ------------------------------------------------------------


def test_only_the_borrower_may_offer(reader, lent):
    loan = lent(reader())
    stranger = reader()
    refused("loan_not_found", lambda: transfer_offer(loan=loan, actor=stranger.user))
    assert not Transfer.objects.exists()


def test_a_lost_loan_cannot_be_offered(reader, lent):
    loan = lent(reader())
    loan_declare_lost(loan=loan, actor=None)
    refused("transfer_not_allowed", lambda: offer(loan))


def test_staff_are_not_readers(reader, lent, make_staff, library):
    transfer = offer(lent(reader()))
    staff = make_staff("desk1", "desk", library.city.b1)
    refused("not_a_reader", lambda: transfer_accept(code=transfer.code, actor=staff))


def test_the_giver_cannot_accept_their_own_code(reader, lent):
    loan = lent(reader())
    transfer = offer(loan)
    refused("transfer_to_self", lambda: accept(transfer, loan.reader))
    unchanged(loan, transfer)


def test_an_unknown_code_is_refused(reader):
    refused("transfer_not_found", lambda: transfer_accept(code="ABCDEFGH", actor=reader().user))


# --- the receiver must pass every checkout rule ------------------------------------------------


def test_a_receiver_at_their_loan_limit_is_refused_and_nothing_changes(library, reader, lent):
    rule_save(data=RuleData(name="two each", unit=library.city.b1, max_items=2), actor=None)
    receiver = reader()
    lent(receiver)
    lent(receiver)
    loan = lent(reader())
    transfer = offer(loan)
    refused("loan_limit_reached", lambda: accept(transfer, receiver))
    unchanged(loan, transfer)


def test_a_blocked_receiver_is_refused(reader, lent):
    receiver = reader()
    reader_block(reader=receiver, reason="manual", actor=None)
    loan = lent(reader())
    transfer = offer(loan)
    refused("reader_blocked", lambda: accept(transfer, receiver))
    unchanged(loan, transfer)


def test_a_receiver_whose_card_was_reported_lost_is_refused(reader, lent):
    receiver = reader()
    card_report_lost(reader=receiver, actor=None)
    loan = lent(reader())
    transfer = offer(loan)
    refused("card_not_active", lambda: accept(transfer, receiver))
    unchanged(loan, transfer)


def test_a_receiver_whose_card_expired_is_refused(reader, lent):
    receiver = reader()
    receiver.expires_on = dt.date(2026, 3, 1)
    receiver.save(update_fields=["expires_on"])
    loan = lent(reader())
    transfer = offer(loan)
    refused("card_expired", lambda: accept(transfer, receiver))
    unchanged(loan, transfer)


def test_a_copy_not_for_loan_to_the_receivers_category_is_refused(library, reader, lent):
    from libcity.readers.models import ReaderCategory

    receiver = reader(home=library.city.b2)
    category = ReaderCategory.objects.get(pk=receiver.category_id)
    rule_save(data=RuleData(name="not at b2", unit=library.city.b2, category=category,
                            loanable=False), actor=None)  # fmt: skip
    loan = lent(reader())  # lent at b1, where the rule does not hold
    transfer = offer(loan)  # by hand: the rules of the receiver's home, b2
    refused("item_not_loanable", lambda: accept(transfer, receiver))
    unchanged(loan, transfer)


# --- twice a year -----------------------------------------------------------------------------


def test_the_same_card_passes_the_same_copy_on_at_most_twice_a_year(reader, lent):
    a, b = reader(), reader()
    loan = lent(a)
    for _round in range(2):
        loan = accept(offer(loan), b).new_loan  # a → b
        loan = accept(offer(loan), a).new_loan  # b → a
    error = refused("transfer_limit_reached", lambda: offer(loan))
    assert error.details["limit"] == 2


def test_a_transfer_older_than_a_year_does_not_count(traveller, reader, lent):
    a, b = reader(), reader()
    loan = lent(a)
    for _round in range(2):
        loan = accept(offer(loan), b).new_loan
        loan = accept(offer(loan), a).new_loan
    oldest = Transfer.objects.filter(giver=a).order_by("accepted_at", "pk").first()
    Transfer.objects.filter(pk=oldest.pk).update(
        accepted_at=oldest.accepted_at - dt.timedelta(days=366)
    )
    assert accept(offer(loan), b).status == TransferStatus.ACCEPTED


def test_the_cap_is_checked_again_at_acceptance(settings, reader, lent):
    """The count that decides is the one under the giver's lock, when the copy changes hands
    (here the policy tightened between the offer and its acceptance)."""
    a, b = reader(), reader()
    loan = accept(offer(lent(a)), b).new_loan
    loan = accept(offer(loan), a).new_loan
    pending = offer(loan)  # a's second: allowed when offered
    settings.LIBCITY_TRANSFER_POLICY = {"max_transfers_per_item_per_year": 1}
    refused("transfer_limit_reached", lambda: accept(pending, b))
    unchanged(loan, pending)


# --- holds ------------------------------------------------------------------------------------


def test_a_copy_someone_waits_for_goes_only_to_them_and_fulfils_their_hold(library, reader, lent):
    loan = lent(reader())
    waiting, other = reader(), reader()
    hold = hold_place(reader=waiting, record=library.record, pickup_unit=library.city.b1,
                      actor=None)  # fmt: skip
    transfer = offer(loan)
    refused("transfer_for_another", lambda: accept(transfer, other))
    unchanged(loan, transfer)
    done = accept(transfer, waiting)
    hold.refresh_from_db()
    assert hold.status == HoldStatus.COLLECTED and hold.loan == done.new_loan


def test_a_copy_nobody_waits_for_may_go_to_anyone(library, reader, lent):
    loan = lent(reader())
    assert accept(offer(loan), reader()).status == TransferStatus.ACCEPTED


def test_an_offer_to_the_queue_tells_the_first_reader_and_their_acceptance_collects_the_hold(
    library, reader, lent, django_capture_on_commit_callbacks, capsys
):
    loan = lent(reader())
    first, second = reader(), reader()
    hold = hold_place(reader=first, record=library.record, pickup_unit=library.city.b1,
                      actor=None)  # fmt: skip
    hold_place(reader=second, record=library.record, pickup_unit=library.city.b1, actor=None)
    with django_capture_on_commit_callbacks(execute=True):
        transfer = transfer_offer_to_queue(loan=loan, actor=loan.reader.user)
    assert transfer.for_hold == hold
    notice = Notice.objects.get(reader=first, kind=f"transfer_offer:{transfer.pk}")
    assert transfer.code not in notice.body and "********" in notice.body
    assert transfer.code in capsys.readouterr().out  # sent, not kept
    refused("transfer_for_another", lambda: accept(transfer, second))
    done = accept(transfer, first)
    hold.refresh_from_db()
    assert hold.status == HoldStatus.COLLECTED and hold.loan == done.new_loan


def test_an_offer_to_an_empty_queue_is_refused(reader, lent):
    refused("transfer_not_allowed", lambda: transfer_offer_to_queue(
        loan=(loan := lent(reader())), actor=loan.reader.user))  # fmt: skip
    assert not Transfer.objects.exists()


# --- used, expired, cancelled -----------------------------------------------------------------


def test_a_used_code_is_refused_on_replay(reader, lent):
    loan = lent(reader())
    transfer = offer(loan)
    receiver = reader()
    accept(transfer, receiver)
    error = refused("transfer_code_used", lambda: accept(transfer, reader()))
    assert error.message == "This code was already used."
    refused("transfer_code_used", lambda: accept(transfer, receiver))
    assert Loan.objects.filter(item=loan.item).count() == 2


def test_a_code_expires_after_ten_minutes_and_is_marked_expired(traveller, reader, lent):
    loan = lent(reader())
    transfer = offer(loan)
    traveller.shift(dt.timedelta(minutes=10, seconds=1))
    error = refused("transfer_expired", lambda: accept(transfer, reader()))
    assert error.message == "This code has expired; ask for a new one."
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.EXPIRED
    loan.refresh_from_db()
    assert loan.status == LoanStatus.ON_LOAN
    assert TransferHistory.objects.filter(transfer=transfer, action="transfer_expired").exists()


def test_an_offer_to_the_queue_waits_two_days_for_the_reader_told(traveller, library, reader,
                                                                  lent):  # fmt: skip
    giver, waiting = reader(), reader()
    loan = lent(giver)
    hold_place(reader=waiting, record=loan.item.record, pickup_unit=library.city.b1, actor=None)
    made = transfer_offer_to_queue(loan=loan, actor=giver.user)
    assert made.expires_at == made.offered_at + dt.timedelta(hours=48)
    traveller.shift(dt.timedelta(hours=47))
    assert accept(made, waiting).status == TransferStatus.ACCEPTED


def test_the_code_minutes_are_a_policy(settings, traveller, reader, lent):
    settings.LIBCITY_TRANSFER_POLICY = {"code_minutes": 30}
    transfer = offer(lent(reader()))
    traveller.shift(dt.timedelta(minutes=20))
    assert accept(transfer, reader()).status == TransferStatus.ACCEPTED


def test_a_cancelled_code_is_refused(reader, lent):
    loan = lent(reader())
    transfer = offer(loan)
    cancelled = transfer_cancel(transfer=transfer, actor=loan.reader.user)
    assert cancelled.status == TransferStatus.CANCELLED
    refused("transfer_expired", lambda: accept(transfer, reader()))
    unchanged_loan = Loan.objects.get(pk=loan.pk)
    assert unchanged_loan.status == LoanStatus.ON_LOAN


def test_only_the_giver_may_cancel_and_not_once_accepted(reader, lent):
    loan = lent(reader())
    transfer = offer(loan)
    refused("transfer_not_found", lambda: transfer_cancel(transfer=transfer, actor=reader().user))
    accept(transfer, reader())
    refused("transfer_code_used", lambda: transfer_cancel(transfer=transfer,
                                                          actor=loan.reader.user))  # fmt: skip


def test_a_loan_returned_after_the_offer_cannot_be_passed_on(library, reader, lent):
    from libcity.circulation.services import loan_checkin

    loan = lent(reader())
    transfer = offer(loan)
    loan_checkin(item=loan.item, unit=library.city.b1, actor=None)
    refused("loan_transition_not_allowed", lambda: accept(transfer, reader()))
    assert not Loan.objects.filter(item=loan.item, status=LoanStatus.ON_LOAN).exists()


def test_a_late_giver_is_charged_as_at_a_return(traveller, library, reader, lent):
    rule_save(data=RuleData(name="fines", unit=library.city.b1, fine_per_day="0.10"), actor=None)
    giver = reader()
    loan = lent(giver)
    traveller.shift(dt.timedelta(days=33))  # due Monday 6 April (5 April is a Sunday); now 7
    done = accept(offer(loan), reader())
    row = LoanHistory.objects.get(loan=loan, action="loan_transferred")
    assert row.details["days_late"] == 1 and row.details["fine"] == "0.10"
    assert done.new_loan.due_on > loan.due_on


def test_a_readers_loans_after_checkout_still_count_transferred_ones_out(library, reader, lent):
    """The first loan ends: it no longer counts against the giver's limit."""
    rule_save(data=RuleData(name="one each", unit=library.city.b1, max_items=1), actor=None)
    giver = reader()
    loan = lent(giver)
    accept(offer(loan), reader())
    assert loan_checkout(item=library.copy("NEXT1"), reader=giver, unit=library.city.b1,
                         actor=None).status == LoanStatus.ON_LOAN  # fmt: skip


def test_a_transferred_loan_stays_in_a_consenting_givers_reading_history(reader, lent):
    from libcity.circulation.selectors import reader_reading_history
    from libcity.readers.services import reader_set_consent

    giver = reader_set_consent(reader=reader(), keeps_reading_history=True, actor=None)
    loan = lent(giver)
    accept(offer(loan), reader())
    loan.refresh_from_db()
    assert loan.reader == giver and list(reader_reading_history(giver)) == [loan]


# --- the daily work ---------------------------------------------------------------------------


def test_the_daily_work_marks_stale_offers_expired(traveller, reader, lent):
    from libcity.sharing.services import sharing_daily

    stale, fresh = offer(lent(reader())), None
    traveller.shift(dt.timedelta(minutes=9))
    fresh = offer(lent(reader()))
    traveller.shift(dt.timedelta(minutes=2))
    report = sharing_daily()
    assert report.expired == 1 and "1 transfer offers expired" in report.lines()[0]
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert (stale.status, fresh.status) == (TransferStatus.EXPIRED, TransferStatus.OFFERED)
    assert TransferHistory.objects.filter(transfer=stale, action="transfer_expired").count() == 1
    assert sharing_daily().expired == 0  # once


def test_a_transfer_past_the_caps_window_forgets_its_readers(traveller, reader, lent):
    """Who passed which copy to whom is kept while the twice-a-year rule needs it, then
    unlinked; a replay of the old code is still refused, and the loans are untouched."""
    from libcity.sharing.services import sharing_daily

    giver, receiver = reader(), reader()
    made = offer(lent(giver))
    done, code = accept(made, receiver), made.code
    traveller.shift(dt.timedelta(days=364))
    assert sharing_daily().forgotten == 0
    traveller.shift(dt.timedelta(days=2))
    assert sharing_daily().forgotten == 1
    done.refresh_from_db()
    assert (done.giver, done.receiver, done.status) == (None, None, TransferStatus.ACCEPTED)
    assert done.new_loan.reader == receiver  # the running loan is the receiver's still
    refused("transfer_code_used", lambda: transfer_accept(code=code, actor=reader().user))
    assert sharing_daily().forgotten == 0
