"""The circulation pages through Django's test client: the desk, the returns screen, the loan
rules and "which rule applies", the reader's account. Every refusal is shown in words with its
code, and a refused request changes nothing."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from libcity.catalogue.data import RecordData
from libcity.catalogue.models import Item
from libcity.catalogue.services import item_add, record_create
from libcity.circulation.models import Loan, LoanRule, LoanStatus
from libcity.circulation.services import RuleData, loan_checkin, loan_checkout, rule_save
from libcity.conftest import valid_resident_id
from libcity.readers.models import ReaderCategory
from libcity.readers.services import (
    reader_block,
    reader_register,
    reader_self_register,
    reader_set_consent,
)
from libcity.staff.models import Role

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
THURSDAY = dt.datetime(2026, 3, 5, 10, 0, tzinfo=SHANGHAI)


def english(client: Client) -> Client:
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


@pytest.fixture
def library(tiny_city):
    """tiny_city with a record, and makers of copies and readers."""
    record = record_create(data=RecordData(title="图说中国节", authors=["王娟"], year=2007))

    def copy(barcode, owner=None, item_type="book"):
        return item_add(record=record, barcode=barcode, owner=owner or tiny_city.b1,
                        item_type=item_type, status="available")  # fmt: skip

    def reader(home=None, name="读者甲", category="adult"):
        return reader_register(
            name=name, resident_id=valid_resident_id(), home_unit=home or tiny_city.b1,
            actor=None, category=ReaderCategory.objects.get(code=category),
        )  # fmt: skip

    return SimpleNamespace(city=tiny_city, record=record, copy=copy, reader=reader)


@pytest.fixture
def desk_b1(client, library, make_staff):
    """A desk person at b1 (and r1 below it), the page in English, the desk at b1."""
    client.force_login(make_staff("desk1", Role.DESK, library.city.b1))
    english(client).post("/staff/desk/", {"action": "unit", "unit": "b1"})
    return client


def page(response) -> str:
    return response.content.decode()


def scan_card(client, reader, unit="b1"):
    return client.post("/staff/desk/", {"action": "card", "unit": unit, "card": reader.card_number})


def lend(client, reader, barcode, unit="b1"):
    data = {"action": "checkout", "unit": unit, "card": reader.card_number, "barcode": barcode}
    return client.post("/staff/desk/", data, follow=True)


# --- the desk ---------------------------------------------------------------------------------


def test_the_desk_shows_the_reader_and_lends_scan_after_scan(desk_b1, library):
    reader = library.reader()
    library.copy("C0001"), library.copy("C0002")
    scan_card(desk_b1, reader)
    shown = page(desk_b1.get("/staff/desk/"))
    assert "读者甲" in shown and reader.card_number in shown and "b1 library" in shown
    assert 'id="barcode" name="barcode" autofocus' in shown
    first = page(lend(desk_b1, reader, "C0001"))
    loan = Loan.objects.get(item__barcode="C0001")
    assert f"Lent: 图说中国节 (C0001), due back on {loan.due_on.isoformat()}." in first
    assert 'id="barcode" name="barcode" autofocus' in first  # ready for the next scan
    second = page(lend(desk_b1, reader, "C0002"))
    assert "(C0002)" in second and second.count('name="action" value="renew"') == 2
    assert loan.issued_at_unit == library.city.b1 and loan.reader == reader


def test_a_blocked_reader_is_refused_in_words_with_the_code(desk_b1, library):
    reader = library.reader()
    library.copy("C0001")
    reader_block(reader=reader, reason="manual", note="unpaid", actor=None)
    scan_card(desk_b1, reader)
    shown = page(desk_b1.get("/staff/desk/"))
    assert "Set by staff" in shown  # the block's reason, on the reader's panel
    refused = page(lend(desk_b1, reader, "C0001"))
    assert "The reader may not borrow: Set by staff." in refused and "reader_blocked" in refused
    assert not Loan.objects.exists()


def test_the_loan_limit_is_refused_in_words(desk_b1, library):
    rule_save(data=RuleData(name="b1: two at most", unit=library.city.b1, max_items=1), actor=None)
    reader = library.reader()
    library.copy("C0001"), library.copy("C0002")
    lend(desk_b1, reader, "C0001")
    refused = page(lend(desk_b1, reader, "C0002"))
    assert "The reader already has 1 loans, the most allowed." in refused
    assert "loan_limit_reached" in refused
    assert Loan.objects.count() == 1


def test_a_copy_already_on_loan_is_refused(desk_b1, library):
    first, second = library.reader(), library.reader(name="读者乙")
    library.copy("C0001")
    lend(desk_b1, first, "C0001")
    refused = page(lend(desk_b1, second, "C0001"))
    assert "Copy C0001 is On loan, not on a shelf." in refused
    assert "item_not_available" in refused
    assert Loan.objects.get().reader == first


def test_an_unknown_card_or_barcode_says_so(desk_b1, library):
    unknown = {"action": "card", "unit": "b1", "card": "nope"}
    shown = page(desk_b1.post("/staff/desk/", unknown, follow=True))
    assert "No reader has this card number." in shown and "reader_not_found" in shown
    assert 'id="card" name="card" autofocus' in shown
    refused = page(lend(desk_b1, library.reader(), "X404"))
    assert "No copy has the barcode X404." in refused


def test_the_desk_renews_and_says_the_new_due_date(desk_b1, library):
    reader = library.reader()
    library.copy("C0001")
    lend(desk_b1, reader, "C0001")
    loan = Loan.objects.get()
    data = {"action": "renew", "unit": "b1", "loan": loan.pk}
    shown = page(desk_b1.post("/staff/desk/", data, follow=True))
    loan.refresh_from_db()
    assert loan.status == LoanStatus.RENEWED and loan.renewals == 1
    assert f"is now due back on {loan.due_on.isoformat()}" in shown
    again = page(desk_b1.post("/staff/desk/", data, follow=True))
    assert "renewal_refused" in again
    assert Loan.objects.get().renewals == 1


def test_the_desk_declares_a_loss_then_takes_the_payment(desk_b1, library):
    from libcity.circulation.models import Charge

    reader = library.reader()
    library.copy("C0001")
    scan_card(desk_b1, reader)
    lend(desk_b1, reader, "C0001")
    loan = Loan.objects.get()
    shown = page(desk_b1.post("/staff/desk/", {"action": "lost", "unit": "b1", "loan": loan.pk},
                              follow=True))  # fmt: skip
    assert "Declared lost: 图说中国节 (C0001)" in shown and "50.00 yuan" in shown
    charge = Charge.objects.get()
    assert charge.kind == "lost" and charge.account == library.city.b1
    paid = {"action": "settle", "unit": "b1", "charge": charge.pk, "status": "paid"}
    shown = page(desk_b1.post("/staff/desk/", paid, follow=True))
    assert "Charge of 50.00 yuan: Paid." in shown
    again = page(desk_b1.post("/staff/desk/", paid, follow=True))
    assert "invalid_charge" in again  # settled once only
    forged = {**paid, "status": "vanished"}
    assert "invalid_charge" in page(desk_b1.post("/staff/desk/", forged, follow=True))


def test_a_claimed_return_from_the_desk_makes_the_copy_missing(desk_b1, library):
    reader = library.reader()
    library.copy("C0001")
    lend(desk_b1, reader, "C0001")
    loan = Loan.objects.get()
    data = {"action": "claimed", "unit": "b1", "loan": loan.pk}
    shown = page(desk_b1.post("/staff/desk/", data, follow=True))
    assert "claimed returned" in shown
    loan.refresh_from_db()
    assert loan.status == LoanStatus.CLAIMED_RETURNED
    assert (
        page(desk_b1.post("/staff/desk/", {**data, "unit": "b2"}, follow=True)).count(
            "not_found_or_not_allowed"
        )
        == 1
    )  # a desk cannot act for a unit outside its scope


def test_the_next_reader_clears_the_counter(desk_b1, library):
    scan_card(desk_b1, library.reader())
    desk_b1.post("/staff/desk/", {"action": "next"})
    assert 'id="card" name="card" autofocus' in page(desk_b1.get("/staff/desk/"))


def test_a_desk_at_b2_cannot_lend_at_b1(client, library, make_staff):
    client.force_login(make_staff("desk2", Role.DESK, library.city.b2))
    shown = page(english(client).get("/staff/desk/"))
    assert "b2 library" in shown and "b1 library" not in shown  # only b2, chosen already
    refused = page(client.post("/staff/desk/", {"action": "unit", "unit": "b1"}, follow=True))
    assert "Not found, or not within your part of the network." in refused
    assert client.session["desk_unit"] == "b2"
    reader, copy = library.reader(), library.copy("C0001")
    forged = page(lend(client, reader, "C0001", unit="b1"))
    assert "not_found_or_not_allowed" in forged
    assert not Loan.objects.exists()
    assert Item.objects.get(pk=copy.pk).status == "available"


def test_the_desk_is_for_staff_who_lend(client, library, make_staff):
    client.force_login(make_staff("cat", Role.CATALOGUER, library.city.b1))
    assert client.get("/staff/desk/").status_code == 403
    assert client.get("/staff/returns/").status_code == 403


def test_desk_forms_need_the_csrf_token(library, make_staff):
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_staff("desk1", Role.DESK, library.city.b1))
    reader, _copy = library.reader(), library.copy("C0001")
    data = {"action": "checkout", "unit": "b1", "card": reader.card_number, "barcode": "C0001"}
    assert client.post("/staff/desk/", data).status_code == 403
    returned = {"action": "return", "unit": "b1", "barcode": "C0001"}
    assert client.post("/staff/returns/", returned).status_code == 403
    assert not Loan.objects.exists()
    form = page(client.get("/staff/desk/"))
    assert form.count("csrfmiddlewaretoken") >= 2  # the unit form and the card form


# --- the returns screen -----------------------------------------------------------------------


def give_back(client, barcode, unit="b2"):
    data = {"action": "return", "unit": unit, "barcode": barcode}
    return page(client.post("/staff/returns/", data, follow=True))


@pytest.fixture
def desk_b2(client, library, make_staff):
    client.force_login(make_staff("desk2", Role.DESK, library.city.b2))
    english(client)
    return client


def test_a_foreign_book_returned_elsewhere_goes_in_transit_to_its_owner(desk_b2, library):
    copy = library.copy("F0001", item_type="foreign")
    loan_checkout(item=copy, reader=library.reader(), unit=library.city.b1, actor=None)
    shown = give_back(desk_b2, "F0001")
    assert "Send in transit to b1 library" in shown
    assert "Copies of this kind go back to their owning library: send it to b1 library." in shown
    assert "On time · credit +1" in shown
    assert Item.objects.get(pk=copy.pk).status == "in_transit"


def test_a_book_returned_anywhere_is_shelved_there(desk_b2, library):
    copy = library.copy("C0001")
    loan_checkout(item=copy, reader=library.reader(), unit=library.city.b1, actor=None)
    shown = give_back(desk_b2, "C0001")
    assert "Shelve here" in shown and "stay where they are returned" in shown


def test_a_late_return_shows_days_late_fine_and_credit(desk_b2, library):
    copy = library.copy("C0001")
    with time_machine.travel(THURSDAY, tick=False):
        loan = loan_checkout(item=copy, reader=library.reader(), unit=library.city.b1, actor=None)
    late = dt.datetime.combine(loan.due_on + dt.timedelta(days=9), dt.time(10), tzinfo=SHANGHAI)
    with time_machine.travel(late, tick=False):
        shown = give_back(desk_b2, "C0001")
    assert "9 days late · fine 0.00 yuan · credit -9" in shown


def test_the_returns_screen_keeps_the_last_twenty_answers(desk_b2, library):
    library.copy("C0001")
    for n in range(22):
        give_back(desk_b2, f"X{n:03d}")
    shown = give_back(desk_b2, "C0001")
    assert shown.count('<li class="card"') == 20
    assert "This copy was not on loan." in shown and "X021" in shown and "X002" not in shown
    assert "No copy has the barcode X021." in shown and "item_not_found" in shown


def test_a_return_at_a_unit_out_of_scope_is_refused(desk_b2, library):
    copy = library.copy("C0001")
    loan_checkout(item=copy, reader=library.reader(), unit=library.city.b1, actor=None)
    shown = give_back(desk_b2, "C0001", unit="b1")
    assert "not_found_or_not_allowed" in shown
    assert Loan.objects.get().status == LoanStatus.ON_LOAN


# --- the loan rules ---------------------------------------------------------------------------


@pytest.fixture
def manager(client, library, make_staff):
    client.force_login(make_staff("mgr", Role.BRANCH_MANAGER, library.city.b1))
    english(client)
    return client


def rule_post(client, path="/staff/rules/new/", **values):
    data = {"name": "b1 short loans", "unit": "b1", "category": "", "item_type": "",
            "loanable": "", "return_to": "", "float_group": "", "note": "", **values}  # fmt: skip
    return client.post(path, data, follow=True)


def test_the_rules_list_shows_the_city_rules_and_what_each_sets(manager):
    shown = page(manager.get("/staff/rules/"))
    assert "全市默认（广州）" in shown and "The whole city" in shown
    assert "Foreign-language book" in shown and "Its owning library" in shown
    assert "New rule" in shown


def test_a_manager_creates_a_rule_for_the_branch(manager, library):
    shown = page(rule_post(manager, loan_days="14", category="adult"))
    assert "Rule saved: b1 short loans." in shown
    rule = LoanRule.objects.get(name="b1 short loans")
    assert rule.unit == library.city.b1 and rule.loan_days == 14 and rule.max_items is None
    assert rule.category.code == "adult"


def test_a_term_out_of_bounds_is_shown_on_its_field(manager):
    shown = page(rule_post(manager, loan_days="0"))
    assert "loan_days is a whole number from 1 to 366." in shown
    assert 'id="id_loan_days"' in shown
    assert not LoanRule.objects.filter(name="b1 short loans").exists()


def test_form_errors_name_unit_and_number(manager):
    shown = page(rule_post(manager, name="", unit="nowhere", renewals="many"))
    assert "This field is required." in shown
    assert "There is no such unit." in shown
    assert "Enter a whole number." in shown
    assert LoanRule.objects.count() == 5  # the seeded rules only


def test_a_second_rule_in_the_same_cell_is_refused(manager):
    rule_post(manager, loan_days="14")
    shown = page(rule_post(manager, name="again", loan_days="21"))
    assert "An active rule for this unit, reader category and item type exists already" in shown


def test_a_branch_manager_cannot_write_a_city_wide_rule(manager):
    shown = page(rule_post(manager, unit="", loan_days="14"))
    assert "Not found, or not within your part of the network." in shown
    assert not LoanRule.objects.filter(name="b1 short loans").exists()


def test_a_rule_is_edited_then_deactivated(manager, library):
    rule = rule_save(data=RuleData(name="b1 rule", unit=library.city.b1, loan_days=14), actor=None)
    path = f"/staff/rules/{rule.pk}/"
    assert 'value="14"' in page(manager.get(path))
    shown = page(rule_post(manager, path, name="b1 rule", loan_days="21", grace_days="2"))
    assert "Rule saved: b1 rule." in shown
    rule.refresh_from_db()
    assert (rule.loan_days, rule.grace_days) == (21, 2)
    shown = page(manager.post(path, {"action": "deactivate"}, follow=True))
    assert "b1 rule no longer applies" in shown
    rule.refresh_from_db()
    assert not rule.is_active


def test_a_manager_cannot_edit_a_city_wide_rule(manager):
    city = LoanRule.objects.get(name="全市默认（广州）")
    shown = page(rule_post(manager, f"/staff/rules/{city.pk}/", name="mine", unit=""))
    assert "Not found, or not within your part of the network." in shown
    shown = page(manager.post(f"/staff/rules/{city.pk}/", {"action": "deactivate"}, follow=True))
    assert "Not found, or not within your part of the network." in shown
    assert LoanRule.objects.get(pk=city.pk).is_active


def test_which_rule_applies_names_the_rule_behind_each_term(manager, library):
    rule_save(data=RuleData(name="b1 adults: 14 days", unit=library.city.b1,
                            category=ReaderCategory.objects.get(code="adult"), loan_days=14),
              actor=None)  # fmt: skip
    reader, copy = library.reader(), library.copy("F0001", item_type="foreign")
    asked = {"unit": "r1", "card": reader.card_number, "item": copy.barcode}
    shown = page(manager.get("/staff/rules/explain/", asked))
    terms = shown[shown.index('id="terms"') : shown.index("</table>", shown.index('id="terms"'))]
    assert "<td>Loan period (days)</td><td>14</td>" in terms
    row = terms[terms.index("Loan period (days)") :]
    assert row.index("b1 adults: 14 days") < row.index("</tr>")
    back = terms[terms.index("Where the copy goes back") :]
    assert back.index("外文图书还回所属馆") < back.index("</tr>")
    assert "Its owning library" in back
    assert "built-in default" in terms  # float group: no rule sets it
    ranked = shown[shown.index('id="candidates"') :]
    assert ranked.index("b1 adults: 14 days") < ranked.index("外文图书还回所属馆")
    assert ranked.index("外文图书还回所属馆") < ranked.index("全市默认（广州）")
    assert "b1 library (above this unit)" in ranked
    assert "At r1 library, for the reader with card" in shown


def test_which_rule_applies_by_category_and_item_type(manager, library):
    asked = {"unit": "b2", "category": "child", "item_type": "reference"}
    shown = page(manager.get("/staff/rules/explain/", asked))
    assert "a reader of the category" in shown and "a copy of the type" in shown
    assert "<td>Lent</td><td>No, not for loan</td>" in shown
    assert "工具书不外借" in shown


def test_which_rule_applies_says_what_it_does_not_know(manager):
    shown = page(manager.get("/staff/rules/explain/", {"unit": "b1", "card": "nope"}))
    assert "No reader has this card number." in shown and 'id="terms"' not in shown
    shown = page(manager.get("/staff/rules/explain/", {"unit": "zz"}))
    assert "There is no such unit." in shown


def test_rule_forms_need_the_csrf_token(library, make_staff):
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_staff("mgr", Role.BRANCH_MANAGER, library.city.b1))
    data = {"name": "x", "unit": "b1", "loan_days": "14"}
    assert client.post("/staff/rules/new/", data).status_code == 403
    city = LoanRule.objects.get(name="全市默认（广州）")
    assert client.post(f"/staff/rules/{city.pk}/", {"action": "deactivate"}).status_code == 403
    assert LoanRule.objects.filter(name="x").count() == 0


# --- the reader's account ---------------------------------------------------------------------


@pytest.fixture
def signed_in_reader(client, library):
    reader = reader_self_register(name="网上读者", resident_id=valid_resident_id(),
                                  home_unit=library.city.b1, username="web-reader",
                                  password="a-Long-pass-2026")  # fmt: skip
    client.force_login(reader.user)
    english(client)
    return reader


def test_the_account_lists_loans_and_renews_one(client, library, signed_in_reader):
    loan = loan_checkout(item=library.copy("C0001"), reader=signed_in_reader,
                         unit=library.city.b1, actor=None)  # fmt: skip
    shown = page(client.get("/account/"))
    assert "图说中国节" in shown and loan.due_on.isoformat() in shown and "On loan" in shown
    renewed = page(client.post("/account/", {"action": "renew", "loan": loan.pk}, follow=True))
    loan.refresh_from_db()
    assert loan.renewals == 1 and f"is now due back on {loan.due_on.isoformat()}" in renewed
    again = page(client.post("/account/", {"action": "renew", "loan": loan.pk}, follow=True))
    assert "This loan has had the 1 renewal(s) its rule allows." in again


def test_a_reader_cannot_renew_someone_elses_loan(client, library, signed_in_reader):
    other = loan_checkout(item=library.copy("C0001"), reader=library.reader(),
                          unit=library.city.b1, actor=None)  # fmt: skip
    shown = page(client.post("/account/", {"action": "renew", "loan": other.pk}, follow=True))
    assert "No such loan." in shown
    assert Loan.objects.get(pk=other.pk).renewals == 0


def test_the_reading_history_shows_only_with_consent(client, library, signed_in_reader):
    copy = library.copy("C0001")
    loan_checkout(item=copy, reader=signed_in_reader, unit=library.city.b1, actor=None)
    loan_checkin(item=copy, unit=library.city.b1, actor=None)
    shown = page(client.get("/account/"))
    assert "The library does not keep your reading history" in shown
    assert "图说中国节" not in shown
    reader_set_consent(reader=signed_in_reader, keeps_reading_history=True, actor=None)
    loan_checkout(item=copy, reader=signed_in_reader, unit=library.city.b1, actor=None)
    loan_checkin(item=copy, unit=library.city.b1, actor=None)
    shown = page(client.get("/account/"))
    history = shown[shown.index('id="reading-history"') :]
    assert "图说中国节" in history and "does not keep" not in history
    assert "Nothing on loan." in shown


def test_the_account_shows_open_charges_and_credit(client, library, signed_in_reader):
    rule_save(data=RuleData(name="fines", unit=library.city.b1, fine_per_day="0.50"), actor=None)
    copy = library.copy("C0001")
    with time_machine.travel(THURSDAY, tick=False):
        loan = loan_checkout(item=copy, reader=signed_in_reader, unit=library.city.b1, actor=None)
    late = dt.datetime.combine(loan.due_on + dt.timedelta(days=4), dt.time(10), tzinfo=SHANGHAI)
    with time_machine.travel(late, tick=False):
        loan_checkin(item=copy, unit=library.city.b1, actor=None)
    shown = page(client.get("/account/"))
    charges = shown[shown.index('id="charges"') :]
    assert "Overdue fine · 2.00 yuan · b1 library" in charges
    signed_in_reader.refresh_from_db()
    assert f"<dd>{signed_in_reader.credit_score} ·" in shown


def test_account_renewal_needs_the_csrf_token(library, signed_in_reader):
    loan = loan_checkout(item=library.copy("C0001"), reader=signed_in_reader,
                         unit=library.city.b1, actor=None)  # fmt: skip
    client = Client(enforce_csrf_checks=True)
    client.force_login(signed_in_reader.user)
    assert client.post("/account/", {"action": "renew", "loan": loan.pk}).status_code == 403
    assert Loan.objects.get(pk=loan.pk).renewals == 0
