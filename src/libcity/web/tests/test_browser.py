"""What a person does on the pages, in Debian's Chromium driven by Playwright, on a phone."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from libcity.conftest import valid_resident_id
from libcity.selfservice.models import Terminal
from libcity.selfservice.services import terminal_authenticate
from libcity.staff.models import Role

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(os.environ.get("LIBCITY_ARTIFACTS", "test-artifacts"))
PHONE = {"width": 390, "height": 844}

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def browser():
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is required in CI (apt-get install chromium)")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs a loop
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        base_url=live_server.url,
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_a_reader_finds_a_library_in_both_languages(transactional_db, tiny_city, phone):
    phone.goto("/")
    assert phone.locator("html").get_attribute("lang") == "zh-Hans"
    assert phone.get_by_role("link", name="图书馆之城").is_visible()
    assert fits_the_screen(phone)
    shot(phone, "home-zh-phone")
    phone.get_by_role("button", name="English").click()
    assert phone.locator("html").get_attribute("lang") == "en"
    phone.get_by_role("link", name="d1 library").click()
    phone.get_by_role("link", name="b1 library").click()
    assert phone.locator("h1").inner_text() == "b1 library"
    assert phone.locator("#open-state").is_visible()
    assert phone.locator("#timetable").is_visible()
    assert fits_the_screen(phone)
    shot(phone, "unit-en-phone")


def test_staff_sign_in_and_a_refused_move_says_why(transactional_db, tiny_city, make_staff, phone):
    make_staff("boss", Role.NETWORK_ADMIN, tiny_city.central)
    phone.goto("/accounts/login/")
    phone.fill("#id_username", "boss")
    phone.fill("#id_password", "demo")
    phone.get_by_role("button", name="登录").click()
    phone.goto("/staff/")
    assert phone.locator("#tree").get_by_text("r1馆").count() == 1
    phone.goto("/staff/units/d1/")
    phone.fill("#id_move-parent", "r1")
    phone.locator("#move-form button").click()
    alert = phone.locator("#move-form [role=alert]")
    assert alert.is_visible()
    shot(phone, "move-refused-phone")
    assert fits_the_screen(phone)


def test_online_registration_on_a_phone(transactional_db, tiny_city, phone):
    phone.goto("/register/")
    phone.fill("#id_name", "手机读者")
    phone.fill("#id_resident_id", "440104199001011234")  # wrong check digit
    phone.select_option("#id_home_unit", "d1")
    phone.fill("#id_username", "phone-reader")
    phone.fill("#id_password", "a-Long-pass-2026")
    phone.get_by_role("button", name="注册").click()
    assert phone.locator("[role=alert]").is_visible()
    phone.fill("#id_resident_id", valid_resident_id())
    phone.fill("#id_password", "a-Long-pass-2026")
    phone.get_by_role("button", name="注册").click()
    phone.wait_for_url("**/account/")
    assert phone.locator("#card-number").inner_text().startswith("4401")
    assert fits_the_screen(phone)
    shot(phone, "account-phone")


def test_a_reader_searches_in_chinese_and_pinyin_and_opens_a_record(
    transactional_db, tiny_city, phone
):
    from libcity.catalogue.data import RecordData
    from libcity.catalogue.services import item_add, record_create

    record = record_create(data=RecordData(title="图说中国节", authors=["王娟"], year=2007,
                                           isbns=["9787530216781"], clc="K892.1"))  # fmt: skip
    item_add(record=record, barcode="B0001", owner=tiny_city.b1, status="available")
    phone.goto("/")
    phone.get_by_role("link", name="馆藏目录").click()
    phone.fill("#id_q", "中国节")
    phone.get_by_role("button", name="检索").click()
    phone.locator("#results").get_by_text("图说中国节").wait_for()  # the answer page loaded
    assert phone.locator("#results").get_by_text("图说中国节").is_visible()
    phone.fill("#id_q", "tszgj")
    phone.get_by_role("button", name="检索").click()
    phone.locator("#results").get_by_role("link", name="图说中国节").click()
    assert phone.locator("#record-title").inner_text() == "图说中国节"
    assert phone.locator("#copies").get_by_text("b1馆").is_visible()
    phone.select_option("#id_near", "r1")
    phone.get_by_role("button", name="查找").click()
    phone.locator("#nearest-copies").wait_for()  # is_visible does not wait for the new page
    assert phone.locator("#nearest-copies").get_by_text("b1馆").is_visible()
    assert fits_the_screen(phone)
    shot(phone, "record-phone")


def sign_in(page, username: str, password: str = "demo") -> None:
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.get_by_role("button", name="登录").click()


def test_a_copy_lent_at_one_branch_is_returned_at_another(
    transactional_db, tiny_city, make_staff, make_reader, phone
):
    from libcity.catalogue.data import RecordData
    from libcity.catalogue.services import item_add, record_create
    from libcity.circulation.models import LoanRule
    from libcity.circulation.services import RuleData, rule_save

    if not LoanRule.objects.filter(item_type="foreign", is_active=True).exists():
        rule_save(data=RuleData(name="外文图书还回所属馆", item_type="foreign",
                                return_to="owner"), actor=None)  # fmt: skip
    record = record_create(data=RecordData(title="The Old Man and the Sea", language="eng"))
    item_add(record=record, barcode="F0001", owner=tiny_city.b1, item_type="foreign",
             status="available")  # fmt: skip
    reader = make_reader(tiny_city.b1, name="借书人")
    make_staff("desk1", Role.DESK, tiny_city.b1)
    make_staff("desk2", Role.DESK, tiny_city.b2)

    sign_in(phone, "desk1")
    phone.goto("/staff/desk/")
    phone.select_option("#desk-unit", "b1")
    phone.locator("#unit-form button").click()
    phone.locator("#card").fill(reader.card_number)
    phone.locator("#card").press("Enter")
    assert phone.locator("#reader-name").get_by_text("借书人").is_visible()
    phone.locator("#barcode").fill("F0001")
    phone.locator("#barcode").press("Enter")
    assert "F0001" in phone.locator("#desk-answer").inner_text()
    assert phone.evaluate("document.activeElement.id") == "barcode"  # ready for the next scan
    assert phone.locator("#loans").get_by_text("The Old Man and the Sea").is_visible()
    assert fits_the_screen(phone)
    shot(phone, "desk-phone")

    sign_in(phone, "desk2")
    phone.goto("/staff/returns/")
    assert "b2馆" in phone.locator("h1").inner_text()  # the only unit in scope: chosen already
    phone.locator("#barcode").fill("F0001")
    phone.locator("#barcode").press("Enter")
    answer = phone.locator("#answers li").first
    assert "b1馆" in answer.inner_text()
    assert phone.evaluate("document.activeElement.id") == "barcode"
    assert fits_the_screen(phone)
    shot(phone, "returns-phone")


def test_a_hold_placed_at_one_branch_is_returned_at_another_received_and_ready(
    transactional_db, tiny_city, make_staff, make_reader, phone
):
    """A reader holds a title that is out; the copy comes back at b1, goes in transit, is
    received at b2 and waits on the hold shelf; the reader sees it ready."""
    from libcity.catalogue.data import RecordData
    from libcity.catalogue.services import item_add, record_create
    from libcity.circulation.services import loan_checkout
    from libcity.readers.services import reader_self_register

    record = record_create(data=RecordData(title="岭南文化", authors=["张三"], year=2010))
    copy = item_add(record=record, barcode="H0001", owner=tiny_city.b1, status="available")
    loan_checkout(item=copy, reader=make_reader(tiny_city.b1), unit=tiny_city.b1, actor=None)
    reader_self_register(name="等书人", resident_id=valid_resident_id(), home_unit=tiny_city.b2,
                         username="waiting", password="a-long-password-9")  # fmt: skip
    make_staff("desk1", Role.DESK, tiny_city.b1, include_descendants=False)
    make_staff("desk2", Role.DESK, tiny_city.b2)

    sign_in(phone, "waiting", "a-long-password-9")
    phone.goto(f"/records/{record.pk}/")
    assert phone.locator("#hold-form select").input_value() == "b2"  # home library first
    phone.locator("#hold-form button").click()
    holds = phone.locator("#holds")
    assert "岭南文化" in holds.inner_text() and "b2馆" in holds.inner_text()
    assert fits_the_screen(phone)
    shot(phone, "hold-placed-phone")

    sign_in(phone, "desk1")
    phone.goto("/staff/returns/")
    phone.locator("#barcode").fill("H0001")
    phone.locator("#barcode").press("Enter")
    answer = phone.locator("#answers li").first.inner_text()
    assert "b2馆" in answer  # in transit to the pickup point, for the hold

    sign_in(phone, "desk2")
    phone.goto("/staff/holds/")
    assert "H0001" in phone.locator("#coming").inner_text()
    phone.locator("#receive-barcode").fill("H0001")
    phone.locator("#receive-barcode").press("Enter")
    assert "H0001" in phone.locator("#hold-shelf").inner_text()
    assert fits_the_screen(phone)
    shot(phone, "hold-shelf-phone")

    sign_in(phone, "waiting", "a-long-password-9")
    phone.goto("/account/")
    assert "b2馆" in phone.locator("#holds strong").inner_text()  # waiting for you at b2


def test_a_manager_empties_a_slot_on_a_phone(
    transactional_db, tiny_city, make_staff, make_reader, phone
):
    """An uncollected hold's copy is locked in slot 1; the manager takes it out and says so."""
    import datetime as dt

    import time_machine

    from libcity.catalogue.data import RecordData
    from libcity.catalogue.services import item_add, record_create
    from libcity.circulation.services import loan_checkin, loan_checkout
    from libcity.holds.services import hold_place, hold_trap, holds_expire
    from libcity.holds.tests.test_lockers import make_locker
    from libcity.staff.models import Role

    locker = make_locker(tiny_city, slots=3)
    record = record_create(data=RecordData(title="岭南文化", authors=["张三"], year=2010))
    copy = item_add(record=record, barcode="K0001", owner=tiny_city.b1, status="available")
    loan_checkout(item=copy, reader=make_reader(tiny_city.b1), unit=tiny_city.b1, actor=None)
    hold_place(reader=make_reader(tiny_city.b1), record=record, pickup_unit=locker, actor=None)
    loan_checkin(item=copy, unit=locker, actor=None)
    hold_trap(item=copy, unit=locker, actor=None)
    with time_machine.travel(dt.datetime.now() + dt.timedelta(days=9)):
        holds_expire()
    make_staff("manager", Role.BRANCH_MANAGER, tiny_city.b1)

    sign_in(phone, "manager")
    phone.goto("/staff/lockers/")
    assert "K0001" in phone.locator("#slot-1").inner_text()
    assert fits_the_screen(phone)
    shot(phone, "lockers-phone")
    phone.locator("#slot-1 button").click()
    assert "1 号格口已空出" in phone.locator("main").inner_text()
    assert "K0001" not in phone.locator("#slots").inner_text()
    assert fits_the_screen(phone)


