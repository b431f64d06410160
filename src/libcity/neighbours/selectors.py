"""Reads of the home books: the pool as other readers see it (never naming the owner), a
reader's own books and requests, and the access checks the pages share.

What other readers see is a :class:`SharedBook`, built here and nowhere else: it carries the
area and a rounded distance, and has no field that could name or locate the owner.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from libcity.catalogue.models import Record
from libcity.core.identifiers import isbn_normalise
from libcity.neighbours.exceptions import HomeBookLoanNotFound, HomeBookNotFound, NotAReader
from libcity.neighbours.models import (
    OPEN_LOAN,
    HomeBook,
    HomeBookLoan,
    HomeBookLoanStatus,
    HomeBookStatus,
    HomeBookUse,
)
from libcity.neighbours.policies import AREA_TIERS, home_book_policy, rounded_km
from libcity.network.models import Unit
from libcity.network.selectors import distance_km
from libcity.readers.models import Reader
from libcity.readers.selectors import reader_of_user
from libcity.staff.selectors import Actor

#: Statuses in which others may ask for a book.
ASKABLE = (HomeBookStatus.AVAILABLE, HomeBookStatus.REQUESTED)
#: Uses that put a book in the pool.
SHARED_USES = (HomeBookUse.LENDABLE, HomeBookUse.DRIFTABLE, HomeBookUse.GIVEABLE)
#: At most this many books on one page of the pool.
POOL_LIMIT = 100


@dataclass(frozen=True)
class SharedBook:
    """A home book as any other reader sees it: no owner, no holder, no address."""

    id: int
    title: str
    author: str
    isbn: str
    record_id: int | None
    use: str
    use_label: str
    area: Unit
    km: float | None  # rounded; None when the viewer has no home unit (not signed in)


def reader_of_actor(actor: Actor) -> Reader:
    """The reader behind the signed-in account; staff and machines are not readers."""
    reader = reader_of_user(actor)
    if reader is None:
        raise NotAReader(_("Only a reader signed in to their own account can share home books "
                           "or borrow them."))  # fmt: skip
    return reader


def area_units() -> QuerySet[Unit]:
    """The units a reader may name as a book's area."""
    return Unit.objects.filter(is_active=True, tier__in=AREA_TIERS).order_by("path")


def record_by_isbn(isbn: str) -> Record | None:
    """The union catalogue's record having this ISBN-13 (any of its ISBNs), the oldest."""
    return Record.objects.filter(isbn_rows__isbn=isbn).order_by("pk").first()


# --- the pool, as others see it ---------------------------------------------------------------


def shared_books(*, viewer: Reader | None = None, query: str = "",
                 record: Record | None = None) -> list[SharedBook]:  # fmt: skip
    """Books others may ask for now, nearest first: all of them, those matching ``query``
    (an ISBN, or words of the title or author), or those of ``record`` (linked to it, or
    unlinked with one of its ISBNs). The viewer's own books are left out."""
    books = _askable()
    if record is not None:
        books = books.filter(Q(record=record) | Q(record__isnull=True, isbn__in=record.isbns
                                                  or ["-"]))  # fmt: skip
    if query.strip():
        books = books.filter(_matching(query.strip()))
    if viewer is not None:
        books = books.exclude(owner=viewer).exclude(holder=viewer)
    shown = [_shared(book, viewer) for book in books[:POOL_LIMIT]]
    return sorted(shown, key=lambda b: (b.km is None, b.km or 0, -b.id))


def shared_book(book_id: int, viewer: Reader | None = None) -> SharedBook:
    """One book of the pool, as others see it."""
    book = _askable().filter(pk=book_id).first()
    if book is None:
        raise HomeBookNotFound(_("This book is not shared now."))
    return _shared(book, viewer)


def askable_home_book(book_id: int) -> HomeBook:
    """A book of the pool, to ask for (the service checks everything again under a lock)."""
    book = _askable().filter(pk=book_id).first()
    if book is None:
        raise HomeBookNotFound(_("This book is not shared now."))
    return book


