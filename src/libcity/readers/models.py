"""Readers and their cards.

Privacy: the resident ID is kept only as a keyed hash (unique: one card per person) and its
last four characters. Reading history is kept only when ``keeps_reading_history`` is set.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from libcity.core.models import HistoryBase
from libcity.network.models import Unit


class ReaderCategory(models.Model):
    """A kind of reader (child, adult, senior...). Rules in later rooms key on it."""

    code = models.SlugField(max_length=30, unique=True)
    name_zh = models.CharField(max_length=100)
    name_en = models.CharField(max_length=100)
    needs_guardian = models.BooleanField(default=False)
    min_age = models.PositiveSmallIntegerField(null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "reader categories"

    def __str__(self) -> str:
        return self.name_zh


class ReaderStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    EXPIRED = "expired", _("Expired")
    CLOSED = "closed", pgettext_lazy("reader status", "Closed")


class DepositState(models.TextChoices):
    NONE = "none", _("No deposit")
    PAID = "paid", _("Deposit paid")
    WAIVED = "waived", _("Waived by credit")
    REFUNDED = "refunded", _("Refunded")


class RegistrationChannel(models.TextChoices):
    DESK = "desk", _("At a desk")
    ONLINE = "online", _("Online")
    KIOSK = "kiosk", _("At a self-service kiosk")
    IMPORT = "import", _("Imported")


class Reader(models.Model):
    card_number = models.CharField(max_length=20, unique=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reader",
    )
    name = models.CharField(max_length=100)
    id_hash = models.CharField(max_length=64, unique=True)
    id_last4 = models.CharField(max_length=4)
    birth_date = models.DateField()
    category = models.ForeignKey(ReaderCategory, on_delete=models.PROTECT, related_name="readers")
    home_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="home_readers")
    guardian = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="wards"
    )
    phone = models.CharField(max_length=20, blank=True)
    email = models.EmailField(blank=True)
    status = models.CharField(
        max_length=10, choices=ReaderStatus.choices, default=ReaderStatus.ACTIVE
    )
    expires_on = models.DateField()
    credit_score = models.PositiveSmallIntegerField(default=600)
    deposit_state = models.CharField(
        max_length=10, choices=DepositState.choices, default=DepositState.NONE
    )
    deposit_amount = models.DecimalField(max_digits=8, decimal_places=2, default=0)
    keeps_reading_history = models.BooleanField(default=False)
    registered_via = models.CharField(max_length=10, choices=RegistrationChannel.choices)
    registered_at = models.DateTimeField()

    class Meta:
        ordering = ["card_number"]
        indexes = [models.Index(fields=["home_unit", "status"])]

    def __str__(self) -> str:
        return f"{self.card_number} {self.name}"


class CardStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    LOST = "lost", _("Reported lost")
    REPLACED = "replaced", _("Replaced")


class Card(models.Model):
    """Every card a reader has held. Only one is active; a lost one stays blocked for ever."""

    number = models.CharField(max_length=20, unique=True)
    reader = models.ForeignKey(Reader, on_delete=models.CASCADE, related_name="cards")
    status = models.CharField(max_length=10, choices=CardStatus.choices, default=CardStatus.ACTIVE)
    issued_at = models.DateTimeField()
    issued_at_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["reader", "issued_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["reader"], condition=Q(status="active"), name="one_active_card_per_reader"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.status})"


class BlockReason(models.TextChoices):
    MANUAL = "manual", _("Set by staff")
    LOST_CARD = "lost_card", _("Card reported lost")
    OVERDUE = "overdue", _("Too many overdue items")
    FINES = "fines", _("Fines over the limit")
    CREDIT = "credit", _("Credit below the threshold")
    EXPIRED = "expired", _("Card expired")
    KIOSK = "kiosk", _("Card kept by a self-service machine")


class ReaderBlock(models.Model):
    """A reason the reader may not borrow. Lifting it keeps the row (``lifted_at``)."""

    reader = models.ForeignKey(Reader, on_delete=models.CASCADE, related_name="blocks")
    reason = models.CharField(max_length=12, choices=BlockReason.choices)
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["reader", "created_at"]

    def __str__(self) -> str:
        return f"{self.reason} {'lifted' if self.lifted_at else 'in force'}"


class ReaderHistory(HistoryBase):
    reader = models.ForeignKey(Reader, null=True, on_delete=models.SET_NULL, related_name="history")

    class Meta(HistoryBase.Meta):
        verbose_name_plural = "reader history"
