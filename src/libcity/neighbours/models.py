"""Neighbours' home books (邻里图书馆): readers put their own books in a public pool.

A ``HomeBook`` is one reader's own copy. It points at the union catalogue's record when its
ISBN is found there; otherwise it keeps its own short description (title, author, ISBN) and
no record. Readers' own books never create catalogue records: a record typed by a reader
would sit in the city's one catalogue as an edition no library holds, and copy cataloguing
(which merges by ISBN) would later attach the library's copies to it. The selectors match a
record's ISBNs to such books, so they appear on the record's page once a library catalogues
the edition.

The owner is never shown to other readers: they see only the ``area`` (a unit of the
network used as a neighbourhood, never an address) and an approximate distance.

A ``HomeBookLoan`` is one reader asking to borrow a home book and what became of it. The
book changes hands with a short code the lender shows (the sharing room's code mechanism),
which the borrower confirms.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from libcity.catalogue.models import Record
from libcity.core.models import HistoryBase
from libcity.network.models import Unit
from libcity.readers.models import Reader


class HomeBookUse(models.TextChoices):
    LENDABLE = "lendable", _("Lendable")
    DRIFTABLE = "driftable", _("Driftable (passed on from reader to reader)")
    GIVEABLE = "giveable", _("Giveable (the borrower keeps it)")
    NOT_LENDABLE = "not_lendable", _("Not lendable")


class HomeBookStatus(models.TextChoices):
    AVAILABLE = "available", _("Available")
    REQUESTED = "requested", _("Asked for")
    LENT = "lent", _("Lent")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    GIVEN = "given", _("Given away")


class HomeBook(models.Model):
    owner = models.ForeignKey(Reader, on_delete=models.PROTECT, related_name="home_books")
    holder = models.ForeignKey(
        Reader, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text=_("Who has a drifting book now, when not its owner"),
    )  # fmt: skip
    record = models.ForeignKey(
        Record, null=True, blank=True, on_delete=models.SET_NULL, related_name="home_books",
        help_text=_("The union catalogue's record of the edition, when its ISBN is there"),
    )  # fmt: skip
    isbn = models.CharField(max_length=13, blank=True, db_index=True)
    title = models.CharField(max_length=500)
    author = models.CharField(max_length=200, blank=True)
    use = models.CharField(max_length=12, choices=HomeBookUse.choices)
    area = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+",
        help_text=_("The neighbourhood (a district or a branch's area), never an address"),
    )  # fmt: skip
    status = models.CharField(
        max_length=10, choices=HomeBookStatus.choices, default=HomeBookStatus.AVAILABLE,
        db_index=True,
    )  # fmt: skip
    given_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text=_("The book as its previous owner shared it, when it was given"),
    )  # fmt: skip
    added_at = models.DateTimeField()
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["-added_at", "-id"]
        indexes = [
            models.Index(fields=["status", "use"]),
            models.Index(fields=["record", "status"]),
        ]

    def __str__(self) -> str:
        return f"home book {self.pk} {self.title} ({self.status})"

    @property
    def keeper_id(self) -> int:
        """The reader who has the book in hand (a drifting book may be away from its owner)."""
        return self.holder_id or self.owner_id


class HomeBookLoanStatus(models.TextChoices):
    REQUESTED = "requested", _("Asked")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    CANCELLED = "cancelled", _("Cancelled")
    HANDED_OVER = "handed_over", _("Handed over")
    RETURNED = "returned", _("Returned")


#: A request still waiting for an answer, or agreed and not yet over.
OPEN_LOAN = ("requested", "accepted", "handed_over")


class HomeBookLoan(models.Model):
    book = models.ForeignKey(HomeBook, on_delete=models.PROTECT, related_name="loans")
    borrower = models.ForeignKey(Reader, on_delete=models.PROTECT, related_name="+")
    lender = models.ForeignKey(
        Reader, on_delete=models.PROTECT, related_name="+",
        help_text=_("Who hands the book over: the owner, or the reader a drifting book is with"),
    )  # fmt: skip
    status = models.CharField(
        max_length=12, choices=HomeBookLoanStatus.choices,
        default=HomeBookLoanStatus.REQUESTED, db_index=True,
    )  # fmt: skip
    place_unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text=_("Where the book changes hands; blank: by hand"),
    )  # fmt: skip
    code_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    code_expires_at = models.DateTimeField(null=True, blank=True)
    requested_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    handed_over_at = models.DateTimeField(null=True, blank=True)
    due_on = models.DateField(null=True, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["book", "borrower"], condition=Q(status__in=OPEN_LOAN),
                name="home_book_one_open_request_per_reader",
            ),
            models.UniqueConstraint(
                fields=["book"], condition=Q(status__in=("accepted", "handed_over")),
                name="home_book_one_agreed_loan",
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"home book loan {self.pk} of book {self.book_id} ({self.status})"


class HomeBookHistory(HistoryBase):
    """Every change of a home book: added, use changed, withdrawn, lent, back, given."""

    book = models.ForeignKey(HomeBook, on_delete=models.CASCADE, related_name="history")

    class Meta(HistoryBase.Meta):
        verbose_name_plural = "home book history"


class HomeBookLoanHistory(HistoryBase):
    """Every move of a home-book loan, from which status to which, and where."""

    loan = models.ForeignKey(HomeBookLoan, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")  # fmt: skip

    class Meta(HistoryBase.Meta):
        verbose_name_plural = "home book loan history"
