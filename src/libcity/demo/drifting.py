"""The demo's drift group (漂流): the micro-branches nearest the partner's, with a few of
their copies, so the drift page has a group whose books travelled in the year of loans."""

from __future__ import annotations

from libcity.catalogue.models import DriftGroup, Item
from libcity.catalogue.services import drift_group_create, item_drift_set
from libcity.network.models import Unit, UnitKind
from libcity.network.selectors import distance_km

#: The group's size: units, and copies put in it (kept small: a showcase, not a load).
DRIFT_UNITS, DRIFT_COPIES = 5, 12


def drift_build(units: dict[str, Unit], partner_code: str) -> DriftGroup | None:
    """One group of micro-branches and up to ``DRIFT_COPIES`` of their copies (None: the
    city has no micro-branch)."""
    micro = [u for u in units.values() if u.kind == UnitKind.MICRO_BRANCH]
    if not micro:
        return None
    partner = units.get(partner_code) or min(micro, key=lambda u: u.code)

    def away(unit: Unit) -> tuple[float, str]:
        return distance_km(partner.latitude, partner.longitude, unit.latitude, unit.longitude), \
            unit.code  # fmt: skip

    members = sorted(micro, key=away)[:DRIFT_UNITS]
    group = drift_group_create(code="micro-drift", name_zh="微分馆图书漂流",
                               name_en="Micro-branch book drift", units=members)  # fmt: skip
    copies = Item.objects.filter(owner__in=members).order_by("pk")[:DRIFT_COPIES]
    for item in copies.select_related("owner"):
        item_drift_set(item=item, group=group)
    return group
