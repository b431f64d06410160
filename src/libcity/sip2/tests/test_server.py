"""SIP2 conversations over TCP with a running server, pysip2 playing the kiosk: sign-in, every
message, a return trapped for a hold and routed to a sorter's bin, GB18030 with Chinese
titles, CRLF, what cannot be read, and a connection left idle."""

from __future__ import annotations

import re
import socket
import time
from decimal import Decimal

import pysip2
import pytest

from libcity.circulation.models import Charge, ChargeKind, Loan, LoanStatus
from libcity.circulation.services import RuleData, charge_fee, rule_save
from libcity.holds.models import Hold, HoldStatus
from libcity.holds.services import hold_place
from libcity.readers.models import BlockReason, Reader, ReaderBlock
from libcity.selfservice.services import sort_bin_set, terminal_create
from libcity.sip2.tests.conftest import SECRET, stamp

pytestmark = pytest.mark.django_db(transaction=True)
BLANK_DATE = " " * 18


def checkout(card, barcode, **extra):
    return pysip2.CheckoutRequest(
        sc_renewal_policy="Y", no_block="N", transaction_date=stamp(), nb_due_date=stamp(),
        institution_id="", patron_identifier=card, item_identifier=barcode,
        terminal_password="", **extra,
    )  # fmt: skip


def checkin(barcode):
    return pysip2.CheckinRequest(
        no_block="N", transaction_date=stamp(), return_date=stamp(), current_location="here",
        institution_id="", item_identifier=barcode, terminal_password="",
    )  # fmt: skip


def patron_info(card, summary=" " * 10, **extra):
    return pysip2.PatronInformationRequest(
        language="001", transaction_date=stamp(), summary=summary, institution_id="",
        patron_identifier=card, **extra,
    )  # fmt: skip


def fields_of(raw: bytes, encoding="utf-8") -> dict[str, str]:
    """The identified fields of an answer, read by splitting on the delimiter (for the
    fields pysip2's models leave out, such as CT, CV, CY and DA)."""
    text = raw.decode(encoding).rstrip("\r")
    found = {}
    for piece in text.split("|")[1:]:
        if len(piece) >= 2:
            found.setdefault(piece[:2], piece[2:])
    return found


@pytest.fixture
def signed_in(kiosks, terminal):
    kiosk = kiosks()
    assert kiosk.login().ok == "1"
    return kiosk


def test_a_kiosk_signs_in_and_gets_its_units_status(kiosks, terminal):
    kiosk = kiosks()
    assert kiosk.login(secret="wrong").ok == "0"
    assert kiosk.login().ok == "1"
    status = kiosk.send(pysip2.SCStatusRequest(status_code="0", max_print_width="040",
                                               protocol_version="2.00"))  # fmt: skip
    assert (status.online_status, status.checkout_ok, status.checkin_ok) == ("Y", "Y", "Y")
    assert status.institution_id == "b1"
    assert status.supported_messages == "Y" * 16
    assert status.protocol_version == "2.00"


def test_nothing_but_sign_in_before_signing_in(kiosks, terminal, library):
    library.copy("C1-000")
    kiosk = kiosks()
    answer = kiosk.send(checkout(library.reader().card_number, "C1-000"))
    assert answer.ok == "0"
    assert " ".join(answer.screen_message) == "请先登录（93 消息）。"  # sign in first
    status = kiosk.send(pysip2.SCStatusRequest(status_code="0", max_print_width="040",
                                               protocol_version="2.00"))  # fmt: skip
    assert status.online_status == "N"
    assert not Loan.objects.exists()


def test_status_before_sign_in_only_where_the_account_allows_it(kiosks, terminal):
    status = pysip2.SCStatusRequest(status_code="0", max_print_width="040",
                                    protocol_version="2.00")  # fmt: skip
    first = kiosks()
    first.login()
    again = kiosks()  # the same kiosk reconnects
    assert again.send(status).online_status == "N"
    terminal.status_before_login = True
    terminal.save(update_fields=["status_before_login"])
    third = kiosks()
    assert third.send(status).online_status == "Y"


