"""The transfer pages (转借) through Django's test client: the giver's code page, accepting by
the QR code's address and by a typed code, every refusal shown in words with nothing
changed, the giver cancelling, an offer to the reader waiting, and the staff list in scope."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from libcity.catalogue.data import RecordData
from libcity.catalogue.services import item_add, record_create
from libcity.circulation.models import Loan, LoanStatus
from libcity.circulation.services import RuleData, loan_checkout, rule_save
from libcity.conftest import valid_resident_id
from libcity.holds.services import hold_place
from libcity.readers.services import reader_block, reader_self_register
from libcity.sharing.models import Transfer, TransferStatus
from libcity.sharing.services import transfer_accept, transfer_offer
from libcity.staff.models import Role

pytestmark = pytest.mark.django_db
THURSDAY = dt.datetime(2026, 3, 5, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
CODE = re.compile(r'id="transfer-code"[^>]*>([A-Z0-9]{8})<')
_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def traveller():
    """Every library of the tiny city opens on weekdays: a Thursday morning, time frozen."""
    with time_machine.travel(THURSDAY, tick=False) as travelling:
        yield travelling


@pytest.fixture
def city(tiny_city):
    """tiny_city with a title, makers of copies on loan and of readers who sign in."""
    record = record_create(data=RecordData(title="图说中国节", authors=["王娟"], year=2007))

    def reader(name="张小明", home=None):
        n = next(_numbers)
        return reader_self_register(
            name=name, resident_id=valid_resident_id(), home_unit=home or tiny_city.b1,
            username=f"pager{n}", password="a-long-password-9",
        )  # fmt: skip

    def lent(borrower, unit=None, owner=None):
        copy = item_add(record=record, barcode=f"TP{next(_numbers):05d}",
                        owner=owner or tiny_city.b1, item_type="book",
                        status="available")  # fmt: skip
        return loan_checkout(item=copy, reader=borrower, unit=unit or tiny_city.b1, actor=None)

    return SimpleNamespace(city=tiny_city, record=record, reader=reader, lent=lent)


def signed_in(reader) -> Client:
    client = Client()
    client.force_login(reader.user)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


def offered(client: Client, loan: Loan, place: str = "") -> str:
    """The giver asks for a code on the page; the code shown."""
    answer = client.post(f"/account/loans/{loan.pk}/pass-on/", {"place": place})
    assert answer.status_code == 200
    return CODE.search(answer.content.decode()).group(1)


def unchanged(loan: Loan) -> None:
    loan.refresh_from_db()
    assert loan.status == LoanStatus.ON_LOAN
    assert Loan.objects.filter(item=loan.item).count() == 1


# --- the giver --------------------------------------------------------------------------------


def test_the_account_offers_pass_it_on_and_the_page_shows_the_code_and_its_qr_code(city):
    giver = city.reader()
    loan = city.lent(giver)
    client = signed_in(giver)
    account = client.get("/account/").content.decode()
    assert f"/account/loans/{loan.pk}/pass-on/" in account and "Pass it on" in account
    form = client.get(f"/account/loans/{loan.pk}/pass-on/").content.decode()
    assert "By hand, outside a library" in form and 'value="b2"' in form
    page = client.post(f"/account/loans/{loan.pk}/pass-on/", {"place": "b2"}).content.decode()
    code = CODE.search(page).group(1)
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page
    assert f"http://testserver/transfers/{code}/" in page  # what the QR code leads to
    assert "b2 library" in page and "Cancel this code" in page
    assert 'data-seconds="600"' in page and "2026-03-05 10:10" in page
    transfer = Transfer.objects.get()
    assert transfer.status == TransferStatus.OFFERED and transfer.place_unit == city.city.b2
    assert code not in transfer.code_hash


def test_someone_elses_loan_has_no_pass_on_page(city):
    loan = city.lent(city.reader())
    assert signed_in(city.reader()).get(f"/account/loans/{loan.pk}/pass-on/").status_code == 404
    assert not Transfer.objects.exists()


def test_the_giver_cancels_the_code_and_it_opens_nothing(city):
    giver = city.reader()
    loan = city.lent(giver)
    client = signed_in(giver)
    code = offered(client, loan)
    answer = client.post("/account/transfers/cancel/", {"code": code}, follow=True)
    assert "The code is cancelled" in answer.content.decode()
    assert Transfer.objects.get().status == TransferStatus.CANCELLED
    refused = signed_in(city.reader()).post(f"/transfers/{code}/")
    assert refused.status_code == 410 and "expired" in refused.content.decode()
    unchanged(loan)


def test_a_copy_someone_waits_for_is_offered_to_them(city):
    giver, waiting = city.reader(), city.reader(name="李四")
    loan = city.lent(giver)
    hold = hold_place(reader=waiting, record=city.record, pickup_unit=city.city.b1, actor=None)
    client = signed_in(giver)
    assert "Pass it to the reader waiting for it" in client.get("/account/").content.decode()
    page = client.post(f"/account/loans/{loan.pk}/pass-on/", {"place": "b1"}).content.decode()
    assert 'id="queued"' in page and "has been told" in page
    transfer = Transfer.objects.get()
    assert transfer.for_hold == hold and transfer.expires_at == THURSDAY + dt.timedelta(hours=48)


# --- the receiver -----------------------------------------------------------------------------


def test_the_receiver_opens_the_qr_address_and_takes_the_book(city):
    giver, receiver = city.reader(name="张小明"), city.reader(name="王五")
    loan = city.lent(giver)
    code = offered(signed_in(giver), loan)
    client = signed_in(receiver)
    page = client.get(f"/transfers/{code}/").content.decode()
    assert "图说中国节" in page and "张*明" in page
    assert "张小明" not in page and giver.card_number not in page  # the giver is masked
    assert "Confirm: I take this book" in page and "31 days from today" in page
    answer = client.post(f"/transfers/{code}/")
    assert answer.status_code == 302 and answer["Location"] == f"/transfers/{code}/"
    done = client.get(f"/transfers/{code}/").content.decode()
    new_loan = Loan.objects.get(item=loan.item, reader=receiver)
    assert "The book is yours now" in done and new_loan.due_on.isoformat() in done
    loan.refresh_from_db()
    assert loan.status == LoanStatus.TRANSFERRED
    assert new_loan.item.barcode in signed_in(receiver).get("/account/").content.decode()


def test_a_typed_code_leads_to_the_same_page(city):
    loan = city.lent(city.reader())
    code = offered(signed_in(loan.reader), loan)
    client = signed_in(city.reader())
    assert "The code" in client.get("/transfers/").content.decode()
    typed = f"{code[:4].lower()}-{code[4:].lower()}"
    answer = client.get("/transfers/", {"code": typed})
    assert answer.status_code == 302 and answer["Location"] == f"/transfers/{code}/"
    slashed = client.get("/transfers/", {"code": "AB/CD"}).content.decode()
    assert "Type the code you were shown." in slashed
    client.post(f"/transfers/{code}/")
    assert Transfer.objects.get().status == TransferStatus.ACCEPTED


def test_an_anonymous_scan_goes_to_sign_in_and_back(city):
    loan = city.lent(city.reader())
    code = offered(signed_in(loan.reader), loan)
    answer = Client().get(f"/transfers/{code}/")
    assert answer.status_code == 302
    assert answer["Location"] == f"/accounts/login/?next=/transfers/{code}/"
    assert Client().post(f"/transfers/{code}/").status_code == 302
    unchanged(loan)


def refusal(client: Client, code: str, status: int, words: str) -> str:
    answer = client.post(f"/transfers/{code}/")
    page = answer.content.decode()
    assert answer.status_code == status and words in page and 'role="alert"' in page, page
    return page


def test_an_unknown_code_is_refused_in_words(city):
    client = signed_in(city.reader())
    refusal(client, "ABCDEFGH", 404, "No transfer has this code")
    assert client.get("/transfers/ABCDEFGH/").status_code == 404


def test_an_expired_code_is_refused_and_nothing_changes(city, traveller):
    loan = city.lent(city.reader())
    code = offered(signed_in(loan.reader), loan)
    traveller.shift(dt.timedelta(minutes=11))
    client = signed_in(city.reader())
    assert "Confirm: I take this book" not in client.get(f"/transfers/{code}/").content.decode()
    refusal(client, code, 410, "This code has expired; ask for a new one.")
    unchanged(loan)


def test_a_used_code_is_refused_on_replay(city):
    loan = city.lent(city.reader())
    code = offered(signed_in(loan.reader), loan)
    transfer_accept(code=code, actor=city.reader().user)
    refusal(signed_in(city.reader()), code, 409, "This code was already used.")
    assert Loan.objects.filter(item=loan.item).count() == 2


def test_a_copy_someone_else_waits_for_is_refused_to_another(city):
    loan = city.lent(city.reader())
    hold_place(reader=city.reader(), record=city.record, pickup_unit=city.city.b1, actor=None)
    code = transfer_offer(loan=loan, actor=loan.reader.user).code
    refusal(signed_in(city.reader()), code, 409, "Another reader is waiting for this title")
    unchanged(loan)
    assert Transfer.objects.get().status == TransferStatus.OFFERED


def test_a_blocked_receiver_is_refused(city):
    loan = city.lent(city.reader())
    receiver = city.reader()
    reader_block(reader=receiver, reason="manual", actor=None)
    code = offered(signed_in(loan.reader), loan)
    refusal(signed_in(receiver), code, 403, "may not borrow")
    unchanged(loan)


def test_a_receiver_at_their_loan_limit_is_refused(city):
    rule_save(data=RuleData(name="two each", unit=city.city.b1, max_items=2), actor=None)
    receiver = city.reader()
    city.lent(receiver)
    city.lent(receiver)
    loan = city.lent(city.reader())
    code = offered(signed_in(loan.reader), loan)
    page = refusal(signed_in(receiver), code, 409, "already has 2 loans, the most allowed")
    assert "Confirm: I take this book" in page  # the offer stands, unchanged
    unchanged(loan)


def test_a_copy_passed_on_twice_this_year_cannot_be_offered_again(city):
    a, b = city.reader(), city.reader()
    loan = city.lent(a)
    for _round in range(2):
        loan = transfer_accept(code=offered(signed_in(a), loan), actor=b.user).new_loan
        loan = transfer_accept(code=offered(signed_in(b), loan), actor=a.user).new_loan
    page = signed_in(a).post(f"/account/loans/{loan.pk}/pass-on/", {"place": ""})
    assert page.status_code == 200 and 'id="transfer-code"' not in page.content.decode()
    assert "the most allowed" in page.content.decode()
    assert Transfer.objects.filter(status=TransferStatus.OFFERED).count() == 0


def test_the_giver_cannot_take_their_own_book(city):
    loan = city.lent(city.reader())
    client = signed_in(loan.reader)
    refusal(client, offered(client, loan), 409, "You cannot pass a copy to yourself.")
    unchanged(loan)


def test_staff_are_not_readers_here(city, make_staff):
    loan = city.lent(city.reader())
    code = offered(signed_in(loan.reader), loan)
    client = Client()
    client.force_login(make_staff("desk-b1", Role.DESK, city.city.b1))
    assert client.get(f"/transfers/{code}/").status_code == 403
    assert client.post(f"/transfers/{code}/").status_code == 403
    unchanged(loan)


# --- staff ------------------------------------------------------------------------------------


def test_staff_see_the_transfers_in_their_scope_newest_first(city, make_staff, traveller):
    at_b1 = city.lent(city.reader(name="张小明"))
    code = transfer_offer(loan=at_b1, actor=at_b1.reader.user, place_unit=city.city.r1).code
    receiver = city.reader(name="王五")
    transfer_accept(code=code, actor=receiver.user)
    traveller.shift(dt.timedelta(minutes=1))
    by_hand = city.lent(city.reader(), owner=city.city.b1)
    transfer_offer(loan=by_hand, actor=by_hand.reader.user)
    at_b2 = city.lent(city.reader(home=city.city.b2), unit=city.city.b2, owner=city.city.b2)
    transfer_offer(loan=at_b2, actor=at_b2.reader.user, place_unit=city.city.b2)

    client = Client()
    client.force_login(make_staff("desk-b1", Role.DESK, city.city.b1))
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/staff/transfers/").content.decode()
    assert "2 transfers" in page
    assert at_b2.item.barcode not in page
    assert page.index(by_hand.item.barcode) < page.index(at_b1.item.barcode)  # newest first
    assert "Outside, by hand" in page and "r1 library" in page
    assert "张*明" in page and "张小明" not in page and receiver.card_number in page
    found = client.get("/staff/transfers/", {"q": receiver.card_number}).content.decode()
    assert "1 transfer" in found and at_b1.item.barcode in found
    found = client.get("/staff/transfers/", {"q": by_hand.item.barcode}).content.decode()
    assert "1 transfer" in found and by_hand.item.barcode in found
    assert "/staff/transfers/" in client.get("/staff/desk/").content.decode()  # in the nav


def test_the_staff_list_is_for_staff_who_lend(city, make_staff):
    client = Client()
    client.force_login(make_staff("cat", Role.CATALOGUER, city.city.b1))
    assert client.get("/staff/transfers/").status_code == 403
    assert signed_in(city.reader()).get("/staff/transfers/").status_code == 403
