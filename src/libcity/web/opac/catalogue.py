"""The reader catalogue: a record's page with its copies and the nearest copy on a shelf."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language

from libcity.catalogue import selectors as catalogue
from libcity.core.exceptions import DomainError
from libcity.network import selectors as network
from libcity.web.opac.forms import NearCopyForm


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
    })  # fmt: skip


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
