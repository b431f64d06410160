"""The staff pages of drift groups (漂流, ``/staff/drift/``): the groups with a unit in the
staff member's view of the network, and for each group how far its copies drifted: a bar
chart of hands, kilometres and days outside per copy, and a map-like plot of the group's
units at their coordinates with the moves between them (thicker: more moves). Both are SVG
drawn here on the server: no script, no library to download, readable on a phone."""

from __future__ import annotations

import re

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from libcity.catalogue.exceptions import InvalidDriftGroup
from libcity.catalogue.selectors import access_drift_group, drift_groups_visible, item_by_barcode
from libcity.catalogue.services import (
    drift_group_add_unit,
    drift_group_create,
    drift_group_remove_unit,
    item_drift_set,
)
from libcity.core.exceptions import DomainError
from libcity.network.selectors import unit_get
from libcity.sharing.drifting import CopyJourney, GroupJourneys, drift_group_journeys
from libcity.staff.policies import NETWORK_CHANGE
from libcity.staff.selectors import has_any_scope
from libcity.web.feedback import show_error
from libcity.web.staff.views import staff_page


class GroupForm(forms.Form):
    """A new group: its code, names, whether readers may see it, and its units by code."""

    code = forms.SlugField(label=gettext_lazy("Code"), max_length=40)
    name_zh = forms.CharField(label=gettext_lazy("Name (Chinese)"), max_length=100)
    name_en = forms.CharField(label=gettext_lazy("Name (English)"), max_length=100,
                              required=False)  # fmt: skip
    is_public = forms.BooleanField(label=gettext_lazy("Readers may see it"), required=False,
                                   initial=True)  # fmt: skip
    units = forms.CharField(
        label=gettext_lazy("Units"), max_length=2000,
        help_text=gettext_lazy("Unit codes, separated by spaces or commas"),
    )  # fmt: skip

    def unit_codes(self) -> list[str]:
        return [c for c in re.split(r"[\s,，]+", self.cleaned_data["units"]) if c]


#: The drawing's width in SVG units (it scales to the screen); rows and the plot in these.
WIDTH, ROW, LABEL_W, PLOT_H, PAD = 320, 34, 86, 240, 24
#: The three measures of a copy, each bar scaled to the largest of its kind.
MEASURES = (("hands", "#2f6f4f"), ("km", "#3b6ea5"), ("days_outside", "#b5651d"))


@staff_page
@require_http_methods(["GET", "POST"])
def drift_list(request: HttpRequest) -> HttpResponse:
    """The groups in view, and (for who changes the network) a form to make one."""
    may_create = has_any_scope(request.user, NETWORK_CHANGE)
    form = GroupForm(request.POST or None) if may_create else None
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            group = drift_group_create(
                code=form.cleaned_data["code"], name_zh=form.cleaned_data["name_zh"],
                name_en=form.cleaned_data["name_en"], is_public=form.cleaned_data["is_public"],
                units=[unit_get(code) for code in form.unit_codes()], actor=request.user,
            )  # fmt: skip
        except DomainError as error:
            show_error(request, error, form)
        else:
            return redirect("web:staff-drift-group", group_id=group.pk)
    groups = drift_groups_visible(request.user).order_by("code")
    return render(request, "web/staff/drift.html",
                  {"groups": groups, "language": get_language(), "form": form})  # fmt: skip


#: What the forms on a group's page do: each calls one catalogue service.
_GROUP_ACTIONS = {
    "add_unit": lambda group, value, actor: drift_group_add_unit(
        group=group, unit=unit_get(value), actor=actor),
    "remove_unit": lambda group, value, actor: drift_group_remove_unit(
        group=group, unit=unit_get(value), actor=actor),
    "add_copy": lambda group, value, actor: item_drift_set(
        item=item_by_barcode(value), group=group, actor=actor),
    "call_home": lambda group, value, actor: item_drift_set(
        item=_copy_of(group, value), group=None, actor=actor),
}  # fmt: skip


def _copy_of(group, barcode: str):
    item = item_by_barcode(barcode)
    if item.drift_group_id != group.pk:
        raise InvalidDriftGroup(_("Copy %(barcode)s is not in this group.") % {"barcode": barcode})
    return item


