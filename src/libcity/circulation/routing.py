"""Where a returned copy goes: the one answer the desk, the API, a kiosk and a sorter get.

The loan's terms say where copies of its kind go back (``ReturnTo``): anywhere (the copy stays
where it is returned), to its owning library, or anywhere within a float group. A copy put in
a drift group (``catalogue.DriftGroup``) follows its group instead of its kind's rule. A unit
without shelves (a locker, a van stop) never keeps a copy: it goes on to the nearest library
above it, or to its owner when the terms say so.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from libcity.catalogue.models import DriftGroup, Item
from libcity.circulation.models import FloatGroup, ReturnTo
from libcity.circulation.policies import Terms
from libcity.network.models import Unit
from libcity.network.policies import unit_keeps_shelves
from libcity.network.selectors import unit_ancestors


@dataclass(frozen=True)
class Route:
    """``stays``: onto this unit's shelf; else in transit to ``destination``. ``reason`` is
    a stable code, ``message`` the words for the desk."""

    stays: bool
    destination: Unit
    reason: str
    message: str

    @property
    def action(self) -> str:
        return "shelve" if self.stays else "transit"


def return_route(*, terms: Terms, item: Item, here: Unit) -> Route:
    owner = item.owner  # a loan return reads it with the locked copy: no query here
    if item.drift_group_id is not None:
        return _drift_route(item, owner, here)
    if terms.return_to == ReturnTo.OWNER:
        return _to_owner(owner, here)
    if terms.return_to == ReturnTo.FLOAT_GROUP and not _in_group(terms.float_group, here):
        return Route(False, owner, "outside_float_group",
                     _("This copy floats within %(group)s only: it goes back to %(owner)s.")
                     % {"group": terms.float_group, "owner": _name(owner)})  # fmt: skip
    if not unit_keeps_shelves(here):
        return _onward(here, owner)
    return Route(
        True,
        here,
        "returned_anywhere",
        _("Copies of this kind stay where they are returned: shelve it here."),
    )


def _drift_route(item: Item, owner: Unit, here: Unit) -> Route:
    """A drifting copy (its own group, not its kind's rule): returned at a unit of its group
    it stays there; returned outside, it goes home to its owner."""
    inside = DriftGroup.units.through.objects.filter(
        driftgroup_id=item.drift_group_id, unit_id=here.pk
    ).exists()
    if not inside:
        if owner.pk == here.pk:
            return Route(True, here, "home", _("Back at its owning library: shelve it here."))
        return Route(False, owner, "outside_drift_group",
                     _("This copy drifts within its group only: send it back to %(owner)s.")
                     % {"owner": _name(owner)})  # fmt: skip
    if not unit_keeps_shelves(here):
        return _onward(here, owner)
    return Route(True, here, "drift_group",
                 _("This copy drifts within its group: shelve it here."))  # fmt: skip


def _to_owner(owner: Unit, here: Unit) -> Route:
    if owner.pk == here.pk:
        return Route(True, here, "home", _("Back at its owning library: shelve it here."))
    return Route(False, owner, "owner_only",
                 _("Copies of this kind go back to their owning library: send it to %(owner)s.")
                 % {"owner": _name(owner)})  # fmt: skip


def _in_group(code: str, unit: Unit) -> bool:
    return bool(code) and FloatGroup.objects.filter(code=code, units=unit).exists()


def _onward(here: Unit, owner: Unit) -> Route:
    """No shelves here: to the nearest library above (the one that empties this locker or
    runs this van), or to the owner when none keeps shelves."""
    above = next((u for u in reversed(unit_ancestors(here)) if unit_keeps_shelves(u)), None)
    target = above or owner
    return Route(False, target, "no_shelves_here",
                 _("%(here)s has no shelves: send the copy to %(target)s.")
                 % {"here": _name(here), "target": _name(target)})  # fmt: skip


def _name(unit: Unit) -> str:
    return unit.name(get_language())