def test_a_checkout_at_a_kiosk_is_the_desks_checkout(signed_in, library, monkeypatch):
    from libcity.sip2 import handlers

    calls = []
    real = handlers.desk_checkout
    monkeypatch.setattr(handlers, "desk_checkout", lambda **kw: calls.append(kw) or real(**kw))
    library.copy("C1-000")
    reader = library.reader()
    answer = signed_in.send(checkout(reader.card_number, "C1-000"))
    assert (answer.ok, answer.title_identifier) == ("1", "图说中国节")
    assert calls == [{"item_barcode": "C1-000", "card_number": reader.card_number,
                      "unit_code": "b1", "actor": calls[0]["actor"]}]  # fmt: skip
    loan = Loan.objects.get(item__barcode="C1-000")
    assert loan.reader == reader and loan.issued_at_unit.code == "b1"
    assert answer.due_date.startswith(loan.due_on.strftime("%Y%m%d"))
    again = signed_in.send(checkout(library.reader().card_number, "C1-000"))
    assert again.ok == "0" and again.screen_message
    assert Loan.objects.count() == 1


def test_the_search_index_sees_a_kiosks_loan_a_moment_after(signed_in, library):
    """The answer does not wait for the index (the server's background refresher)."""
    from libcity.catalogue.indexing import records_reindex
    from libcity.search.index import search
    from libcity.search.query import SearchRequest

    copy = library.copy("C1-000")
    records_reindex([copy.record_id])

    def on_shelf() -> list[int]:
        return search(SearchRequest(available_now=True, units=["b1"])).ids

    assert on_shelf() == [copy.record_id]
    answer = signed_in.send(checkout(library.reader().card_number, "C1-000"))
    assert answer.ok == "1"
    deadline = time.monotonic() + 10
    while on_shelf() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert on_shelf() == []


def test_a_refused_checkout_says_why_and_changes_nothing(signed_in, library):
    library.copy("C1-000")
    answer = signed_in.send(checkout("NO-SUCH-CARD", "C1-000"))
    assert answer.ok == "0" and answer.screen_message
    assert answer.patron_identifier == "NO-SUCH-CARD" and answer.item_identifier == "C1-000"
    assert not Loan.objects.exists()


def test_a_kiosk_cancels_its_own_checkout(signed_in, library):
    library.copy("C1-000")
    card = library.reader().card_number
    signed_in.send(checkout(card, "C1-000"))
    answer = signed_in.send(checkout(card, "C1-000", cancel="Y"))
    assert answer.ok == "1"
    assert Loan.objects.get().status == LoanStatus.RETURNED


def test_a_return_says_where_the_copy_goes(kiosks, library):
    rule_save(data=RuleData(name="foreign home", item_type="foreign", return_to="owner"),
              actor=None)  # fmt: skip
    library.copy("F1-000", item_type="foreign")  # foreign-language books go home
    sorter, _secret = terminal_create(login="sorter", unit=library.city.b2, kind="sorter",
                                      actor=None, secret=SECRET, default_bin="9")  # fmt: skip
    sort_bin_set(terminal=sorter, action="transit", bin="3", actor=None)
    sort_bin_set(terminal=sorter, action="transit", destination=library.city.b1, bin="B1",
                 actor=None)  # fmt: skip
    sort_bin_set(terminal=sorter, action="shelve", bin="1", actor=None)
    kiosk = kiosks()
    kiosk.login(login="sorter")
    card = library.reader().card_number
    assert kiosk.send(checkout(card, "F1-000")).ok == "1"
    answer = kiosk.send(checkin("F1-000"))
    assert (answer.ok, answer.alert, answer.sort_bin) == ("1", "Y", "B1")
    extra = fields_of(kiosk.raw)
    assert (extra["CT"], extra["CV"]) == ("b1", "04")
    library.copy("S1-000")
    kiosk.send(checkout(card, "S1-000"))
    shelved = kiosk.send(checkin("S1-000"))
    assert (shelved.alert, shelved.sort_bin) == ("N", "1")


