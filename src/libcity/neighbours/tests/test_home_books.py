"""Every rule of the neighbours' home books, on both databases."""

import datetime as dt

import pytest

from libcity.catalogue.models import Record
from libcity.neighbours import selectors, services
from libcity.neighbours.exceptions import (
    AlreadyAsked,
    BorrowerBlocked,
    HandOverCodeExpired,
    HandOverCodeNotFound,
    HandOverCodeUsed,
    HomeBookBusy,
    HomeBookLoanNotFound,
    HomeBookNotFound,
    HomeBookNotLendable,
    InvalidHomeBook,
    NotAReader,
    OwnHomeBook,
)
from libcity.neighbours.models import (
    HomeBook,
    HomeBookHistory,
    HomeBookLoanHistory,
    HomeBookLoanStatus,
    HomeBookStatus,
    HomeBookUse,
)
from libcity.neighbours.tests.conftest import ISBN
from libcity.readers.services import reader_block

pytestmark = pytest.mark.django_db


def add(owner, use=HomeBookUse.LENDABLE, area="b1", **described):
    described = described or {"isbn": ISBN}
    return services.home_book_add(owner_actor=owner.user, use=use, area_code=area, **described)


def lent(book, borrower, place=None):
    """Ask, accept, show the code, confirm it: the loan, handed over."""
    loan = services.home_book_request(book=book, actor=borrower.user)
    services.home_book_accept(loan=loan, actor=book.owner.user, place_unit=place)
    code = services.home_book_code_issue(loan=loan, actor=book.owner.user).code
    return services.home_book_hand_over(code=code, actor=borrower.user)


# --- adding -----------------------------------------------------------------------------------


def test_an_isbn_of_the_catalogue_links_the_record(reader, catalogued):
    owner = reader()
    book = add(owner, isbn="978-7-5302-1678-1", title="ignored")
    assert book.record == catalogued
    assert (book.isbn, book.title, book.author) == (ISBN, "图说中国节", "王娟")
    assert book.status == HomeBookStatus.AVAILABLE and book.area.code == "b1"
    assert HomeBookHistory.objects.get(book=book).action == "home_book_added"


def test_an_isbn_10_is_matched_too(reader, catalogued):
    assert add(reader(), isbn="7530216783").record == catalogued


def test_an_unknown_book_keeps_its_own_short_record_and_the_catalogue_stays_clean(reader, library):
    records = Record.objects.count()
    book = add(reader(), isbn="9780306406157", title="我家的书", author="某人")
    assert book.record is None and book.isbn == "9780306406157"
    assert (book.title, book.author) == ("我家的书", "某人")
    assert add(reader(), isbn="", title="没有书号的书").isbn == ""
    assert Record.objects.count() == records


def test_an_unknown_isbn_without_a_title_is_refused(reader, library):
    with pytest.raises(InvalidHomeBook, match="give its title"):
        add(reader(), isbn="9780306406157")


def test_a_bad_isbn_is_refused(reader, library):
    with pytest.raises(InvalidHomeBook, match="not a valid ISBN"):
        add(reader(), isbn="9787530216780", title="x")


@pytest.mark.parametrize("area", ["central", "nowhere", ""])
def test_the_area_is_a_district_or_a_neighbourhood(reader, library, area):
    with pytest.raises(InvalidHomeBook):
        add(reader(), area=area)


def test_a_use_must_be_one_of_the_four(reader, catalogued):
    with pytest.raises(InvalidHomeBook):
        add(reader(), use="sell")


def test_only_a_reader_adds_books(catalogued):
    with pytest.raises(NotAReader):
        services.home_book_add(owner_actor=None, isbn=ISBN, use="lendable", area_code="b1")


# --- asking, accepting, declining --------------------------------------------------------------


def test_a_neighbour_asks_and_the_owner_accepts(reader, catalogued):
    owner, borrower, other = reader(), reader(), reader()
    book = add(owner)
    loan = services.home_book_request(book=book, actor=borrower.user)
    late = services.home_book_request(book=book, actor=other.user)
    book.refresh_from_db()
    assert book.status == HomeBookStatus.REQUESTED and loan.lender == owner
    assert list(selectors.requests_to_answer(owner)) == [loan, late]
    services.home_book_accept(loan=loan, actor=owner.user, place_unit=catalogued and None)
    loan.refresh_from_db()
    late.refresh_from_db()
    assert loan.status == HomeBookLoanStatus.ACCEPTED
    assert late.status == HomeBookLoanStatus.DECLINED  # one yes declines the others
    assert list(selectors.loans_to_hand(owner)) == [loan]
    with pytest.raises(HomeBookNotLendable):  # agreed: nobody else may ask now
        services.home_book_request(book=book, actor=reader().user)
    assert selectors.shared_books(record=catalogued) == []  # nor see it in the pool


