"""Writes of the neighbours' home books: add, change, withdraw; ask, accept, decline,
cancel; hand over with a code; return, pass on (a drifting book), give (a giveable one).

Every service that changes a book locks the book's row first, then its loan's: two readers
asking at once, or an owner withdrawing while a neighbour asks, wait for each other and the
second sees what the first did. A refusal raises inside the transaction: nothing changes.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import transaction
from django.utils.translation import gettext as _

from libcity.core import clock
from libcity.core.identifiers import isbn_normalise
from libcity.neighbours import states
from libcity.neighbours.exceptions import (
    AlreadyAsked,
    BorrowerBlocked,
    HandOverCodeExpired,
    HandOverCodeNotFound,
    HandOverCodeUsed,
    HomeBookBusy,
    HomeBookLoanNotAllowed,
    HomeBookLoanNotFound,
    HomeBookNotFound,
    HomeBookNotLendable,
    InvalidHomeBook,
    OwnHomeBook,
)
from libcity.neighbours.models import (
    HomeBook,
    HomeBookHistory,
    HomeBookLoan,
    HomeBookLoanHistory,
    HomeBookStatus,
    HomeBookUse,
)
from libcity.neighbours.models import HomeBookLoanStatus as L
from libcity.neighbours.notices import home_book_notify_later
from libcity.neighbours.policies import home_book_policy
from libcity.neighbours.selectors import (
    ASKABLE,
    SHARED_USES,
    area_units,
    open_request,
    reader_of_actor,
    record_by_isbn,
)
from libcity.network.models import Unit
from libcity.readers.models import Reader
from libcity.readers.selectors import reader_can_borrow
from libcity.sharing.policies import CODE_ALPHABET, CODE_LENGTH, code_hash, code_normalise
from libcity.staff.selectors import Actor, has_permission, is_staff_member

TITLE_LENGTH = HomeBook._meta.get_field("title").max_length
AUTHOR_LENGTH = HomeBook._meta.get_field("author").max_length

# --- a reader's own books ---------------------------------------------------------------------


def home_book_add(*, owner_actor: Actor, isbn: str = "", title: str = "", author: str = "",
                  use: str, area_code: str) -> HomeBook:  # fmt: skip
    """The signed-in reader adds one of their own books. With an ISBN found in the union
    catalogue the book is linked to that record (its title and first author are shown);
    otherwise the reader's own title and author describe it, and no record is made."""
    owner = reader_of_actor(owner_actor)
    isbn13, record = _isbn_and_record(isbn)
    title, author = _description(record, title, author)
    use, area = _checked_use(use), _area(area_code)
    now = clock.now()
    with transaction.atomic():
        book = HomeBook.objects.create(
            owner=owner, record=record, isbn=isbn13, title=title, author=author, use=use,
            area=area, added_at=now, changed_at=now,
        )  # fmt: skip
        _book_history(book, "home_book_added", owner_actor, use=use, area=area.code,
                      record=record.pk if record else None)  # fmt: skip
    return book


def _isbn_and_record(raw: str):
    """The ISBN-13 and the catalogue's record of it; an ISBN given must be valid."""
    if not (raw or "").strip():
        return "", None
    isbn13 = isbn_normalise(raw)
    if isbn13 is None:
        raise InvalidHomeBook(_("%(isbn)s is not a valid ISBN.") % {"isbn": raw.strip()})
    return isbn13, record_by_isbn(isbn13)


def _description(record, title: str, author: str) -> tuple[str, str]:
    if record is not None:
        return record.title[:TITLE_LENGTH], (record.authors[0] if record.authors else "")[
            :AUTHOR_LENGTH]  # fmt: skip
    title, author = (title or "").strip(), (author or "").strip()
    if not title:
        raise InvalidHomeBook(_("The catalogue does not know this book: give its title."))
    if len(title) > TITLE_LENGTH or len(author) > AUTHOR_LENGTH:
        raise InvalidHomeBook(_("The title or the author is too long."))
    return title, author


def _checked_use(use: str) -> str:
    if use not in HomeBookUse.values:
        raise InvalidHomeBook(_("Choose whether the book is lendable, driftable, giveable or "
                                "not lendable."))  # fmt: skip
    return use


def _area(code: str) -> Unit:
    area = area_units().filter(code=(code or "").strip()).first()
    if area is None:
        raise InvalidHomeBook(_("Choose the book's area: a district or a library's "
                                "neighbourhood."))  # fmt: skip
    return area


