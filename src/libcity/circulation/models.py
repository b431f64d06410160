"""Loan rules, loans, charges and notices.

A **rule** matches a unit (and, inherited, everything below it), a reader category and an item
type; a blank dimension matches any. Each rule sets only the terms it cares about (a blank term
is inherited from a less specific rule): ``policies.rule_for`` resolves every term separately
and says which rule set it, so a branch that shortens its loan period does not silently drop
the city's "foreign-language books go back to their owner".

A **loan** keeps its reader only while it runs (or with the reader's consent to keep a reading
history); what statistics need (category, home unit, units and dates) stays without the person.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from libcity.catalogue.models import Item, ItemType
from libcity.core.models import HistoryBase
from libcity.network.models import Unit
from libcity.readers.models import Reader, ReaderCategory


class ReturnTo(models.TextChoices):
    ANY_UNIT = "any", _("Any unit (stays where it is returned)")
    OWNER = "owner", _("Its owning library")
    FLOAT_GROUP = "float", _("Floats within a group")


class FloatGroup(models.Model):
    """Units between which copies float: returned anywhere in the group, they stay there."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    units = models.ManyToManyField(Unit, related_name="float_groups", blank=True)

    def __str__(self) -> str:
        return self.code


class LoanRule(models.Model):
    name = models.CharField(max_length=100)
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.CASCADE, related_name="loan_rules",
        help_text=_("Blank: the whole city. A rule holds for the unit and everything below it."),
    )  # fmt: skip
    category = models.ForeignKey(
        ReaderCategory, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    item_type = models.CharField(max_length=20, choices=ItemType.choices, blank=True)
    # The terms: None means "as the less specific rules say".
    loanable = models.BooleanField(null=True, blank=True)
    loan_days = models.PositiveSmallIntegerField(null=True, blank=True)
    max_items = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("Loans a reader may hold in all")
    )
    max_items_of_type = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("Loans of this item type a reader may hold")
    )
    renewals = models.PositiveSmallIntegerField(null=True, blank=True)
    renewal_days = models.PositiveSmallIntegerField(null=True, blank=True)
    grace_days = models.PositiveSmallIntegerField(null=True, blank=True)
    fine_per_day = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    fine_max = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    credit_per_day = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("Credit points an overdue day costs")
    )
    return_to = models.CharField(max_length=10, choices=ReturnTo.choices, blank=True)
    float_group = models.ForeignKey(
        FloatGroup, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_active = models.BooleanField(default=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            # Coalesce: a blank unit or category is one value here (NULLs would all differ).
            models.UniqueConstraint(
                Coalesce("unit", 0),
                Coalesce("category", 0),
                "item_type",
                condition=Q(is_active=True),
                name="one_active_rule_per_cell",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class LoanStatus(models.TextChoices):
    ON_LOAN = "on_loan", _("On loan")
    RENEWED = "renewed", _("Renewed")
    OVERDUE = "overdue", _("Overdue")
    CLAIMED_RETURNED = "claimed_returned", _("Claimed returned")
    LOST = "lost", _("Lost")
    RETURNED = "returned", _("Returned")
    TRANSFERRED = "transferred", _("Passed to another reader")


#: Loans that are over: the copy came back, or went straight to another reader (转借).
ENDED_STATUSES = (LoanStatus.RETURNED, LoanStatus.TRANSFERRED)
#: Loans that still hold their copy (one per copy at most).
OPEN_STATUSES = (LoanStatus.ON_LOAN, LoanStatus.RENEWED, LoanStatus.OVERDUE,
                 LoanStatus.CLAIMED_RETURNED, LoanStatus.LOST)  # fmt: skip


class Loan(models.Model):
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="loans")
    reader = models.ForeignKey(
        Reader, null=True, blank=True, on_delete=models.SET_NULL, related_name="loans",
        help_text=_("Removed when the loan ends, unless the reader keeps a reading history"),
    )  # fmt: skip
    reader_category = models.CharField(max_length=30)
    reader_home_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    issued_at_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    returned_at_unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=20, choices=LoanStatus.choices, db_index=True)
    item_type = models.CharField(max_length=20, choices=ItemType.choices)
    checked_out_at = models.DateTimeField()
    due_on = models.DateField(db_index=True)
    renewals = models.PositiveSmallIntegerField(default=0)
    ended_at = models.DateTimeField(null=True, blank=True)
    terms = models.JSONField(default=dict, help_text=_("The rule's terms at checkout"))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["item"],
                condition=Q(status__in=OPEN_STATUSES),
                name="one_open_loan_per_item",
            ),
        ]
        indexes = [models.Index(fields=["reader", "status"])]

    def __str__(self) -> str:
        return f"loan {self.pk} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class LoanHistory(HistoryBase):
    """What happened to a loan. It never names the reader: the loan row does, while allowed."""

    loan = models.ForeignKey(Loan, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta(HistoryBase.Meta):
        verbose_name_plural = "loan history"


class ChargeKind(models.TextChoices):
    OVERDUE = "overdue", _("Overdue fine")
    LOST = "lost", _("Lost item")
    DAMAGE = "damage", _("Damaged item")
    DELIVERY = "delivery", _("Home delivery fee")


class ChargeStatus(models.TextChoices):
    OPEN = "open", _("Open")
    PAID = "paid", _("Paid")
    WAIVED = "waived", _("Waived")


class Charge(models.Model):
    """Money a reader owes, on the account of the library that owns the copy."""

    reader = models.ForeignKey(Reader, on_delete=models.PROTECT, related_name="charges")
    loan = models.ForeignKey(
        Loan, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    item = models.ForeignKey(
        Item, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    account = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="charges",
        help_text=_("The library whose account the charge goes to (the copy's owner)"),
    )  # fmt: skip
    kind = models.CharField(max_length=10, choices=ChargeKind.choices)
    amount = models.DecimalField(max_digits=8, decimal_places=2)
    status = models.CharField(
        max_length=10, choices=ChargeStatus.choices, default=ChargeStatus.OPEN, db_index=True
    )
    created_at = models.DateTimeField()
    settled_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} ({self.status})"


class CirculationHistory(HistoryBase):
    """Rules, charges and notices: what changed, by whom."""

    class Meta(HistoryBase.Meta):
        verbose_name_plural = "circulation history"


class Notice(models.Model):
    """A message sent to a reader (overdue, due soon), kept to avoid sending it twice."""

    reader = models.ForeignKey(Reader, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=40)
    channel = models.CharField(max_length=20)
    on = models.DateField(help_text=_("The day the notice is for"))
    sent_at = models.DateTimeField()
    body = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["reader", "kind", "on"], name="one_notice_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} notice on {self.on}"