@staff_page
@require_http_methods(["GET", "POST"])
def drift_group(request: HttpRequest, group_id: int) -> HttpResponse:
    group = access_drift_group(request.user, group_id)
    if request.method == "POST":
        _group_change(request, group)
        return redirect("web:staff-drift-group", group_id=group.pk)
    found = drift_group_journeys(group)
    language = get_language()
    context = {
        "group": group, "journeys": found.journeys, "language": language,
        "chart": _bar_chart(found.journeys), "plot": _plot(found, language),
        "units": sorted(group.units.all(), key=lambda u: u.path),
    }  # fmt: skip
    return render(request, "web/staff/drift_group.html", context)


def _group_change(request: HttpRequest, group) -> None:
    action = _GROUP_ACTIONS.get(request.POST.get("action", ""))
    value = (request.POST.get("value") or "").strip()
    if action is None or not value:
        messages.error(request, _("Nothing was changed: give a unit code or a barcode."))
        return
    try:
        action(group, value, request.user)
    except DomainError as error:
        show_error(request, error)
    else:
        messages.success(request, _("Saved."))


def _bar_chart(journeys: list[CopyJourney]) -> dict:
    """One row per copy: its barcode, then a bar for each measure, as long as its share of
    the largest of that measure."""
    tops = {name: max([getattr(j, name) for j in journeys], default=0) or 1
            for name, _colour in MEASURES}  # fmt: skip
    rows = []
    for index, journey in enumerate(journeys):
        y = index * ROW
        bars = [_bar(journey, name, colour, tops[name], y + 4 + n * 9)
                for n, (name, colour) in enumerate(MEASURES)]  # fmt: skip
        rows.append({"y": y, "text_y": y + 14, "barcode": journey.item.barcode, "bars": bars})
    return {"rows": rows, "height": max(len(rows), 1) * ROW, "width": WIDTH}


def _bar(journey: CopyJourney, name: str, colour: str, top: float, y: int) -> dict:
    value = getattr(journey, name)
    room = WIDTH - LABEL_W - 44
    shown = f"{value:.0f}" if name == "hands" else f"{value:.1f}"
    width = round(room * value / top, 1)
    return {"x": LABEL_W, "y": y, "width": width, "colour": colour, "value": shown,
            "text_x": LABEL_W + width + 3, "text_y": y + 7}  # fmt: skip


def _plot(found: GroupJourneys, language: str) -> dict:
    """The units the copies touched, placed by longitude (x) and latitude (y) in the box,
    and one line per pair of units, as wide as the moves between them allow."""
    units = list(found.units.values())
    if not units:
        return {"points": [], "lines": [], "width": WIDTH, "height": PLOT_H}
    place = _projection(units)
    points = [{"x": x, "y": y, "label": unit.name(language), "code": unit.code}
              for unit in units for x, y in [place(unit)]]  # fmt: skip
    pairs: dict[tuple[int, int], int] = {}
    for (a, b), count in found.moves.items():
        key = (min(a, b), max(a, b))
        pairs[key] = pairs.get(key, 0) + count
    most = max(pairs.values(), default=1)
    lines = [_line(place(found.units[a]), place(found.units[b]), count, most)
             for (a, b), count in sorted(pairs.items())]  # fmt: skip
    return {"points": points, "lines": lines, "width": WIDTH, "height": PLOT_H}


def _projection(units):
    """Longitude and latitude to the box (north up), one scale for both axes so the
    distances look right; a single place sits in the middle."""
    west, east = min(u.longitude for u in units), max(u.longitude for u in units)
    south, north = min(u.latitude for u in units), max(u.latitude for u in units)
    span = max(east - west, north - south) or 1.0
    scale = min(WIDTH - 2 * PAD, PLOT_H - 2 * PAD) / span
    left = (WIDTH - (east - west) * scale) / 2
    top = (PLOT_H - (north - south) * scale) / 2

    def place(unit) -> tuple[float, float]:
        return (round(left + (unit.longitude - west) * scale, 1),
                round(top + (north - unit.latitude) * scale, 1))  # fmt: skip

    return place


def _line(start, end, count: int, most: int) -> dict:
    return {"x1": start[0], "y1": start[1], "x2": end[0], "y2": end[1], "count": count,
            "width": round(1 + 5 * count / most, 1)}  # fmt: skip
