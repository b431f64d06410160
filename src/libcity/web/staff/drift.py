"""The staff pages of drift groups (漂流, ``/staff/drift/``): the groups with a unit in the
staff member's view of the network, and for each group how far its copies drifted: a bar
chart of hands, kilometres and days outside per copy, and a map-like plot of the group's
units at their coordinates with the moves between them (thicker: more moves). Both are SVG
drawn here on the server: no script, no library to download, readable on a phone."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language

from libcity.catalogue.selectors import access_drift_group, drift_groups_visible
from libcity.sharing.drifting import CopyJourney, GroupJourneys, drift_group_journeys
from libcity.web.staff.views import staff_page

#: The drawing's width in SVG units (it scales to the screen); rows and the plot in these.
WIDTH, ROW, LABEL_W, PLOT_H, PAD = 320, 34, 86, 240, 24
#: The three measures of a copy, each bar scaled to the largest of its kind.
MEASURES = (("hands", "#2f6f4f"), ("km", "#3b6ea5"), ("days_outside", "#b5651d"))


@staff_page
def drift_list(request: HttpRequest) -> HttpResponse:
    groups = drift_groups_visible(request.user).order_by("code")
    return render(request, "web/staff/drift.html",
                  {"groups": groups, "language": get_language()})  # fmt: skip


@staff_page
def drift_group(request: HttpRequest, group_id: int) -> HttpResponse:
    group = access_drift_group(request.user, group_id)
    found = drift_group_journeys(group)
    language = get_language()
    context = {
        "group": group, "journeys": found.journeys, "language": language,
        "chart": _bar_chart(found.journeys), "plot": _plot(found, language),
        "units": sorted(group.units.all(), key=lambda u: u.path),
    }  # fmt: skip
    return render(request, "web/staff/drift_group.html", context)


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