def test_a_manager_creates_a_kiosk_on_a_phone(
    transactional_db,
    tiny_city,
    make_staff,
    phone,
):
    make_staff("manager", Role.BRANCH_MANAGER, tiny_city.d1)
    sign_in(phone, "manager")
    phone.goto("/staff/terminals/")
    assert phone.locator("h1").inner_text() == "自助终端"
    assert fits_the_screen(phone)
    phone.fill("#id_login", "K1")
    phone.fill("#id_unit", "b1")
    phone.select_option("#id_encoding", "gb18030")
    phone.locator("#terminal-new button").click()
    secret = phone.locator("#secret-value").inner_text()
    assert terminal_authenticate("K1", secret) == Terminal.objects.get()
    assert fits_the_screen(phone)
    shot(phone, "terminal-secret-phone")
    phone.goto(f"/staff/terminals/{Terminal.objects.get().pk}/")
    assert phone.locator("#secret-value").count() == 0
    assert fits_the_screen(phone)


def test_a_neighbour_borrows_a_home_book_on_phones(transactional_db, tiny_city, browser,
                                                   live_server):  # fmt: skip
    """Two readers, two phones: the owner shares a book, the neighbour finds it and asks, the
    owner accepts and shows the code, the neighbour confirms with it, the owner gets it back."""
    from libcity.catalogue.data import RecordData
    from libcity.catalogue.services import record_create
    from libcity.neighbours.models import HomeBookLoan
    from libcity.readers.services import reader_self_register

    record_create(data=RecordData(title="邻里共读", authors=["李四"], isbns=["9787530216781"]))
    for username, home in (("owner", tiny_city.b1), ("neighbour", tiny_city.r1)):
        reader_self_register(name=f"{username}读者", resident_id=valid_resident_id(),
                             home_unit=home, username=username,
                             password="a-long-password-9")  # fmt: skip
    phones = []
    for username in ("owner", "neighbour"):
        context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True,
                                      has_touch=True, base_url=live_server.url)  # fmt: skip
        page = context.new_page()
        page.set_default_timeout(15000)
        sign_in(page, username, "a-long-password-9")
        phones.append(page)
    owner, neighbour = phones
    try:
        owner.goto("/neighbours/add/")
        owner.fill("#id_isbn", "978-7-5302-1678-1")
        owner.select_option("#id_use", "lendable")
        owner.select_option("#id_area", "b1")
        owner.locator("#home-book-form button").click()
        owner.wait_for_url("**/neighbours/mine/")
        assert "邻里共读" in owner.locator("#my-books").inner_text()
        assert fits_the_screen(owner)

        neighbour.goto("/neighbours/")
        neighbour.fill("#id_q", "邻里")
        neighbour.locator("#pool-search button").click()
        found = neighbour.locator("#neighbour-books li").first
        assert "邻里共读" in found.inner_text() and "b1馆" in found.inner_text()
        assert "owner" not in found.inner_text()  # the owner is never named
        assert fits_the_screen(neighbour)
        shot(neighbour, "neighbours-pool-phone")
        found.locator("button").click()
        neighbour.wait_for_url("**/neighbours/requests/")

        owner.goto("/neighbours/mine/")
        owner.locator("#to-answer select").select_option("b1")
        owner.locator("#to-answer button[value=accept]").click()
        owner.locator("#to-hand form button").click()
        code = owner.locator("#hand-over-code").inner_text().strip()
        assert len(code) == 8 and owner.locator("#hand-over-qr svg").is_visible()
        assert fits_the_screen(owner)
        shot(owner, "neighbours-code-phone")

        neighbour.goto("/neighbours/requests/")
        neighbour.fill("#id_code", code)
        neighbour.locator("#code-form button").click()
        neighbour.locator(".messages .success").wait_for()
        assert HomeBookLoan.objects.get().status == "handed_over"
        assert fits_the_screen(neighbour)

        owner.goto("/neighbours/mine/")
        owner.locator("#to-hand a.button").click()
        owner.locator("#return-form button").click()
        owner.wait_for_url("**/neighbours/mine/")
        assert HomeBookLoan.objects.get().status == "returned"
        assert fits_the_screen(owner)
    finally:
        for page in phones:
            page.context.close()


