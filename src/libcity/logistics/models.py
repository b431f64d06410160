"""Logistics: copies moving between units (transits) and their history.

Every move of a copy from one unit to another is a transit, whatever sent it: a return that
must go home, a hold's copy going to its pickup point, a rebalancing move. A transit is
created where the copy is, packed into a crate, shipped (on a van run), and received where it
arrives; one still on the road after ``holds.policies.HoldPolicy.transit_days`` is overdue.
See ``states.py``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from libcity.catalogue.models import Item
from libcity.circulation.models import Charge
from libcity.core.models import HistoryBase
from libcity.holds.models import Hold
from libcity.network.models import Unit
from libcity.readers.models import Reader


class VanRun(models.Model):
    """One van's round from its depot on one day: the stops in order, with the time it
    arrives and the copies it takes and leaves at each, and its kilometres against one trip
    per stop (``baseline_km``)."""

    day = models.DateField()
    depot = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="van_runs")
    van = models.PositiveSmallIntegerField()
    stops = models.JSONField(default=list)
    km = models.FloatField()
    baseline_km = models.FloatField()
    minutes = models.PositiveIntegerField()
    planned_at = models.DateTimeField()

    class Meta:
        ordering = ["day", "depot__code", "van"]
        constraints = [
            models.UniqueConstraint(fields=["day", "depot", "van"], name="one_run_per_van_a_day")
        ]

    def __str__(self) -> str:
        return f"van {self.van} of {self.depot_id} on {self.day}"


class TransitStatus(models.TextChoices):
    CREATED = "created", _("To send")
    PACKED = "packed", _("Packed")
    SHIPPED = "shipped", _("On the road")
    RECEIVED = "received", _("Received")
    CANCELLED = "cancelled", _("Cancelled")


#: Transits still on their way (one a copy at most).
OPEN = (TransitStatus.CREATED, TransitStatus.PACKED, TransitStatus.SHIPPED)


class TransitReason(models.TextChoices):
    RETURN = "return", _("Going home after a return")
    HOLD = "hold", _("For a hold")
    REBALANCE = "rebalance", _("Rebalancing")
    DELIVERY = "delivery", _("For home delivery")


class Transit(models.Model):
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="transits")
    from_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="transits_out")
    to_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="transits_in")
    reason = models.CharField(max_length=20, choices=TransitReason.choices)
    hold = models.ForeignKey(
        Hold, null=True, blank=True, on_delete=models.SET_NULL, related_name="transits"
    )
    status = models.CharField(max_length=20, choices=TransitStatus.choices, db_index=True)
    created_at = models.DateTimeField()
    due_on = models.DateField(help_text=_("Flagged overdue when not received by this day"))
    packed_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    received_at_unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    pickup_run = models.ForeignKey(
        VanRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="pickups"
    )
    delivery_run = models.ForeignKey(
        VanRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="deliveries"
    )

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["item"], condition=Q(status__in=OPEN), name="one_open_transit_per_copy"
            ),
        ]
        indexes = [
            models.Index(fields=["from_unit", "status"]),
            models.Index(fields=["to_unit", "status"]),
            models.Index(fields=["status", "due_on"]),
        ]

    def __str__(self) -> str:
        return f"transit {self.pk}: {self.item_id} {self.from_unit_id}→{self.to_unit_id}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN


class PlanStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class RebalancePlan(models.Model):
    """Moves of idle copies to where readers wait, proposed for staff to approve (which
    sends the copies) or reject."""

    day = models.DateField()
    status = models.CharField(max_length=20, choices=PlanStatus.choices, default="proposed")
    proposed_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    cost = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    needs = models.PositiveIntegerField(default=0, help_text=_("Copies wanted in all"))

    class Meta:
        ordering = ["-proposed_at", "-id"]

    def __str__(self) -> str:
        return f"rebalancing plan {self.pk} ({self.status})"


class RebalanceMove(models.Model):
    plan = models.ForeignKey(RebalancePlan, on_delete=models.CASCADE, related_name="moves")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    from_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    to_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    cost = models.DecimalField(max_digits=8, decimal_places=2)
    transit = models.ForeignKey(
        Transit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["from_unit__code", "to_unit__code", "id"]

    def __str__(self) -> str:
        return f"move {self.item_id} {self.from_unit_id}→{self.to_unit_id}"


class DeliveryStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    PICKED = "picked", _("Picked")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")


class DeliveryOrder(models.Model):
    """A reader's order of books to their address: a hold for each title, gathered at the
    delivery depot, lent to the reader and posted together."""

    reader = models.ForeignKey(Reader, on_delete=models.PROTECT, related_name="delivery_orders")
    depot = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    address = models.CharField(max_length=300, help_text=_("Cleared once delivered"))
    phone = models.CharField(max_length=20)
    status = models.CharField(max_length=20, choices=DeliveryStatus.choices, db_index=True)
    fee = models.DecimalField(max_digits=8, decimal_places=2)
    tracking_number = models.CharField(max_length=60, blank=True)
    charge = models.ForeignKey(
        Charge, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField()
    picked_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"delivery order {self.pk} ({self.status})"


class DeliveryItem(models.Model):
    order = models.ForeignKey(DeliveryOrder, on_delete=models.CASCADE, related_name="items")
    hold = models.OneToOneField(Hold, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"order {self.order_id}: hold {self.hold_id}"


class DeliveryHistory(HistoryBase):
    order = models.ForeignKey(DeliveryOrder, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)

    class Meta(HistoryBase.Meta):
        verbose_name_plural = "delivery history"


class TransitHistory(HistoryBase):
    transit = models.ForeignKey(Transit, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")  # fmt: skip

    class Meta(HistoryBase.Meta):
        verbose_name_plural = "transit history"