def test_a_return_trapped_for_a_hold_names_the_reader(signed_in, library):
    library.copy("H1-000")
    borrower, waiting = library.reader(), library.reader()
    Reader.objects.filter(pk=waiting.pk).update(name="王小明")
    signed_in.send(checkout(borrower.card_number, "H1-000"))
    hold_place(reader=waiting, record=library.record, pickup_unit=library.city.b1, actor=None)
    answer = signed_in.send(checkin("H1-000"))
    assert (answer.ok, answer.alert) == ("1", "Y")
    extra = fields_of(signed_in.raw)
    assert (extra["CV"], extra["CY"], extra["DA"]) == ("01", waiting.card_number, "王*明")
    assert Hold.objects.get(reader=waiting).status == HoldStatus.READY


def test_patron_information_lists_what_the_summary_asks(signed_in, library):
    reader = library.reader()
    for barcode in ("P1-000", "P2-000", "P3-000"):
        library.copy(barcode)
        signed_in.send(checkout(reader.card_number, barcode))
    answer = signed_in.send(patron_info(reader.card_number, summary="  Y       ", start_item="2",
                                        end_item="3"))  # fmt: skip
    assert answer.valid_patron == "Y"
    assert answer.charged_items_count == "0003"
    assert len(answer.charged_items) == 2
    assert answer.currency_type == "CNY" and answer.fee_amount == "0.00"
    unknown = signed_in.send(patron_info("NOBODY"))
    assert unknown.valid_patron == "N"


def test_patron_status_and_a_wrong_patron_password(signed_in, library):
    reader = library.reader()
    answer = signed_in.send(pysip2.PatronStatusRequest(
        language="019", transaction_date=stamp(), institution_id="",
        patron_identifier=reader.card_number, terminal_password="", patron_password="nope",
    ))  # fmt: skip
    assert (answer.valid_patron, answer.valid_patron_password) == ("Y", "N")
    assert answer.patron_status == " " * 14


def test_item_information_while_on_loan(signed_in, library):
    library.copy("I1-000")
    signed_in.send(checkout(library.reader().card_number, "I1-000"))
    answer = signed_in.send(pysip2.ItemInformationRequest(
        transaction_date=stamp(), institution_id="", item_identifier="I1-000"))  # fmt: skip
    assert answer.circulation_status == "04"
    assert answer.due_date and answer.title_identifier == "图说中国节"
    missing = signed_in.send(pysip2.ItemInformationRequest(
        transaction_date=stamp(), institution_id="", item_identifier="NOPE"))  # fmt: skip
    assert missing.circulation_status == "01" and missing.screen_message


def test_renew_one_and_renew_all(signed_in, library):
    reader = library.reader()
    for barcode in ("R1-000", "R2-000"):
        library.copy(barcode)
        signed_in.send(checkout(reader.card_number, barcode))
    renew = pysip2.RenewRequest(
        third_party_allowed="N",
        no_block="N",
        transaction_date=stamp(),
        nb_due_date=stamp(),
        institution_id="",
        patron_identifier=reader.card_number,
        item_identifier="R1-000",
    )
    assert signed_in.send(renew).ok == "1"
    assert signed_in.send(renew).ok == "0"  # one renewal by default
    answer = signed_in.send(
        pysip2.RenewAllRequest(
            transaction_date=stamp(), institution_id="", patron_identifier=reader.card_number
        )
    )
    assert (answer.renewed_count, answer.unrenewed_count) == ("0001", "0001")
    assert answer.renewed_items == ("R2-000",) and answer.unrenewed_items == ("R1-000",)


def test_a_hold_placed_and_cancelled_at_a_kiosk(signed_in, library):
    library.copy("T1-000")
    signed_in.send(checkout(library.reader().card_number, "T1-000"))
    reader = library.reader()
    place = pysip2.HoldRequest(
        hold_mode="+",
        transaction_date=stamp(),
        institution_id="",
        patron_identifier=reader.card_number,
        item_identifier="T1-000",
    )
    answer = signed_in.send(place)
    assert (answer.ok, answer.available, answer.pickup_location) == ("1", "N", "b1")
    placed = Hold.objects.get(reader=reader)
    assert placed.status == HoldStatus.PLACED
    cancel = pysip2.HoldRequest(
        hold_mode="-",
        transaction_date=stamp(),
        institution_id="",
        patron_identifier=reader.card_number,
        item_identifier="T1-000",
    )
    assert signed_in.send(cancel).ok == "1"
    placed.refresh_from_db()
    assert placed.status == HoldStatus.CANCELLED and placed.reader is None  # no history kept


