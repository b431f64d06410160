"""The catalogue page's "narrow down" panel: each facet with words a reader understands (unit
names, class names, language names, year ranges) and the link that applies or removes it."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from libcity.catalogue.labels import clc_top_name, language_name
from libcity.catalogue.models import ItemType
from libcity.network.selectors import unit_names

TITLES = {
    "available_now": gettext_lazy("Availability"),
    "district": gettext_lazy("District"),
    "unit": gettext_lazy("Library"),
    "clc_top": gettext_lazy("Class"),
    "decade": gettext_lazy("Published"),
    "language": gettext_lazy("Language"),
    "item_type": gettext_lazy("Type of copy"),
}
#: The query parameter each facet sets (the decade sets two: year_from and year_to).
PARAMS = {"district": "district", "unit": "unit", "clc_top": "clc_top",
          "language": "language", "item_type": "item_type"}  # fmt: skip


@dataclass(frozen=True)
class FacetLink:
    label: str
    count: int
    url: str


@dataclass(frozen=True)
class Facet:
    name: str
    title: str
    links: list[FacetLink]


@dataclass(frozen=True)
class ChosenFilter:
    label: str
    remove_url: str


class Labeller:
    """Names for the codes of one page of facets and filters: unit names with one query."""

    def __init__(self, codes: set[str], language: str) -> None:
        self.language = language
        self.units = unit_names(codes, language)
        self.item_types = dict(ItemType.choices)

    def label(self, facet: str, value: str) -> str:
        if facet in ("district", "unit"):
            return self.units.get(value, value)
        if facet == "clc_top":
            return clc_top_name(value)
        if facet == "language":
            return language_name(value, self.language)
        if facet == "item_type":
            return str(self.item_types.get(value, value))
        if facet == "decade":
            return f"{value}–{int(value) + 9}"
        if facet == "available_now":
            return _("On a shelf now")
        return value


def facet_panel(query: QueryDict, facets: dict, language: str) -> list[Facet]:
    """The facets worth showing, in the panel's order, each value with its filtering link.
    Facets the query already narrows to one value are left out (the chip says it)."""
    labeller = Labeller(_unit_codes(query, facets), language)
    panel = []
    for name, title in TITLES.items():
        values = [(v, n) for v, n in facets.get(name, []) if _worth_a_link(name, v)]
        if not values or _already_chosen(query, name):
            continue
        links = [FacetLink(labeller.label(name, v), n, _with(query, name, v)) for v, n in values]
        panel.append(Facet(name, str(title), links))
    return panel


def chosen_filters(query: QueryDict, language: str) -> list[ChosenFilter]:
    """The filters in force, each with the link that drops it."""
    labeller = Labeller(_unit_codes(query, {}), language)
    chosen = []
    for name, param in PARAMS.items():
        if query.get(param):
            label = f"{TITLES[name]}: {labeller.label(name, query[param])}"
            chosen.append(ChosenFilter(label, _without(query, param)))
    if query.get("year_from") or query.get("year_to"):
        years = f"{query.get('year_from', '')}–{query.get('year_to', '')}"
        chosen.append(ChosenFilter(f"{TITLES['decade']}: {years}",
                                   _without(query, "year_from", "year_to")))  # fmt: skip
    if query.get("available_now"):
        chosen.append(ChosenFilter(_("On a shelf now"), _without(query, "available_now")))
    return chosen


def _unit_codes(query: QueryDict, facets: dict) -> set[str]:
    codes = {v for name in ("district", "unit") for v, _n in facets.get(name, [])}
    return codes | {query[p] for p in ("district", "unit") if query.get(p)}


def _worth_a_link(name: str, value: str) -> bool:
    return name != "available_now" or value == "true"


def _already_chosen(query: QueryDict, name: str) -> bool:
    if name == "decade":
        return bool(query.get("year_from") or query.get("year_to"))
    if name == "available_now":
        return bool(query.get("available_now"))
    return bool(query.get(PARAMS.get(name, "")))


def _with(query: QueryDict, name: str, value: str) -> str:
    changed = query.copy()
    changed.pop("page", None)
    if name == "decade":
        changed["year_from"], changed["year_to"] = value, str(int(value) + 9)
    elif name == "available_now":
        changed["available_now"] = "on"
    else:
        changed[PARAMS[name]] = value
    return "?" + changed.urlencode()


def _without(query: QueryDict, *params: str) -> str:
    changed = query.copy()
    for param in (*params, "page"):
        changed.pop(param, None)
    return "?" + changed.urlencode()