def test_declining_the_only_request_frees_the_book(reader, catalogued):
    owner, borrower = reader(), reader()
    book = add(owner)
    loan = services.home_book_request(book=book, actor=borrower.user)
    services.home_book_decline(loan=loan, actor=owner.user)
    loan.refresh_from_db()
    book.refresh_from_db()
    assert loan.status == HomeBookLoanStatus.DECLINED and book.status == HomeBookStatus.AVAILABLE
    assert [h.to_status for h in HomeBookLoanHistory.objects.filter(loan=loan)] == [
        "requested", "declined"]  # fmt: skip
    services.home_book_request(book=book, actor=borrower.user)  # may ask again


def test_only_the_owner_answers(reader, catalogued):
    owner, borrower = reader(), reader()
    loan = services.home_book_request(book=add(owner), actor=borrower.user)
    with pytest.raises(HomeBookNotFound):
        services.home_book_accept(loan=loan, actor=borrower.user)
    with pytest.raises(HomeBookNotFound):
        services.home_book_decline(loan=loan, actor=reader().user)


def test_the_borrower_cancels_their_request(reader, catalogued):
    owner, borrower = reader(), reader()
    book = add(owner)
    loan = services.home_book_request(book=book, actor=borrower.user)
    with pytest.raises(HomeBookLoanNotFound):
        services.home_book_cancel(loan=loan, actor=owner.user)
    services.home_book_cancel(loan=loan, actor=borrower.user)
    book.refresh_from_db()
    assert book.status == HomeBookStatus.AVAILABLE


def test_the_owner_cannot_ask_for_their_own_book(reader, catalogued):
    owner = reader()
    with pytest.raises(OwnHomeBook):
        services.home_book_request(book=add(owner), actor=owner.user)


def test_a_book_not_lendable_is_refused_and_not_shown(reader, catalogued):
    book = add(reader(), use=HomeBookUse.NOT_LENDABLE)
    with pytest.raises(HomeBookNotLendable):
        services.home_book_request(book=book, actor=reader().user)
    assert selectors.shared_books(record=catalogued) == []


def test_one_open_request_per_reader_and_book(reader, catalogued):
    book, borrower = add(reader()), reader()
    services.home_book_request(book=book, actor=borrower.user)
    with pytest.raises(AlreadyAsked):
        services.home_book_request(book=book, actor=borrower.user)


def test_a_blocked_reader_may_not_ask(reader, catalogued):
    book, borrower = add(reader()), reader()
    reader_block(reader=borrower, reason="manual", actor=None)
    with pytest.raises(BorrowerBlocked):
        services.home_book_request(book=book, actor=borrower.user)


def test_a_reader_blocked_after_asking_cannot_take_the_book(reader, catalogued):
    owner, borrower = reader(), reader()
    loan = services.home_book_request(book=add(owner), actor=borrower.user)
    services.home_book_accept(loan=loan, actor=owner.user)
    code = services.home_book_code_issue(loan=loan, actor=owner.user).code
    reader_block(reader=borrower, reason="manual", actor=None)
    with pytest.raises(BorrowerBlocked):
        services.home_book_hand_over(code=code, actor=borrower.user)


# --- the hand-over code -----------------------------------------------------------------------


def test_the_code_hands_the_book_over_once(reader, catalogued, library):
    owner, borrower = reader(), reader()
    book = add(owner)
    loan = services.home_book_request(book=book, actor=borrower.user)
    services.home_book_accept(loan=loan, actor=owner.user, place_unit=library.city.b1)
    code = services.home_book_code_issue(loan=loan, actor=owner.user).code
    assert len(code) == 8 and code not in (loan.code_hash or "")
    with pytest.raises(HandOverCodeNotFound):  # only the borrower confirms
        services.home_book_hand_over(code=code, actor=reader().user)
    done = services.home_book_hand_over(code=code.lower(), actor=borrower.user)
    book.refresh_from_db()
    assert done.status == HomeBookLoanStatus.HANDED_OVER and book.status == HomeBookStatus.LENT
    assert done.due_on == dt.date(2026, 3, 5) + dt.timedelta(days=30)
    with pytest.raises(HandOverCodeUsed):
        services.home_book_hand_over(code=code, actor=borrower.user)


def test_the_code_expires_in_minutes_and_a_new_one_replaces_it(reader, catalogued, traveller):
    owner, borrower = reader(), reader()
    loan = services.home_book_request(book=add(owner), actor=borrower.user)
    services.home_book_accept(loan=loan, actor=owner.user)
    old = services.home_book_code_issue(loan=loan, actor=owner.user).code
    traveller.shift(dt.timedelta(minutes=11))
    with pytest.raises(HandOverCodeExpired):
        services.home_book_hand_over(code=old, actor=borrower.user)
    new = services.home_book_code_issue(loan=loan, actor=owner.user).code
    with pytest.raises(HandOverCodeNotFound):
        services.home_book_hand_over(code=old, actor=borrower.user)
    assert services.home_book_hand_over(code=new, actor=borrower.user).status == "handed_over"


