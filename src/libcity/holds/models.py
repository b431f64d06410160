"""Holds: a reader's request for a title (any copy) or for one copy, collected at a unit
that takes pickups or delivered home, and its history.

A hold waits in its title's queue (``placed``) until a copy is chosen for it: picked from a
shelf by targeting (``targeted``: the copy is on its unit's pick list) or caught when a copy
comes back (trapped at a return). The copy then travels to the pickup point (``in_transit``)
or is there already, and waits on the hold shelf (``ready``) until the reader collects it (a
loan) or the shelf time runs out (``expired``). See ``states.py`` for the moves.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from libcity.catalogue.models import Item, Record
from libcity.circulation.models import Loan
from libcity.core.models import HistoryBase
from libcity.network.models import Unit
from libcity.readers.models import Reader


class HoldStatus(models.TextChoices):
    PLACED = "placed", _("Waiting for a copy")
    TARGETED = "targeted", _("Copy chosen")
    IN_TRANSIT = "in_transit", _("On its way")
    READY = "ready", _("On the hold shelf")
    COLLECTED = "collected", _("Collected")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Cancelled")


#: Holds still wanted: they count against the reader's limit and wait in the queue.
ACTIVE = (HoldStatus.PLACED, HoldStatus.TARGETED, HoldStatus.IN_TRANSIT, HoldStatus.READY)
#: Holds that have a copy: one copy serves one hold at a time.
WITH_COPY = (HoldStatus.TARGETED, HoldStatus.IN_TRANSIT, HoldStatus.READY)


class Hold(models.Model):
    reader = models.ForeignKey(
        Reader, null=True, blank=True, on_delete=models.PROTECT, related_name="holds",
        help_text=_("Removed when the hold ends, unless the reader keeps a reading history"),
    )  # fmt: skip
    reader_category = models.CharField(max_length=30)
    reader_home_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    record = models.ForeignKey(Record, on_delete=models.PROTECT, related_name="holds")
    requested_item = models.ForeignKey(
        Item, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text=_("Set when the reader asked for this copy only"),
    )  # fmt: skip
    pickup_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="pickup_holds",
        help_text=_("Where the copy waits: the reader's pickup point, or the delivery depot"),
    )  # fmt: skip
    deliver_home = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=HoldStatus.choices, db_index=True)
    placed_at = models.DateTimeField()
    placed_at_unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    not_needed_after = models.DateField(null=True, blank=True)
    copy = models.ForeignKey(
        Item, null=True, blank=True, on_delete=models.PROTECT, related_name="holds_served",
        help_text=_("The copy chosen for this hold"),
    )  # fmt: skip
    copy_chosen_at = models.DateTimeField(null=True, blank=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    shelf_until = models.DateField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    loan = models.ForeignKey(
        Loan, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["placed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["copy"], condition=Q(status__in=WITH_COPY), name="one_hold_per_copy"
            ),
            models.UniqueConstraint(
                fields=["reader", "record"],
                condition=Q(status__in=ACTIVE),
                name="one_active_hold_per_title",
            ),
        ]
        indexes = [
            models.Index(fields=["record", "status", "placed_at"]),
            models.Index(fields=["reader", "status"]),
            models.Index(fields=["pickup_unit", "status"]),
        ]

    def __str__(self) -> str:
        return f"hold {self.pk} on record {self.record_id} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE


class HoldHistory(HistoryBase):
    """Every move of a hold: from which status to which, where, and what it carried."""

    hold = models.ForeignKey(Hold, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")  # fmt: skip

    class Meta(HistoryBase.Meta):
        verbose_name_plural = "hold history"


class SlotState(models.TextChoices):
    FREE = "free", _("Free")
    OCCUPIED = "occupied", _("Holds a copy for a reader")
    TO_EMPTY = "to_empty", _("To empty")


class LockerSlot(models.Model):
    """One numbered door of a lending locker (a unit of kind ``locker``).

    ``occupied``: the copy of ``hold`` (ready) waits behind the door, opened by the reader's
    pickup code, kept only as ``code_hash`` (HMAC-SHA256 under ``SECRET_KEY``, with the unit).
    ``to_empty``: the hold ended uncollected (expired, cancelled) and its copy stays locked in
    until staff take it out; ``hold`` still says which copy it is. See ``services/lockers.py``.
    """

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="locker_slots")
    number = models.PositiveSmallIntegerField()
    state = models.CharField(max_length=10, choices=SlotState.choices, default=SlotState.FREE)
    hold = models.OneToOneField(
        Hold, null=True, blank=True, on_delete=models.PROTECT, related_name="locker_slot"
    )
    code_hash = models.CharField(max_length=64, blank=True)
    filled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["unit", "number"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "number"], name="one_slot_per_number"),
            models.UniqueConstraint(
                fields=["unit", "code_hash"],
                condition=Q(state="occupied"),
                name="one_code_per_locker",
            ),
            models.CheckConstraint(
                condition=(
                    Q(state="free", hold__isnull=True, code_hash="")
                    | (Q(state="occupied", hold__isnull=False) & ~Q(code_hash=""))
                    | Q(state="to_empty", hold__isnull=False, code_hash="")
                ),
                name="slot_state_matches_its_hold",
            ),
        ]
        indexes = [models.Index(fields=["unit", "state"])]

    def __str__(self) -> str:
        return f"slot {self.number} of unit {self.unit_id} ({self.state})"


class LockerHistory(HistoryBase):
    """What happened at a locker: slots set, filled, opened, emptied, wrong codes typed.
    Never a pickup code; the wrong codes are counted for the lockout."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    slot_number = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta(HistoryBase.Meta):
        verbose_name_plural = "locker history"
        indexes = [models.Index(fields=["unit", "action", "at"])]
