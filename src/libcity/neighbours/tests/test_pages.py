"""The home-book pages: thin over the services, and never naming an owner."""

import re

import pytest

from libcity.neighbours import services
from libcity.neighbours.models import HomeBook, HomeBookLoan
from libcity.neighbours.tests.conftest import ISBN

pytestmark = pytest.mark.django_db


def signed_in(client, reader):
    client.force_login(reader.user)
    return client


def test_the_record_page_and_the_pool_show_the_area_not_the_owner(client, reader, catalogued):
    owner = reader()
    services.home_book_add(owner_actor=owner.user, isbn=ISBN, use="lendable", area_code="b1")
    signed_in(client, reader())
    for url in (f"/records/{catalogued.pk}/", "/neighbours/?q=中国节", f"/neighbours/?q={ISBN}"):
        page = client.get(url).content.decode()
        assert 'id="neighbour-books"' in page and "b1馆" in page
        assert owner.name not in page and owner.card_number not in page
        assert owner.user.username not in page
        assert "约 0.5 公里" in page


def test_a_visitor_sees_the_pool_without_distance(client, reader, catalogued):
    services.home_book_add(owner_actor=reader().user, isbn=ISBN, use="giveable", area_code="d1")
    page = client.get("/neighbours/").content.decode()
    assert "图说中国节" in page and " km" not in page and "/accounts/login/" in page


def test_a_whole_loan_through_the_pages(client, reader, catalogued):
    owner, borrower = reader(), reader()
    signed_in(client, owner)
    answer = client.post("/neighbours/add/", {"isbn": ISBN, "use": "lendable", "area": "b1"})
    assert answer.status_code == 302
    book = HomeBook.objects.get(owner=owner)
    signed_in(client, borrower)
    client.post(f"/neighbours/books/{book.pk}/ask/")
    loan = HomeBookLoan.objects.get(book=book)
    signed_in(client, owner)
    client.post("/neighbours/mine/", {"action": "accept", "id": loan.pk, "place": "b1"})
    page = client.post(f"/neighbours/loans/{loan.pk}/code/").content.decode()
    code = re.search(r'id="hand-over-code"[^>]*>([A-Z0-9]{8})<', page).group(1)
    assert "<svg" in page
    signed_in(client, borrower)
    client.post("/neighbours/requests/", {"action": "code", "code": code})
    loan.refresh_from_db()
    assert loan.status == "handed_over"
    signed_in(client, owner)
    client.post(f"/neighbours/loans/{loan.pk}/return/")
    loan.refresh_from_db()
    assert loan.status == "returned"


def test_an_unknown_isbn_without_title_is_said_on_the_form(client, reader, library):
    signed_in(client, reader())
    page = client.post("/neighbours/add/", {"isbn": "9780306406157", "use": "lendable",
                                            "area": "b1"}).content.decode()  # fmt: skip
    assert "请填写书名" in page and 'role="alert"' in page


def test_another_reader_cannot_act_on_a_loan(client, reader, catalogued):
    owner, borrower = reader(), reader()
    book = services.home_book_add(owner_actor=owner.user, isbn=ISBN, use="lendable",
                                  area_code="b1")  # fmt: skip
    loan = services.home_book_request(book=book, actor=borrower.user)
    signed_in(client, reader())
    client.post("/neighbours/mine/", {"action": "accept", "id": loan.pk})
    loan.refresh_from_db()
    assert loan.status == "requested"
    assert client.post(f"/neighbours/loans/{loan.pk}/code/").status_code == 302
