"""Shared models: named sequences, and the abstract history row every domain's history extends."""

from __future__ import annotations

from django.conf import settings
from django.db import models, transaction

from libcity.core import clock


class Sequence(models.Model):
    """A named counter handed out under a row lock, the same way on SQLite and PostgreSQL."""

    name = models.CharField(max_length=64, primary_key=True)
    value = models.BigIntegerField(default=0)

    class Meta:
        db_table = "core_sequence"

    def __str__(self) -> str:
        return f"{self.name}={self.value}"

    @classmethod
    def take(cls, name: str, count: int = 1) -> int:
        """Reserve ``count`` values and return the first one."""
        with transaction.atomic():
            cls.objects.get_or_create(name=name)
            row = cls.objects.select_for_update().get(name=name)
            first = row.value + 1
            row.value += count
            row.save(update_fields=["value"])
        return first


class HistoryBase(models.Model):
    """An append-only audit row. Services write these; nothing updates or deletes them.

    ``action`` is a stable code (``unit_created``, ``reader_registered``...), ``details``
    holds what changed, ``actor`` is the account that did it (None for the system).
    """

    action = models.CharField(max_length=64, db_index=True)
    at = models.DateTimeField(default=clock.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        abstract = True
        ordering = ["at", "id"]

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise RuntimeError("History rows are append-only.")
        super().save(*args, **kwargs)