def test_only_the_lender_shows_a_code_and_only_once_accepted(reader, catalogued):
    owner, borrower = reader(), reader()
    loan = services.home_book_request(book=add(owner), actor=borrower.user)
    with pytest.raises(HomeBookLoanNotFound):
        services.home_book_code_issue(loan=loan, actor=borrower.user)
    with pytest.raises(Exception, match="accepted"):
        services.home_book_code_issue(loan=loan, actor=owner.user)


def test_a_declined_request_code_opens_nothing(reader, catalogued):
    owner, borrower = reader(), reader()
    loan = services.home_book_request(book=add(owner), actor=borrower.user)
    services.home_book_accept(loan=loan, actor=owner.user)
    code = services.home_book_code_issue(loan=loan, actor=owner.user).code
    services.home_book_decline(loan=loan, actor=owner.user)
    with pytest.raises(HandOverCodeExpired):
        services.home_book_hand_over(code=code, actor=borrower.user)


# --- back, withdrawn, given, drifting ---------------------------------------------------------


def test_the_owner_confirms_the_return(reader, catalogued):
    owner, borrower = reader(), reader()
    book = add(owner)
    loan = lent(book, borrower)
    with pytest.raises(HomeBookLoanNotFound):
        services.home_book_return(loan=loan, actor=borrower.user)
    services.home_book_return(loan=loan, actor=owner.user)
    loan.refresh_from_db()
    book.refresh_from_db()
    assert loan.status == HomeBookLoanStatus.RETURNED and loan.returned_at is not None
    assert book.status == HomeBookStatus.AVAILABLE and book.holder is None


def test_staff_at_a_unit_confirm_a_return_brought_there(reader, catalogued, make_staff, library):
    from libcity.staff.models import Role

    owner, borrower = reader(), reader()
    loan = lent(add(owner), borrower)
    desk = make_staff("desk-nb", Role.DESK, library.city.b1)
    services.home_book_return(loan=loan, actor=desk, unit=library.city.b1)
    history = HomeBookLoanHistory.objects.filter(loan=loan).last()
    assert history.to_status == "returned" and history.unit == library.city.b1
    assert history.actor == desk


def test_withdraw_while_available_not_while_asked_or_lent(reader, catalogued):
    owner, borrower = reader(), reader()
    free, busy = add(owner), add(owner)
    free = services.home_book_withdraw(book=free, actor=owner.user)
    assert free.status == HomeBookStatus.WITHDRAWN
    assert selectors.shared_books(record=catalogued) == [selectors.shared_book(busy.pk)]
    loan = services.home_book_request(book=busy, actor=borrower.user)
    with pytest.raises(HomeBookBusy):
        services.home_book_withdraw(book=busy, actor=owner.user)
    services.home_book_accept(loan=loan, actor=owner.user)
    services.home_book_hand_over(
        code=services.home_book_code_issue(loan=loan, actor=owner.user).code,
        actor=borrower.user,
    )
    with pytest.raises(HomeBookBusy):
        services.home_book_withdraw(book=busy, actor=owner.user)
    with pytest.raises(HomeBookBusy):
        services.home_book_set_use(book=busy, use=HomeBookUse.NOT_LENDABLE, actor=owner.user)
    with pytest.raises(HomeBookNotFound):
        services.home_book_withdraw(book=busy, actor=borrower.user)


def test_the_owner_changes_the_use(reader, catalogued):
    owner = reader()
    book = services.home_book_set_use(book=add(owner), use="giveable", actor=owner.user)
    assert book.use == HomeBookUse.GIVEABLE
    assert HomeBookHistory.objects.filter(book=book).last().details["before"] == "lendable"


def test_giving_a_book_changes_its_owner_and_keeps_the_history(reader, catalogued):
    owner, borrower = reader(), reader()
    book = add(owner, use=HomeBookUse.GIVEABLE)
    loan = lent(book, borrower)
    book.refresh_from_db()
    assert book.status == HomeBookStatus.GIVEN and book.owner == owner and loan.due_on is None
    gift = HomeBook.objects.get(given_from=book)
    assert gift.owner == borrower and gift.record == catalogued
    assert gift.use == HomeBookUse.NOT_LENDABLE and gift.status == HomeBookStatus.AVAILABLE
    assert list(selectors.reader_home_books(borrower)) == [gift]
    assert HomeBookHistory.objects.get(book=gift).action == "home_book_received"
    assert "home_book_given" in HomeBookHistory.objects.filter(book=book).values_list(
        "action", flat=True)  # fmt: skip
    services.home_book_withdraw(book=gift, actor=borrower.user)  # theirs now