def test_a_reader_passes_a_book_on_to_another_on_phones(transactional_db, tiny_city, browser,
                                                        live_server):  # fmt: skip
    """Two readers, two phones (转借): A opens a loan and shows the code; B opens the address
    the QR code holds, as a scan would, and confirms; the book is B's loan, no longer A's."""
    from libcity.catalogue.data import RecordData
    from libcity.catalogue.services import item_add, record_create
    from libcity.circulation.models import Loan
    from libcity.circulation.services import loan_checkout
    from libcity.readers.services import reader_self_register

    record = record_create(data=RecordData(title="转借的书", authors=["王娟"]))
    copy = item_add(record=record, barcode="TR0001", owner=tiny_city.b1, item_type="book",
                    status="available")  # fmt: skip
    readers = {}
    for username in ("giver", "taker"):
        readers[username] = reader_self_register(
            name=f"{username}读者", resident_id=valid_resident_id(), home_unit=tiny_city.b1,
            username=username, password="a-long-password-9",
        )  # fmt: skip
    loan_checkout(item=copy, reader=readers["giver"], unit=tiny_city.b1, actor=None)
    phones = []
    for username in ("giver", "taker"):
        context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True,
                                      has_touch=True, base_url=live_server.url)  # fmt: skip
        page = context.new_page()
        page.set_default_timeout(15000)
        sign_in(page, username, "a-long-password-9")
        phones.append(page)
    giver, taker = phones
    try:
        giver.goto("/account/")
        assert fits_the_screen(giver)
        shot(giver, "transfer-account-phone")
        giver.locator("#loans li", has_text="转借的书").locator("a.pass-on").click()
        assert fits_the_screen(giver)
        giver.locator("#offer-form button").click()
        code = giver.locator("#transfer-code").inner_text().strip()
        assert len(code) == 8 and giver.locator("#transfer-qr svg").is_visible()
        assert giver.locator("#transfer-countdown").is_visible()  # the script counts down
        assert not giver.locator("#transfer-over").is_visible()
        assert fits_the_screen(giver)
        shot(giver, "transfer-code-phone")

        taker.goto(f"/transfers/{code}/")  # what scanning the QR code opens
        assert "转借的书" in taker.locator("#transfer-title").inner_text()
        assert "giver读者" not in taker.locator("#transfer").inner_text()  # the giver is masked
        assert fits_the_screen(taker)
        shot(taker, "transfer-accept-phone")
        taker.locator("#accept-form button").click()
        taker.locator("#transfer-done").wait_for()
        due = Loan.objects.get(item=copy, reader=readers["taker"]).due_on.isoformat()
        assert due in taker.locator("#transfer-done").inner_text()
        assert fits_the_screen(taker)

        giver.goto("/account/")
        assert "转借的书" not in giver.locator("#loans").inner_text()
        taker.goto("/account/")
        line = taker.locator("#loans li", has_text="转借的书")
        assert line.count() == 1 and due in line.inner_text()
    finally:
        for page in phones:
            page.context.close()