def _askable() -> QuerySet[HomeBook]:
    """Shared, free, and not promised to a neighbour already (an accepted request)."""
    promised = HomeBookLoan.objects.filter(status=HomeBookLoanStatus.ACCEPTED).values("book_id")
    return (HomeBook.objects.filter(status__in=ASKABLE, use__in=SHARED_USES)
            .exclude(pk__in=promised).select_related("area"))  # fmt: skip


def _matching(query: str) -> Q:
    isbn = isbn_normalise(query)
    if isbn:
        return Q(isbn=isbn)
    return Q(title__icontains=query) | Q(author__icontains=query)


def _shared(book: HomeBook, viewer: Reader | None) -> SharedBook:
    return SharedBook(
        id=book.pk, title=book.title, author=book.author, isbn=book.isbn,
        record_id=book.record_id, use=book.use, use_label=book.get_use_display(),
        area=book.area, km=approximate_km(viewer, book.area),
    )  # fmt: skip


def approximate_km(viewer: Reader | None, area: Unit) -> float | None:
    """From the viewer's home unit to the book's area unit, rounded (0.5 km by default)."""
    if viewer is None:
        return None
    home = viewer.home_unit
    km = distance_km(home.latitude, home.longitude, area.latitude, area.longitude)
    return rounded_km(km, home_book_policy().distance_step_km)


# --- a reader's own ---------------------------------------------------------------------------


def reader_home_books(reader: Reader) -> QuerySet[HomeBook]:
    """The reader's own books, the newest first."""
    return (HomeBook.objects.filter(owner=reader).select_related("area", "record")
            .order_by("-added_at", "-pk"))  # fmt: skip


def requests_to_answer(reader: Reader) -> QuerySet[HomeBookLoan]:
    """Requests for the reader's books waiting for their yes or no."""
    return (HomeBookLoan.objects.filter(book__owner=reader, status=HomeBookLoanStatus.REQUESTED)
            .select_related("book", "borrower__home_unit")
            .order_by("requested_at", "pk"))  # fmt: skip


def loans_to_hand(reader: Reader) -> QuerySet[HomeBookLoan]:
    """Loans the reader hands over (agreed) or waits to get back (handed over)."""
    return (HomeBookLoan.objects.filter(lender=reader, status__in=(
                HomeBookLoanStatus.ACCEPTED, HomeBookLoanStatus.HANDED_OVER))
            .exclude(book__status=HomeBookStatus.GIVEN)
            .select_related("book", "place_unit").order_by("requested_at", "pk"))  # fmt: skip


def reader_requests(reader: Reader) -> QuerySet[HomeBookLoan]:
    """What the reader asked to borrow, the newest first."""
    return (HomeBookLoan.objects.filter(borrower=reader)
            .select_related("book__area", "place_unit")
            .order_by("-requested_at", "-pk"))  # fmt: skip


def open_request(reader: Reader, book: HomeBook) -> HomeBookLoan | None:
    return HomeBookLoan.objects.filter(borrower=reader, book=book, status__in=OPEN_LOAN).first()


# --- access -----------------------------------------------------------------------------------


def access_own_home_book(actor: Actor, book_id: int) -> HomeBook:
    """The actor's own book; another's reads as not found."""
    reader = reader_of_actor(actor)
    book = HomeBook.objects.select_related("area").filter(pk=book_id, owner=reader).first()
    if book is None:
        raise HomeBookNotFound(_("You have no such home book."))
    return book


def access_home_book_loan(actor: Actor, loan_id: int) -> HomeBookLoan:
    """A loan the actor takes part in (as owner, lender or borrower); one error otherwise."""
    reader = reader_of_actor(actor)
    loan = (HomeBookLoan.objects.select_related("book__area", "place_unit")
            .filter(Q(borrower=reader) | Q(lender=reader) | Q(book__owner=reader), pk=loan_id)
            .first())  # fmt: skip
    if loan is None:
        raise HomeBookLoanNotFound(_("No such request."))
    return loan
