"""Drift groups (漂流): units between which copies drift from reader to reader.

Whoever may change the network at a unit may put it in a group or take it out; whoever may
change the catalogue where a copy is owned may set it drifting or call it home. Routing reads
the copy's group on every return (``circulation.routing``).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from libcity.catalogue.exceptions import InvalidDriftGroup
from libcity.catalogue.models import CatalogueHistory, DriftGroup, Item, ItemHistory
from libcity.catalogue.services.items import history_columns
from libcity.core import clock
from libcity.network.models import Unit
from libcity.staff.policies import CATALOGUE_CHANGE, NETWORK_CHANGE
from libcity.staff.selectors import Actor, require_permission


def drift_group_create(*, code: str, name_zh: str, units: Iterable[Unit], name_en: str = "",
                       is_public: bool = True, actor: Actor = None) -> DriftGroup:  # fmt: skip
    """A new group of ``units`` (at least one); the actor must change the network at each."""
    units = list(units)
    code, name_zh = slugify((code or "").strip()), (name_zh or "").strip()
    if not code or not name_zh or not units:
        raise InvalidDriftGroup(_("A drift group needs a code, a name and at least one unit."))
    _require_at(actor, NETWORK_CHANGE, units)
    try:
        with transaction.atomic():
            group = DriftGroup.objects.create(
                code=code, name_zh=name_zh, name_en=(name_en or "").strip(),
                is_public=is_public, created_at=clock.now(),
            )  # fmt: skip
            group.units.add(*units)
            _history("drift_group_created", group, actor, units=[u.code for u in units])
    except IntegrityError:
        raise InvalidDriftGroup(_("The code %(code)s is taken.") % {"code": code}) from None
    return group


def drift_group_add_unit(*, group: DriftGroup, unit: Unit, actor: Actor = None) -> DriftGroup:
    """Copies of the group returned at ``unit`` stay there from now on."""
    _require_at(actor, NETWORK_CHANGE, [unit])
    with transaction.atomic():
        group.units.add(unit)
        _history("drift_group_unit_added", group, actor, unit=unit.code)
    return group


def drift_group_remove_unit(*, group: DriftGroup, unit: Unit, actor: Actor = None) -> DriftGroup:
    """Copies returned at ``unit`` go home from now on; copies on its shelf stay until lent."""
    _require_at(actor, NETWORK_CHANGE, [unit])
    with transaction.atomic():
        group.units.remove(unit)
        _history("drift_group_unit_removed", group, actor, unit=unit.code)
    return group


def item_drift_set(*, item: Item, group: DriftGroup | None, actor: Actor = None) -> Item:
    """Put ``item`` in ``group`` (None: out of any group, its kind's rule applies again).
    The actor must change the catalogue where the copy is owned."""
    with transaction.atomic():
        locked = Item.objects.select_for_update().select_related("owner").get(pk=item.pk)
        _require_at(actor, CATALOGUE_CHANGE, [locked.owner])
        old = locked.drift_group.code if locked.drift_group_id else ""
        new = group.code if group is not None else ""
        if old != new:
            Item.objects.filter(pk=item.pk).update(drift_group=group)
            ItemHistory.objects.create(item=locked, **history_columns(
                "drift_group_set", locked.barcode, locked.status, locked.status,
                locked.owner_id, actor, from_group=old, to_group=new))  # fmt: skip
    item.drift_group = group
    return item


def _require_at(actor: Actor, permission: str, units: list[Unit]) -> None:
    if actor is None:
        return
    for unit in units:
        require_permission(actor, permission, unit)


def _history(action: str, group: DriftGroup, actor: Actor, **details) -> None:
    who = actor if actor is not None and actor.is_authenticated else None
    CatalogueHistory.objects.create(action=action, actor=who,
                                    details={"drift_group": group.code, **details})  # fmt: skip