def home_book_set_use(*, book: HomeBook, use: str, actor: Actor) -> HomeBook:
    """The owner changes what neighbours may do with a book nobody is asking for."""
    use = _checked_use(use)
    with transaction.atomic():
        book = _lock_own_book(book, actor)
        if book.status != HomeBookStatus.AVAILABLE:
            raise _busy()
        before, book.use, book.changed_at = book.use, use, clock.now()
        book.save(update_fields=["use", "changed_at"])
        _book_history(book, "home_book_use_changed", actor, before=before, use=use)
    return book


def home_book_withdraw(*, book: HomeBook, actor: Actor) -> HomeBook:
    """The owner takes a book out of the pool: only when nobody asks for it or has it."""
    with transaction.atomic():
        book = _lock_own_book(book, actor)
        if book.status != HomeBookStatus.AVAILABLE:
            raise _busy()
        _set_book_status(book, HomeBookStatus.WITHDRAWN, "home_book_withdrawn", actor)
    return book


def _busy() -> HomeBookBusy:
    return HomeBookBusy(_("This book is asked for, lent or no longer yours: answer the "
                          "requests, or wait until it is back."))  # fmt: skip


def _lock_own_book(book: HomeBook, actor: Actor) -> HomeBook:
    owner = reader_of_actor(actor)
    locked = _lock_book(book.pk)
    if locked.owner_id != owner.pk:
        raise HomeBookNotFound(_("You have no such home book."))
    return locked


def _lock_book(pk: int) -> HomeBook:
    return HomeBook.objects.select_for_update(of=("self",)).select_related("area").get(pk=pk)


# --- asking and answering ---------------------------------------------------------------------


def home_book_request(*, book: HomeBook, actor: Actor) -> HomeBookLoan:
    """Another reader asks to borrow a shared book; the owner answers. One open request per
    reader and book; a reader whose card may not borrow (blocked, expired) may not ask."""
    borrower = reader_of_actor(actor)
    with transaction.atomic():
        book = _lock_book(book.pk)
        _check_askable(book, borrower)
        loan = HomeBookLoan.objects.create(
            book=book, borrower=borrower, lender_id=book.keeper_id, requested_at=clock.now()
        )
        _loan_history(loan, "", None, actor)
        if book.status == HomeBookStatus.AVAILABLE:
            _set_book_status(book, HomeBookStatus.REQUESTED, "home_book_requested", actor,
                             loan=loan.pk)  # fmt: skip
        home_book_notify_later(loan, "asked")
    return loan


def _check_askable(book: HomeBook, borrower: Reader) -> None:
    if borrower.pk in (book.owner_id, book.holder_id):
        raise OwnHomeBook(_("This is your own book."))
    if book.use not in SHARED_USES:
        raise HomeBookNotLendable(_("The owner does not lend this book."))
    if book.status not in ASKABLE or book.loans.filter(status=L.ACCEPTED).exists():
        raise HomeBookNotLendable(_("This book is not free now; try again later."))
    if open_request(borrower, book) is not None:
        raise AlreadyAsked(_("You have asked for this book already."))
    _check_may_borrow(borrower)


def _check_may_borrow(reader: Reader) -> None:
    if not reader_can_borrow(reader):
        raise BorrowerBlocked(_("Your card may not borrow now (blocked or expired): ask at "
                                "any library desk."))  # fmt: skip


def home_book_accept(*, loan: HomeBookLoan, actor: Actor,
                     place_unit: Unit | None = None) -> HomeBookLoan:  # fmt: skip
    """The owner says yes to one request, and where the book will change hands (a unit, or
    by hand); the other requests for the book are declined."""
    with transaction.atomic():
        book = _lock_own_book(loan.book, actor)
        loan = _lock_loan(loan.pk)
        loan.lender_id, loan.place_unit, loan.decided_at = book.keeper_id, place_unit, clock.now()
        loan_move(loan, L.ACCEPTED, actor=actor, fields=("lender", "place_unit", "decided_at"),
                  place=place_unit.code if place_unit else "by_hand")  # fmt: skip
        home_book_notify_later(loan, "accepted")
        waiting = HomeBookLoan.objects.select_for_update().filter(book=book, status=L.REQUESTED)
        for other in waiting:
            loan_move(other, L.DECLINED, actor=actor, because="another_accepted")
            home_book_notify_later(other, "declined")
    return loan


def home_book_decline(*, loan: HomeBookLoan, actor: Actor) -> HomeBookLoan:
    """The owner says no (to a request, or to one agreed and not yet handed over)."""
    with transaction.atomic():
        book = _lock_own_book(loan.book, actor)
        loan = _end_request(loan, L.DECLINED, book, actor)
        home_book_notify_later(loan, "declined")
    return loan


