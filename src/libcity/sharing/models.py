"""Transfer lending (转借): a reader hands a borrowed copy straight to another reader.

The borrower **offers** the loan: a short code (and a QR code of it) that the receiver scans
within minutes. **Accepting** it ends the first loan as ``transferred`` and opens the
receiver's loan in one transaction (``circulation.services.loan_transfer``); the copy never
goes back to a library. An offer may name a hold (``for_hold``): the copy is offered to the
first reader waiting for its title, and their acceptance collects that hold.

The code itself is never kept: only its HMAC-SHA256 under ``SECRET_KEY`` (``code_hash``), as
a locker's pickup code. The giver sees the code once, in the answer to the offer.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from libcity.catalogue.models import Item
from libcity.circulation.models import Loan
from libcity.core.models import HistoryBase
from libcity.holds.models import Hold
from libcity.network.models import Unit
from libcity.readers.models import Reader


class TransferStatus(models.TextChoices):
    OFFERED = "offered", _("Offered")
    ACCEPTED = "accepted", _("Accepted")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired")


class Transfer(models.Model):
    """One offer of a loan to another reader, and what became of it: who gave, who received,
    where and when.

    ``giver`` stays after the loan ends: "the same card may pass the same copy on at most
    twice a year" is counted from these rows (``policies``). Past that window the daily work
    (``transfers_forget``) unlinks both readers: who held which book is reading history, kept
    no longer than a rule needs it."""

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="transfers")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="transfers")
    giver = models.ForeignKey(
        Reader, null=True, blank=True, on_delete=models.PROTECT, related_name="transfers_given",
        help_text=_("Unlinked once the transfer is older than the cap's window"),
    )  # fmt: skip
    receiver = models.ForeignKey(
        Reader, null=True, blank=True, on_delete=models.PROTECT, related_name="transfers_received",
        help_text=_("Set when the offer is accepted"),
    )  # fmt: skip
    for_hold = models.ForeignKey(
        Hold, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text=_("Offered to the reader of this hold, the first waiting for the title"),
    )  # fmt: skip
    code_hash = models.CharField(max_length=64, unique=True)
    status = models.CharField(
        max_length=10, choices=TransferStatus.choices, default=TransferStatus.OFFERED,
        db_index=True,
    )  # fmt: skip
    place_unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text=_("Where the copy changes hands; blank: by hand, outside a library"),
    )  # fmt: skip
    offered_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    new_loan = models.ForeignKey(
        Loan, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["offered_at", "id"]
        indexes = [
            models.Index(fields=["item", "giver", "status", "accepted_at"]),
            models.Index(fields=["loan", "status"]),
        ]

    def __str__(self) -> str:
        return f"transfer {self.pk} of loan {self.loan_id} ({self.status})"


class TransferHistory(HistoryBase):
    """Every move of a transfer: from which status to which, where, and (when accepted) the
    two loans. Like ``LoanHistory`` it never names a reader (history rows are append-only,
    so they could not forget one): the readers are the transfer's own ``giver`` and
    ``receiver``, which are unlinked when the rule no longer needs them."""

    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")  # fmt: skip

    class Meta(HistoryBase.Meta):
        verbose_name_plural = "transfer history"