def test_a_drifting_book_is_passed_on_by_its_borrower(reader, catalogued):
    owner, first, second = reader(), reader(), reader()
    book = add(owner, use=HomeBookUse.DRIFTABLE)
    loan = lent(book, first)
    services.home_book_pass_on(loan=loan, actor=first.user, area_code="b2")
    book.refresh_from_db()
    assert (book.status, book.owner, book.holder, book.area.code) == (
        HomeBookStatus.AVAILABLE, owner, first, "b2")  # fmt: skip
    with pytest.raises(OwnHomeBook):  # the holder does not ask for it
        services.home_book_request(book=book, actor=first.user)
    again = services.home_book_request(book=book, actor=second.user)
    services.home_book_accept(loan=again, actor=owner.user)  # the owner still answers
    again.refresh_from_db()
    assert again.lender == first  # ...and the holder hands it over
    code = services.home_book_code_issue(loan=again, actor=first.user).code
    services.home_book_hand_over(code=code, actor=second.user)
    services.home_book_return(loan=again, actor=first.user)
    book.refresh_from_db()
    assert book.holder == first and book.status == HomeBookStatus.AVAILABLE


def test_only_a_driftable_book_is_passed_on(reader, catalogued):
    owner, borrower = reader(), reader()
    loan = lent(add(owner), borrower)
    with pytest.raises(Exception, match="driftable"):
        services.home_book_pass_on(loan=loan, actor=borrower.user, area_code="b2")


# --- what others see --------------------------------------------------------------------------


def test_others_see_the_area_and_a_rounded_distance_never_the_owner(reader, catalogued, library):
    owner = reader(home=library.city.b1)
    viewer = reader(home=library.city.b2)
    book = add(owner, area="d1")
    [seen] = selectors.shared_books(viewer=viewer, record=catalogued)
    fields = set(seen.__dataclass_fields__)
    assert not fields & {"owner", "owner_id", "holder", "holder_id", "name", "card_number"}
    assert owner.name not in repr(seen) and owner.card_number not in repr(seen)
    assert seen.area.code == "d1" and seen.id == book.pk
    assert seen.km == 9.5 and seen.km * 2 == int(seen.km * 2)  # b2 → d1 ≈ 9.6 km
    assert selectors.shared_books(viewer=owner, record=catalogued) == []  # not one's own
    assert selectors.shared_books(viewer=None, query="中国节")[0].km is None


def test_the_pool_is_searched_by_title_author_or_isbn(reader, catalogued):
    add(reader())
    add(reader(), isbn="9780306406157", title="Home Economics", author="Someone")
    assert [b.title for b in selectors.shared_books(query="中国")] == ["图说中国节"]
    assert [b.title for b in selectors.shared_books(query="someone")] == ["Home Economics"]
    assert [b.title for b in selectors.shared_books(query="0-306-40615-2")] == ["Home Economics"]


def test_a_record_shows_unlinked_books_with_its_isbn(reader, library):
    book = add(reader(), isbn=ISBN, title="图说中国节")
    assert book.record is None
    from libcity.catalogue.data import RecordData
    from libcity.catalogue.services import record_create

    record = record_create(data=RecordData(title="图说中国节", isbns=[ISBN]))
    assert [b.id for b in selectors.shared_books(record=record)] == [book.pk]


def test_access_to_a_loan_is_for_those_taking_part(reader, catalogued):
    owner, borrower = reader(), reader()
    loan = services.home_book_request(book=add(owner), actor=borrower.user)
    assert selectors.access_home_book_loan(owner.user, loan.pk) == loan
    assert selectors.access_home_book_loan(borrower.user, loan.pk) == loan
    with pytest.raises(HomeBookLoanNotFound):
        selectors.access_home_book_loan(reader().user, loan.pk)


def test_the_owner_is_told_of_a_request_and_the_neighbours_of_the_answer(
    reader, catalogued, django_capture_on_commit_callbacks
):
    """Notices: "a neighbour asks" to the owner, yes or no to each neighbour; none names
    the other reader."""
    from libcity.circulation.models import Notice

    owner, chosen, other = reader(), reader(), reader()
    book = add(owner)
    with django_capture_on_commit_callbacks(execute=True):
        loan = services.home_book_request(book=book, actor=chosen.user)
        services.home_book_request(book=book, actor=other.user)
    assert Notice.objects.filter(reader=owner, kind__startswith="home_book_asked").count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        services.home_book_accept(loan=loan, actor=owner.user)
    said = {n.reader_id: n for n in Notice.objects.exclude(reader=owner)}
    assert said[chosen.pk].kind == f"home_book_accepted:{loan.pk}"
    assert said[other.pk].kind.startswith("home_book_declined:")
    for notice in Notice.objects.all():
        assert all(name not in notice.body for name in (owner.name, chosen.name, other.name))