def home_book_cancel(*, loan: HomeBookLoan, actor: Actor) -> HomeBookLoan:
    """The borrower takes their request back (before the hand-over)."""
    borrower = reader_of_actor(actor)
    with transaction.atomic():
        book = _lock_book(loan.book_id)
        if loan.borrower_id != borrower.pk:
            raise HomeBookLoanNotFound(_("No such request."))
        loan = _end_request(loan, L.CANCELLED, book, actor)
    return loan


def _end_request(loan: HomeBookLoan, to_status: str, book: HomeBook, actor: Actor):
    loan = _lock_loan(loan.pk)
    loan.decided_at = clock.now()
    loan_move(loan, to_status, actor=actor, fields=("decided_at",))
    _book_free_again(book, actor)
    return loan


def _book_free_again(book: HomeBook, actor: Actor) -> None:
    """A book asked for goes back to available when no request is open any more."""
    if (
        book.status == HomeBookStatus.REQUESTED
        and not book.loans.filter(status__in=(L.REQUESTED, L.ACCEPTED)).exists()
    ):
        _set_book_status(book, HomeBookStatus.AVAILABLE, "home_book_free", actor)


def _lock_loan(pk: int) -> HomeBookLoan:
    return HomeBookLoan.objects.select_for_update(of=("self",)).get(pk=pk)


# --- the hand-over ----------------------------------------------------------------------------


def home_book_code_issue(*, loan: HomeBookLoan, actor: Actor) -> HomeBookLoan:
    """The lender (the owner, or who has a drifting book) shows a code for an accepted
    loan: fresh, valid ``code_minutes``, told once as ``loan.code``. An earlier code of the
    loan opens nothing any more."""
    lender = reader_of_actor(actor)
    with transaction.atomic():
        _lock_book(loan.book_id)
        loan = _lock_loan(loan.pk)
        if loan.lender_id != lender.pk:
            raise HomeBookLoanNotFound(_("No such request."))
        if loan.status != L.ACCEPTED:
            raise HomeBookLoanNotAllowed(_("Only an accepted request is handed over."))
        code = _fresh_code()
        loan.code_hash = code_hash(code)
        loan.code_expires_at = clock.now() + dt.timedelta(minutes=home_book_policy().code_minutes)
        loan.save(update_fields=["code_hash", "code_expires_at"])
    loan.code = code
    return loan


def _fresh_code() -> str:
    """As the sharing room's codes (``sharing.services._fresh_code``), unique among loans."""
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _n in range(CODE_LENGTH))
        if not HomeBookLoan.objects.filter(code_hash=code_hash(code)).exists():
            return code


def home_book_hand_over(*, code: str, actor: Actor) -> HomeBookLoan:
    """The borrower confirms with the lender's code that they have the book. A lent book is
    due back in ``loan_days``; a giveable one becomes the borrower's (a new home book of
    theirs, the old row kept as given)."""
    borrower = reader_of_actor(actor)
    peek = HomeBookLoan.objects.filter(code_hash=code_hash(code_normalise(code))).first()
    if peek is None or peek.borrower_id != borrower.pk:
        raise HandOverCodeNotFound(_("No hand-over has this code; check it, or ask for a "
                                     "new one."))  # fmt: skip
    with transaction.atomic():
        book = _lock_book(peek.book_id)
        loan = _lock_loan(peek.pk)
        _check_code(loan)
        _check_may_borrow(borrower)
        loan.handed_over_at = clock.now()
        if book.use != HomeBookUse.GIVEABLE:
            loan.due_on = clock.today() + dt.timedelta(days=home_book_policy().loan_days)
        loan_move(loan, L.HANDED_OVER, actor=actor, fields=("handed_over_at", "due_on"),
                  due_on=loan.due_on.isoformat() if loan.due_on else None)  # fmt: skip
        if book.use == HomeBookUse.GIVEABLE:
            _give(book, loan, actor)
        else:
            _set_book_status(book, HomeBookStatus.LENT, "home_book_lent", actor, loan=loan.pk)
    return loan


def _check_code(loan: HomeBookLoan) -> None:
    if loan.status in (L.HANDED_OVER, L.RETURNED):
        raise HandOverCodeUsed(_("This code was already used."))
    if loan.status != L.ACCEPTED or loan.code_expires_at is None:
        raise HandOverCodeExpired(_("This request is over: the code opens nothing."))
    if loan.code_expires_at <= clock.now():
        raise HandOverCodeExpired(_("This code has expired; ask for a new one."))


def _give(book: HomeBook, loan: HomeBookLoan, actor: Actor) -> HomeBook:
    """The old row stays (given) for the history; the new owner's row starts not lendable,
    in the same area, until they choose to share it again."""
    _set_book_status(book, HomeBookStatus.GIVEN, "home_book_given", actor, loan=loan.pk)
    now = clock.now()
    gift = HomeBook.objects.create(
        owner_id=loan.borrower_id, record=book.record, isbn=book.isbn, title=book.title,
        author=book.author, use=HomeBookUse.NOT_LENDABLE, area=book.area, given_from=book,
        added_at=now, changed_at=now,
    )  # fmt: skip
    _book_history(gift, "home_book_received", actor, given_from=book.pk, loan=loan.pk)
    return gift


