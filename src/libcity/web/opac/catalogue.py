"""The reader catalogue: a record's page with its copies and the nearest copy on a shelf."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.translation import get_language

from libcity.catalogue import selectors as catalogue
from libcity.core.exceptions import DomainError
from libcity.holds.selectors import record_waiting_counts
from libcity.network import selectors as network
from libcity.readers import selectors as readers
from libcity.search.query import SearchRequest
from libcity.web.opac.facets import chosen_filters, facet_panel
from libcity.web.opac.forms import CatalogueSearchForm, NearCopyForm
from libcity.web.opac.holds import HoldForm
from libcity.web.opac.neighbours import record_neighbours


def search_page(request: HttpRequest) -> HttpResponse:
    form = CatalogueSearchForm(request.GET or None)
    form.is_valid()  # a bad field is shown with its error and left out; the rest still counts
    data = getattr(form, "cleaned_data", {})
    hits = catalogue.records_search(SearchRequest(
        q=data.get("q", ""), sort=data.get("sort") or "relevance",
        available_now=bool(data.get("available_now")), page=data.get("page") or 1,
        year_from=data.get("year_from"), year_to=data.get("year_to"),
        **{key: [data[field]] for key, field in _FILTERS if data.get(field)},
    ))  # fmt: skip
    language = get_language()
    shown = _valid_only(request, data)
    return render(request, "web/catalogue.html", {
        "form": form, "hits": hits, "pages": _pages(hits), "query": _without_page(shown),
        "facets": facet_panel(shown, hits.facets, language),
        "chosen": chosen_filters(shown, language),
        "unit_names": network.unit_names(
            {a.unit_code for places in hits.availability.values() for a in places}, language
        ),
    })  # fmt: skip


_FILTERS = [("districts", "district"), ("units", "unit"), ("clc_top", "clc_top"),
            ("languages", "language"), ("item_types", "item_type")]  # fmt: skip


def _valid_only(request: HttpRequest, data: dict) -> QueryDict:
    """The query string without the parameters the form refused, for the links."""
    query = request.GET.copy()
    for name in list(query):
        if name in CatalogueSearchForm.base_fields and name not in data:
            query.pop(name)
    return query


def _without_page(query: QueryDict) -> str:
    query = query.copy()
    query.pop("page", None)
    return query.urlencode()


def _pages(hits) -> dict:
    last = max(1, -(-hits.count // hits.page_size))
    return {"number": hits.page, "last": last, "previous": hits.page - 1 if hits.page > 1 else None,
            "next": hits.page + 1 if hits.page < last else None}  # fmt: skip


def record_page(request: HttpRequest, record_id: int) -> HttpResponse:
    try:
        record = catalogue.record_get(record_id)
    except DomainError:
        raise Http404(str(record_id)) from None
    near_form = NearCopyForm(request.GET or None, units=_unit_choices())
    return render(request, "web/record.html", {
        "record": record,
        "items": catalogue.record_items(record),
        "availability": catalogue.availability_by_unit([record.pk])[record.pk],
        "near_form": near_form,
        "nearest": _nearest(record, near_form),
        **_hold_context(request, record),
        **record_neighbours(request, record),
    })  # fmt: skip


def _hold_context(request: HttpRequest, record) -> dict:
    """How many readers wait, and the hold form for a signed-in reader (their home library
    chosen first)."""
    reader = readers.reader_of_user(request.user) if request.user.is_authenticated else None
    home = reader.home_unit.code if reader is not None else ""
    return {
        "waiting": record_waiting_counts([record.pk]).get(record.pk, 0),
        "hold_form": HoldForm(initial_unit=home) if reader is not None else None,
    }


def _nearest(record, form: NearCopyForm):
    if not form.is_bound or not form.is_valid():
        return None
    point = form.point()
    if point is None:
        return None
    return catalogue.nearest_available_copies(record, *point)


def _unit_choices():
    language = get_language()
    return [("", "—")] + [(u.code, u.name(language)) for u in network.units_public()]
