"""Reads of the catalogue: records, copy-cataloguing matches, availability by unit."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from libcity.catalogue.exceptions import DriftGroupNotFound, ItemNotFound, RecordNotFound
from libcity.catalogue.matching import matched_record
from libcity.catalogue.models import DriftGroup, Item, ItemStatus, Record
from libcity.network.models import Unit
from libcity.network.selectors import units_nearest
from libcity.search.index import search
from libcity.search.query import SearchRequest
from libcity.staff.exceptions import NOT_ALLOWED_MESSAGE, NotAllowed
from libcity.staff.policies import NETWORK_VIEW
from libcity.staff.selectors import Actor, has_any_scope, has_permission, units_in_scope


def record_get(record_id: int) -> Record:
    record = Record.objects.filter(pk=record_id).first()
    if record is None:
        raise RecordNotFound(_("There is no such record."))
    return record


def record_match(isbns: list[str], key: str) -> Record | None:
    """The record an incoming edition belongs to: same ISBN, else the same title/author/year
    key (only for records without ISBN on both sides). The rule, also for a batch of
    editions at once, is in ``catalogue.matching``."""
    return matched_record(isbns, key)


@dataclass(frozen=True)
class UnitAvailability:
    unit_id: int
    unit_code: str
    total: int
    available: int


def availability_by_unit(record_ids: list[int]) -> dict[int, list[UnitAvailability]]:
    """For each record, its copies per unit where they stand now: how many, how many on the
    shelf. One query for any number of records."""
    rows = (
        Item.objects.filter(record_id__in=record_ids)
        .exclude(status=ItemStatus.WITHDRAWN)
        .values("record_id", "location_id", "location__code")
        .annotate(total=Count("pk"), available=Count("pk", filter=Q(status=ItemStatus.AVAILABLE)))
        .order_by("record_id", "location__code")
    )
    found: dict[int, list[UnitAvailability]] = {rid: [] for rid in record_ids}
    for row in rows:
        found[row["record_id"]].append(UnitAvailability(
            row["location_id"], row["location__code"], row["total"], row["available"]
        ))  # fmt: skip
    return found


def record_items(record: Record):
    return record.items.select_related("location", "owner").order_by("location__path", "barcode")


def units_with_available_copy(record: Record) -> list[Unit]:
    ids = record.items.filter(status=ItemStatus.AVAILABLE).values("location_id")
    return list(Unit.objects.filter(pk__in=ids, is_active=True))


def item_by_barcode(barcode: str) -> Item:
    """The copy with this barcode, whoever owns it (a copy scanned at any desk)."""
    item = (
        Item.objects.select_related("owner", "location", "record")
        .filter(barcode=(barcode or "").strip())
        .first()
    )
    if item is None:
        raise ItemNotFound(
            _("No copy has the barcode %(b)s.") % {"b": (barcode or "").strip()[:40]}
        )
    return item


def access_item(actor: Actor, barcode: str, permission: str) -> Item:
    """The copy with ``barcode`` if ``actor`` holds ``permission`` at the unit that owns it."""
    item = (
        Item.objects.select_related("owner", "location", "record")
        .filter(barcode=(barcode or "").strip())
        .first()
    )
    if item is None or not has_permission(actor, permission, item.owner):
        raise NotAllowed(NOT_ALLOWED_MESSAGE)
    return item


@dataclass(frozen=True)
class NearbyCopy:
    unit: Unit
    km: float
    available: int


def nearest_available_copies(
    record: Record, latitude: float, longitude: float, *, limit: int = 5
) -> list[NearbyCopy]:
    """The units nearest to a point that have a copy of ``record`` on the shelf now."""
    counts = dict(
        record.items.filter(status=ItemStatus.AVAILABLE)
        .values_list("location_id")
        .annotate(n=Count("pk"))
    )
    if not counts:
        return []
    pairs = units_nearest(
        latitude, longitude, limit=limit, queryset=Unit.objects.filter(pk__in=counts)
    )
    return [NearbyCopy(unit, km, counts[unit.pk]) for unit, km in pairs]


@dataclass
class CatalogueHits:
    """One page of a catalogue search: the records in order, their copies by unit, facets."""

    count: int
    records: list[Record]
    availability: dict[int, list[UnitAvailability]]
    facets: dict[str, list[tuple[str, int]]]
    page: int
    page_size: int
    count_exact: bool = True  # False: more matched than the search counts ("more than count")


def records_search(request: SearchRequest) -> CatalogueHits:
    """Search the index, then read the page's records and their live availability."""
    result = search(request)
    found = Record.objects.in_bulk(result.ids)
    records = [found[i] for i in result.ids if i in found]
    return CatalogueHits(
        count=result.count, records=records,
        availability=availability_by_unit([r.pk for r in records]),
        facets=result.facets, page=result.page, page_size=result.page_size,
        count_exact=result.count_exact,
    )  # fmt: skip


# --- drift groups ---------------------------------------------------------------------------


def drift_groups_visible(actor: Actor) -> QuerySet[DriftGroup]:
    """The groups with a unit in the actor's view of the network, with their unit and copy
    counts (the public's groups are the public ones: ``actor`` None or not staff)."""
    groups = DriftGroup.objects.annotate(
        unit_count=Count("units", distinct=True), item_count=Count("items", distinct=True)
    )
    if has_any_scope(actor, NETWORK_VIEW):
        in_scope = units_in_scope(actor, NETWORK_VIEW)
        return groups.filter(pk__in=DriftGroup.objects.filter(units__in=in_scope).values("pk"))
    return groups.filter(is_public=True)


def access_drift_group(actor: Actor, group_id: int) -> DriftGroup:
    """The group if the actor sees it (as ``drift_groups_visible``); one error otherwise."""
    group = drift_groups_visible(actor).filter(pk=group_id).first()
    if group is None:
        raise DriftGroupNotFound(_("There is no such drift group."))
    return group
