"""Who may do what, where: role assignments scoped to a unit (and, usually, its subtree)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from libcity.core.models import HistoryBase
from libcity.network.models import Unit


class Role(models.TextChoices):
    DESK = "desk", _("Desk staff")
    CATALOGUER = "cataloguer", _("Cataloguer")
    BRANCH_MANAGER = "branch_manager", _("Branch manager")
    LOGISTICS = "logistics", _("Logistics")
    NETWORK_ADMIN = "network_admin", _("Network administrator")
    PARTNER_OPERATOR = "partner_operator", _("Partner operator")
    MACHINE = "machine", _("Self-service machine")


class StaffAssignment(models.Model):
    """A role held at a unit. ``include_descendants`` extends it to the unit's whole subtree."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_assignments"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="staff_assignments")
    include_descendants = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user", "role"]
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "unit"], name="one_role_per_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.role}@{self.unit.code}"


class ApiToken(models.Model):
    """A bearer token for a machine. Only its SHA-256 is stored; the token is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"


class StaffHistory(HistoryBase):
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta(HistoryBase.Meta):
        verbose_name_plural = "staff history"