def test_paying_a_charge_at_a_kiosk(signed_in, library):
    reader = library.reader()
    charge_fee(reader=reader, kind=ChargeKind.DELIVERY, amount="6.00", account=library.city.b1,
               note="delivery", actor=None)  # fmt: skip
    pay = pysip2.FeePaidRequest(transaction_date=stamp(), fee_type="01", payment_type="00",
                                currency_type="CNY", fee_amount="5.00", institution_id="",
                                patron_identifier=reader.card_number)  # fmt: skip
    refused = signed_in.send(pay)
    assert refused.payment_accepted == "N" and refused.screen_message
    exact = pysip2.FeePaidRequest(
        transaction_date=stamp(),
        fee_type="01",
        payment_type="00",
        currency_type="CNY",
        fee_amount="6.00",
        institution_id="",
        patron_identifier=reader.card_number,
        transaction_id="T9",
    )
    paid = signed_in.send(exact)
    assert (paid.payment_accepted, paid.transaction_id) == ("Y", "T9")
    assert Charge.objects.get().status == "paid"


def test_a_kept_card_lends_again_after_patron_enable(signed_in, library):
    library.copy("K1-000")
    reader = library.reader()
    blocked = signed_in.send(pysip2.BlockPatronRequest(
        card_retained="Y", transaction_date=stamp(), institution_id="",
        blocked_card_message="suspicious", patron_identifier=reader.card_number,
        terminal_password="",
    ))  # fmt: skip
    assert blocked.patron_status.startswith("YY")
    assert ReaderBlock.objects.get(reader=reader).reason == BlockReason.KIOSK
    assert signed_in.send(checkout(reader.card_number, "K1-000")).ok == "0"
    enabled = signed_in.send(
        pysip2.PatronEnableRequest(
            transaction_date=stamp(), institution_id="", patron_identifier=reader.card_number
        )
    )
    assert enabled.patron_status == " " * 14
    assert signed_in.send(checkout(reader.card_number, "K1-000")).ok == "1"


def test_end_session_item_status_update_and_resend(signed_in, library):
    library.copy("E1-000")
    end = signed_in.send(pysip2.EndPatronSessionRequest(
        transaction_date=stamp(), institution_id="", patron_identifier="X"))  # fmt: skip
    assert end.end_session == "Y"
    last = signed_in.raw
    assert signed_in.send_raw(b"97AZFEF5\r") == last  # the spec's own 97 vector
    assert signed_in.send_raw(b"96AZFEF6\r") == last  # a kiosk that got a garbled answer
    update = signed_in.send(pysip2.ItemStatusUpdateRequest(
        transaction_date=stamp(), institution_id="", item_identifier="E1-000",
        item_properties="x"))  # fmt: skip
    assert update.item_properties_ok == "0" and update.screen_message


def test_a_slow_answer_is_logged_with_where_its_time_went(sip_server, signed_in, library,
                                                          caplog):  # fmt: skip
    library.copy("S1-000")
    sip_server.slow_ms = 0.0  # every answer is "slow"
    with caplog.at_level("WARNING", logger="libcity.sip2.server"):
        assert signed_in.send(checkout(library.reader().card_number, "S1-000")).ok == "1"
        deadline = time.monotonic() + 5
        while "SIP2 11" not in caplog.text and time.monotonic() < deadline:
            time.sleep(0.02)
    assert re.search(r"SIP2 11 from 127\.0\.0\.1 answered in \d+ ms \(\d+ waiting for a "
                     r"worker, \d+ at work\)", caplog.text)  # fmt: skip
    sip_server.slow_ms = 60_000.0
    caplog.clear()
    signed_in.send(pysip2.ItemInformationRequest(transaction_date=stamp(), institution_id="",
                                                 item_identifier="S1-000"))  # fmt: skip
    assert "answered in" not in caplog.text


# --- wire settings ------------------------------------------------------------------------


