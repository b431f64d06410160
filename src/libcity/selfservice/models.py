"""Terminals and their settings, sorter bins, gate visits."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from libcity.network.models import Unit


class TerminalKind(models.TextChoices):
    KIOSK = "kiosk", _("Self-service kiosk")
    SORTER = "sorter", _("Return sorter")
    GATE = "gate", _("Entry gate")
    LOCKER = "locker", _("Locker controller")


class Encoding(models.TextChoices):
    UTF8 = "utf-8", "UTF-8"
    GB18030 = "gb18030", "GB18030 / GBK"
    CP850 = "cp850", "cp850"


class ChecksumMode(models.TextChoices):
    STRICT = "strict", _("Strict: as the SIP2 specification says")
    LENIENT = "lenient", _("Lenient: the specification's, or the vendor variant, or none")
    OFF = "off", _("Off: not checked")


class Terminator(models.TextChoices):
    CR = "cr", "CR"
    CRLF = "crlf", "CR LF"


class Terminal(models.Model):
    """A self-service machine bound to a unit. It signs in to the SIP2 server with ``login``
    and its secret (stored as a SHA-256 hash: the secret is generated, long and random, like
    an API token), and acts in the services as ``user``, who holds the machine role at the
    unit."""

    login = models.CharField(max_length=60, unique=True)
    secret_hash = models.CharField(max_length=64)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="terminal"
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="terminals")
    kind = models.CharField(max_length=10, choices=TerminalKind.choices, default="kiosk")
    name = models.CharField(max_length=100, blank=True)
    encoding = models.CharField(max_length=10, choices=Encoding.choices, default="utf-8")
    checksum = models.CharField(max_length=10, choices=ChecksumMode.choices, default="strict")
    terminator = models.CharField(max_length=4, choices=Terminator.choices, default="cr")
    delimiter = models.CharField(max_length=1, default="|")
    status_before_login = models.BooleanField(
        default=False, help_text=_("Answer an SC status (99) before the terminal has signed in")
    )
    idle_seconds = models.PositiveIntegerField(
        default=600, help_text=_("A connection silent this long is closed")
    )
    institution = models.CharField(
        max_length=60, blank=True, help_text=_("The AO answered (empty: the unit's code)")
    )
    default_bin = models.CharField(max_length=10, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    last_seen_at = models.DateTimeField(null=True, blank=True)
    #: Where it last signed in from: a 99 sent before 93 from that address is answered for
    #: it (kept here, not in one server process, as several processes share the port).
    last_address = models.GenericIPAddressField(null=True, blank=True)

    def __str__(self) -> str:
        return self.login


class SortBin(models.Model):
    """Where a sorter drops a returned copy: by what the return flow decided (shelve here,
    onto the hold shelf, in transit) and, for a transit, where to. The most specific rule
    wins; no rule: the terminal's default bin."""

    terminal = models.ForeignKey(Terminal, on_delete=models.CASCADE, related_name="bins")
    action = models.CharField(max_length=10)  # logistics Dispatch actions
    destination = models.ForeignKey(
        Unit, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    bin = models.CharField(max_length=10)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["terminal", "action", "destination"], name="one_bin_per_route",
                condition=models.Q(destination__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["terminal", "action"], name="one_bin_per_action",
                condition=models.Q(destination__isnull=True),
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.terminal_id}:{self.action}:{self.destination_id or '*'} → {self.bin}"


class UnitVisit(models.Model):
    """Entries through a unit's gates on a day (statistics read these), and refusals."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="visits")
    day = models.DateField()
    entries = models.PositiveIntegerField(default=0)
    refused = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "day"], name="one_visit_count_per_unit_day")
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.day}: {self.entries}"