def test_a_partner_lends_at_a_micro_branch_and_the_book_drifts_on_a_phone(
    transactional_db, tiny_city, make_staff, make_reader, phone
):
    """A partner operator lends a drifting copy at their micro-branch; it is returned at
    another unit of its group and stays there; the group's page shows it, on a phone."""
    from libcity.catalogue.data import RecordData
    from libcity.catalogue.services import (
        drift_group_create,
        item_add,
        item_drift_set,
        record_create,
    )
    from libcity.network.models import UnitKind, UnitTier
    from libcity.network.services import unit_create

    micro = unit_create(code="m1", name_zh="某公司微分馆", kind=UnitKind.MICRO_BRANCH,
                        tier=UnitTier.SERVICE_POINT, parent=tiny_city.b1,
                        operator=tiny_city.system, latitude=23.13, longitude=113.28)  # fmt: skip
    group = drift_group_create(code="river", name_zh="江边漂流", units=[micro, tiny_city.b2])
    record = record_create(data=RecordData(title="漂流的书", authors=["佚名"], year=2020))
    copy = item_add(record=record, barcode="DR001", owner=micro, status="available")
    item_drift_set(item=copy, group=group)
    reader = make_reader(tiny_city.b1, name="借书人")
    make_staff("partner", Role.PARTNER_OPERATOR, micro)
    make_staff("desk2", Role.DESK, tiny_city.b2)
    make_staff("mgr", Role.BRANCH_MANAGER, tiny_city.central)

    sign_in(phone, "partner")
    phone.goto("/staff/desk/")
    phone.locator("#card").fill(reader.card_number)
    phone.locator("#card").press("Enter")
    phone.locator("#barcode").fill("DR001")
    phone.locator("#barcode").press("Enter")
    assert "DR001" in phone.locator("#desk-answer").inner_text()

    sign_in(phone, "desk2")
    phone.goto("/staff/returns/")
    phone.locator("#barcode").fill("DR001")
    phone.locator("#barcode").press("Enter")
    assert "在本馆上架" in phone.locator("#answers li").first.inner_text()  # stays here

    sign_in(phone, "mgr")
    phone.goto("/staff/drift/")
    phone.get_by_role("link", name="江边漂流").click()
    assert phone.locator("#drift-map circle").count() == 2
    assert phone.locator("#drift-copy-DR001").is_visible()
    assert fits_the_screen(phone)
    shot(phone, "drift-group-phone")
