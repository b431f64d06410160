"""Records (one per edition, city-wide) and items (copies), with their history.

A record keeps its source MARC whole (``marc_source``, the bytes of that one record as they came,
with ``marc_format`` and ``marc_encoding``), so an export in the same flavour says what the
source said; the other columns are what the platform reads, searches and shows.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from libcity.core.models import HistoryBase
from libcity.network.models import Unit


class MarcFlavour(models.TextChoices):
    MARC21 = "marc21", "MARC21"
    CNMARC = "cnmarc", "CNMARC / UNIMARC"


class RecordFormat(models.TextChoices):
    BOOK = "book", _("Book")
    SERIAL = "serial", _("Serial")
    AUDIO_VISUAL = "audio_visual", _("Audio-visual")
    MAP = "map", _("Map")
    MUSIC = "music", _("Printed music")
    OTHER = "other", _("Other")


class Record(models.Model):
    title = models.CharField(max_length=500)
    responsibility = models.CharField(max_length=500, blank=True)
    authors = models.JSONField(default=list, blank=True)
    alt_titles = models.JSONField(
        default=list, blank=True, help_text=_("The title in other scripts (MARC 880, CNMARC 200$9)")
    )
    alt_authors = models.JSONField(default=list, blank=True)
    publisher = models.CharField(max_length=300, blank=True)
    place = models.CharField(max_length=200, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True, db_index=True)
    isbn = models.CharField(
        max_length=13, blank=True, db_index=True, help_text=_("The first ISBN-13 of the edition")
    )
    isbns = models.JSONField(default=list, blank=True)
    language = models.CharField(max_length=3, blank=True)
    clc = models.CharField(max_length=40, blank=True, help_text=_("Chinese Library Classification"))
    clc_top = models.CharField(max_length=1, blank=True, db_index=True)
    subjects = models.JSONField(default=list, blank=True)
    format = models.CharField(
        max_length=20, choices=RecordFormat.choices, default=RecordFormat.BOOK
    )
    match_key = models.CharField(
        max_length=200,
        blank=True,
        db_index=True,
        help_text=_("Normalised title, first author and year: the merge key without an ISBN"),
    )
    marc_flavour = models.CharField(max_length=10, choices=MarcFlavour.choices, blank=True)
    marc_format = models.CharField(max_length=10, blank=True)  # iso2709 | marcxml
    marc_encoding = models.CharField(max_length=20, blank=True)  # utf-8 | marc-8 | gb18030
    marc_source = models.BinaryField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["match_key", "isbn"], name="record_match_key_isbn")]

    def __str__(self) -> str:
        return self.title


#: What names a record in a list of loans, holds or charges (a desk's, a kiosk's, a reader's
#: page): the rest, the MARC source above all, is not read there.
RECORD_BRIEF = ("title", "authors", "year", "isbn", "clc")


def record_unread(relation: str) -> tuple[str, ...]:
    """For ``defer``: the columns of the record reached through ``relation`` that a list
    naming it does not show. Fewer columns is less for Django to build and convert on
    every row; a column read later is loaded then (one query), never wrong."""
    return tuple(f"{relation}__{field.name}" for field in Record._meta.concrete_fields
                 if field.name not in ("id", *RECORD_BRIEF))  # fmt: skip


class RecordIsbn(models.Model):
    """Every ISBN-13 of a record, so copy cataloguing finds a record by any of them."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="isbn_rows")
    isbn = models.CharField(max_length=13, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["record", "isbn"], name="record_isbn_once"),
        ]

    def __str__(self) -> str:
        return self.isbn


class ItemType(models.TextChoices):
    BOOK = "book", _("Book")
    CHILDREN = "children", _("Children's book")
    PERIODICAL = "periodical", _("Periodical")
    AUDIO_VISUAL = "audio_visual", _("Audio-visual")
    FOREIGN_LANGUAGE = "foreign", _("Foreign-language book")
    LOCAL_DOCUMENT = "local", _("Local document")
    REFERENCE = "reference", _("Reference (not for loan)")


class ItemStatus(models.TextChoices):
    AVAILABLE = "available", _("Available")
    ON_LOAN = "on_loan", _("On loan")
    IN_TRANSIT = "in_transit", _("In transit")
    ON_HOLD_SHELF = "on_hold_shelf", _("On the hold shelf")
    IN_PROCESSING = "in_processing", _("In processing")
    LOST = "lost", _("Lost")
    MISSING = "missing", _("Missing")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class DriftGroup(models.Model):
    """Units (micro-branches and others) between which copies drift (漂流): a copy put in the
    group and returned at any unit of it stays there, on that unit's shelf; returned outside
    the group, it goes back to its owner. The copies are those whose ``drift_group`` is this
    group. ``is_public``: readers may see the group's page of where its books drift."""

    code = models.SlugField(max_length=40, unique=True)
    name_zh = models.CharField(max_length=100)
    name_en = models.CharField(max_length=100, blank=True)
    is_public = models.BooleanField(default=True)
    units = models.ManyToManyField(Unit, related_name="drift_groups", blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code

    def name(self, language: str | None = None) -> str:
        if language and language.startswith("en") and self.name_en:
            return self.name_en
        return self.name_zh


class Item(models.Model):
    barcode = models.CharField(max_length=40, unique=True)
    record = models.ForeignKey(Record, on_delete=models.PROTECT, related_name="items")
    owner = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="owned_items")
    location = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="present_items",
        help_text=_("Where the copy is now"),
    )
    call_number = models.CharField(max_length=100, blank=True)
    item_type = models.CharField(max_length=20, choices=ItemType.choices, default=ItemType.BOOK)
    price = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    status = models.CharField(
        max_length=20, choices=ItemStatus.choices, default=ItemStatus.IN_PROCESSING
    )
    status_changed_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    drift_group = models.ForeignKey(
        DriftGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="items",
        help_text=_("Drifts between this group's units: stays where it is returned in it"),
    )  # fmt: skip

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["record", "status"]),
            models.Index(fields=["location", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(price__isnull=True) | Q(price__gte=0), name="item_price_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.barcode


class CatalogueHistory(HistoryBase):
    """Record-level history: created, edited, merged into (copy cataloguing), imported."""

    record = models.ForeignKey(Record, null=True, on_delete=models.SET_NULL, related_name="history")

    class Meta(HistoryBase.Meta):
        verbose_name_plural = "catalogue history"


class ItemHistory(HistoryBase):
    """Every change of an item's status or place, written by the item state machine."""

    item = models.ForeignKey(Item, null=True, on_delete=models.SET_NULL, related_name="history")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta(HistoryBase.Meta):
        verbose_name_plural = "item history"