def test_a_gb18030_kiosk_with_crlf_reads_chinese_titles(kiosks, library):
    terminal_create(login="gbk", unit=library.city.b1, actor=None, secret=SECRET,
                    encoding="gb18030", checksum="lenient", terminator="crlf")  # fmt: skip
    library.copy("G1-000")
    kiosk = kiosks(encoding="gb18030", terminator=b"\r\n")
    kiosk.login(login="gbk")
    kiosk.sock.settimeout(5)
    answer = kiosk.send(checkout(library.reader().card_number, "G1-000"))
    assert answer.title_identifier == "图说中国节"
    assert "图说中国节".encode("gb18030") in kiosk.raw


def test_another_delimiter(kiosks, library):
    terminal_create(login="caret", unit=library.city.b1, actor=None, secret=SECRET,
                    delimiter="^")  # fmt: skip
    library.copy("D1-000")
    kiosk = kiosks(delimiter="^")
    assert kiosk.login(login="caret").ok == "1"
    assert kiosk.send(checkout(library.reader().card_number, "D1-000")).ok == "1"


def _vendor_checksum(text: str) -> str:
    """The dp2 variant, written here independently: the sum of the code points of the
    message before its "|AY" trailer, as two's complement."""
    return f"{-sum(map(ord, text)) & 0xFFFF:04X}"


def test_a_vendors_checksum_in_lenient_mode_only(kiosks, library):
    terminal_create(login="vendor", unit=library.city.b1, actor=None, secret=SECRET,
                    checksum="lenient")  # fmt: skip
    body = f"9300CNvendor|CO{SECRET}|CP流通库|"
    frame = f"{body}AY1AZ{_vendor_checksum(body.rstrip('|'))}\r".encode()
    kiosk = kiosks()
    assert kiosk.send_raw(frame).startswith(b"941")
    strict = kiosks()
    terminal_create(login="strict", unit=library.city.b1, actor=None, secret=SECRET)
    body = f"9300CNstrict|CO{SECRET}|CP流通库|"
    wrong = f"{body}AY1AZ{_vendor_checksum(body.rstrip('|'))}\r".encode()
    # before sign-in every frame is read leniently; once signed in, the account's mode holds
    assert strict.send_raw(wrong).startswith(b"941")
    library.copy("V1-000")
    card = library.reader().card_number
    bad = f"11YN{stamp()}{BLANK_DATE}AO|AA{card}|ABV1-000|AC|AY2AZ0000\r".encode()
    assert strict.send_raw(bad).startswith(b"96")
    assert not Loan.objects.exists()


def test_garbage_truncated_and_oversized_frames_get_an_answer(signed_in, library):
    assert signed_in.send_raw(b"\xff\xfe\x00garbage\r").startswith(b"96")
    assert signed_in.send_raw(b"ZZsomething|\r").startswith(b"96")
    truncated = signed_in.send_raw(b"11YN2026\r")
    assert truncated.startswith(b"120") and b"AF" in truncated
    assert signed_in.send_raw(b"63" + b"A" * 10_000 + b"\r").startswith(b"96")
    library.copy("OK1-000")
    answer = signed_in.send(checkout(library.reader().card_number, "OK1-000"))
    assert answer.ok == "1"  # the connection and the server keep going


def test_a_connection_that_does_not_sign_in_is_closed(sip_server, terminal):
    sock = socket.create_connection(("127.0.0.1", sip_server.port), timeout=30)
    started = time.monotonic()
    assert sock.recv(100) == b""  # closed by the server
    assert 4 <= time.monotonic() - started < 20
    sock.close()


def test_money_is_never_left_half_paid(signed_in, library):
    reader = library.reader()
    for amount in ("2.00", "3.00"):
        charge_fee(reader=reader, kind=ChargeKind.DELIVERY, amount=amount,
                   account=library.city.b1, note="x", actor=None)  # fmt: skip
    pay = pysip2.FeePaidRequest(transaction_date=stamp(), fee_type="01", payment_type="00",
                                currency_type="CNY", fee_amount="5.00", institution_id="",
                                patron_identifier=reader.card_number)  # fmt: skip
    assert signed_in.send(pay).payment_accepted == "Y"
    assert set(Charge.objects.values_list("status", flat=True)) == {"paid"}
    assert sum(c.amount for c in Charge.objects.all()) == Decimal("5.00")
