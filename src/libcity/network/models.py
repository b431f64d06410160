"""Units of the network and what they need to know about place and time.

The tree is kept as a materialised path (``/1/5/23/``) so that a subtree is one indexed
``LIKE 'prefix%'`` on SQLite and PostgreSQL alike, at any depth.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from libcity.core.models import HistoryBase


class UnitKind(models.TextChoices):
    LIBRARY = "library", _("Library")
    STUDY_ROOM_24H = "study_room_24h", _("24-hour city study room")
    LOCKER = "locker", _("Self-service lending locker")
    MICRO_BRANCH = "micro_branch", _("Micro-branch")
    VAN_STOP = "van_stop", _("Mobile van stop")
    SCHOOL_LIBRARY = "school_library", _("School library")
    PARTNER_SPACE = "partner_space", _("Partner space")


class UnitTier(models.TextChoices):
    """Guangzhou's five tiers. Informative: the tree itself may be of any depth."""

    CENTRAL = "central", _("Central library")
    DISTRICT = "district", _("District library")
    BRANCH = "branch", _("Town or street branch")
    COMMUNITY = "community", _("Community room")
    SERVICE_POINT = "service_point", _("Service point")


class OperatorKind(models.TextChoices):
    LIBRARY_SYSTEM = "library_system", _("The library system")
    COMPANY = "company", _("Company")
    SCHOOL = "school", _("School")
    BOOKSTORE = "bookstore", _("Bookstore")
    HOTEL = "hotel", _("Hotel")
    COMMUNITY = "community", _("Community")
    OTHER = "other", _("Other organisation")


class Operator(models.Model):
    """Who runs a unit: the library system itself, or a named partner organisation."""

    code = models.SlugField(max_length=40, unique=True)
    name_zh = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=20, choices=OperatorKind.choices)
    contact = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name_zh

    @property
    def is_partner(self) -> bool:
        return self.kind != OperatorKind.LIBRARY_SYSTEM


class Unit(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    name_zh = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=20, choices=UnitKind.choices, default=UnitKind.LIBRARY)
    tier = models.CharField(max_length=20, choices=UnitTier.choices, default=UnitTier.BRANCH)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=600, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    operator = models.ForeignKey(Operator, on_delete=models.PROTECT, related_name="units")
    address_zh = models.CharField(max_length=300, blank=True)
    address_en = models.CharField(max_length=300, blank=True)
    latitude = models.FloatField()
    longitude = models.FloatField()
    open_24h = models.BooleanField(default=False)
    residents = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("Residents of the area this unit is responsible for")
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90)
                & Q(longitude__gte=-180, longitude__lte=180),
                name="unit_coordinates_on_earth",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name_zh}"

    def name(self, language: str | None = None) -> str:
        """The unit's name in the page's language (English falls back to Chinese)."""
        if language and language.startswith("en") and self.name_en:
            return self.name_en
        return self.name_zh

    def is_within(self, ancestor: Unit) -> bool:
        """True when this unit is ``ancestor`` or below it."""
        return self.path.startswith(ancestor.path)


class OpeningHours(models.Model):
    """One opening interval on a weekday (0 = Monday). A day may have several."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField()
    opens = models.TimeField()
    closes = models.TimeField()

    class Meta:
        ordering = ["unit", "weekday", "opens"]
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="opening_weekday_0_6"),
            models.CheckConstraint(
                condition=Q(closes__gt=F("opens")), name="opening_closes_after_opens"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.weekday} {self.opens:%H:%M}-{self.closes:%H:%M}"


class ClosedDate(models.Model):
    """A day a unit is closed (holiday, works), whatever its timetable says."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="closed_dates")
    date = models.DateField()
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["unit", "date"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "date"], name="closed_date_once_per_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.date:%Y-%m-%d}"


class TransportCost(models.Model):
    """A staff override of the cost and time of moving books from one unit to another."""

    from_unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    to_unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    cost = models.DecimalField(max_digits=8, decimal_places=2, help_text=_("Yuan per crate"))
    minutes = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["from_unit", "to_unit"], name="transport_cost_once_per_pair"
            ),
            models.CheckConstraint(
                condition=~Q(from_unit=F("to_unit")), name="transport_cost_two_units"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_unit_id} -> {self.to_unit_id}: {self.cost} / {self.minutes} min"


class NetworkHistory(HistoryBase):
    unit = models.ForeignKey(Unit, null=True, on_delete=models.SET_NULL, related_name="history")

    class Meta(HistoryBase.Meta):
        verbose_name_plural = "network history"