# --- back -------------------------------------------------------------------------------------


def home_book_return(*, loan: HomeBookLoan, actor: Actor, unit: Unit | None = None) -> HomeBookLoan:
    """The lender confirms they have the book back (or staff who may lend at ``unit``
    confirm it was brought there): the loan ends, the book is available again."""
    with transaction.atomic():
        book = _lock_book(loan.book_id)
        loan = _lock_loan(loan.pk)
        if not _may_take_back(loan, actor, unit):
            raise HomeBookLoanNotFound(_("No such request."))
        _back(loan, book, actor, unit, holder_id=loan.lender_id)
    return loan


def _may_take_back(loan: HomeBookLoan, actor: Actor, unit: Unit | None) -> bool:
    if unit is not None and is_staff_member(actor):
        return has_permission(actor, "circulation.lend", unit)
    return loan.lender_id == reader_of_actor(actor).pk


def home_book_pass_on(*, loan: HomeBookLoan, actor: Actor, area_code: str) -> HomeBookLoan:
    """The borrower of a drifting book keeps it for the next neighbour: the loan ends, the
    book is available again in their area, with the same owner (who still answers requests);
    the next hand-over is theirs."""
    borrower = reader_of_actor(actor)
    area = _area(area_code)
    with transaction.atomic():
        book = _lock_book(loan.book_id)
        loan = _lock_loan(loan.pk)
        if loan.borrower_id != borrower.pk:
            raise HomeBookLoanNotFound(_("No such request."))
        if book.use != HomeBookUse.DRIFTABLE:
            raise HomeBookLoanNotAllowed(_("Only a driftable book is passed on; give this one "
                                           "back to its lender."))  # fmt: skip
        book.area = area
        _back(loan, book, actor, None, holder_id=borrower.pk, passed_on_to=area.code)
    return loan


def _back(loan: HomeBookLoan, book: HomeBook, actor: Actor, unit: Unit | None, *,
          holder_id: int, **details) -> None:  # fmt: skip
    loan.returned_at = clock.now()
    loan_move(loan, L.RETURNED, actor=actor, unit=unit, fields=("returned_at",), **details)
    book.holder_id = None if holder_id == book.owner_id else holder_id
    _set_book_status(book, HomeBookStatus.AVAILABLE, "home_book_back", actor,
                     extra_fields=("holder", "area"), loan=loan.pk,
                     area=book.area.code)  # fmt: skip


# --- the one way a loan moves, and the history ------------------------------------------------


def loan_move(loan: HomeBookLoan, to_status: str, *, actor: Actor, unit: Unit | None = None,
              fields: tuple[str, ...] = (), **details) -> HomeBookLoan:  # fmt: skip
    """Move a (locked) loan to ``to_status`` if the state machine allows it, saving
    ``fields`` set by the caller too, and write its history row."""
    before = loan.status
    if not states.can_move(before, to_status):
        raise HomeBookLoanNotAllowed(
            _("A request that is %(now)s cannot become %(next)s.")
            % {"now": L(before).label, "next": L(to_status).label}
        )
    loan.status = to_status
    loan.save(update_fields=["status", *fields])
    _loan_history(loan, before, unit, actor, **details)
    return loan


def _set_book_status(book: HomeBook, status: str, action: str, actor: Actor, *,
                     extra_fields: tuple[str, ...] = (), **details) -> None:  # fmt: skip
    before, book.status, book.changed_at = book.status, status, clock.now()
    book.save(update_fields=["status", "changed_at", *extra_fields])
    _book_history(book, action, actor, before=before, status=status, **details)


def _who(actor: Actor):
    """The actor is kept only when staff, as in the loans' and transfers' history: the
    book's and the loan's rows already say which readers took part."""
    return actor if is_staff_member(actor) else None


def _book_history(book: HomeBook, action: str, actor: Actor, **details) -> None:
    HomeBookHistory.objects.create(book=book, action=action, actor=_who(actor), details=details)


def _loan_history(loan: HomeBookLoan, before: str, unit: Unit | None, actor: Actor,
                  **details) -> None:  # fmt: skip
    HomeBookLoanHistory.objects.create(
        loan=loan, action=f"home_book_loan_{loan.status}", from_status=before,
        to_status=loan.status, unit=unit, actor=_who(actor),
        details={"book": loan.book_id, "borrower": loan.borrower_id, **details},
    )  # fmt: skip
