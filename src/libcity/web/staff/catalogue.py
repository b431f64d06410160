"""Staff cataloguing: create and edit a record, add copies, mark a copy's status."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from libcity.catalogue import selectors as catalogue
from libcity.catalogue import services
from libcity.catalogue.marc.importing import marc_import
from libcity.core.exceptions import DomainError
from libcity.sharing.drifting import items_journeys
from libcity.staff import policies as perms
from libcity.staff.selectors import access_unit, require_any_scope, units_in_scope
from libcity.web.feedback import show_error
from libcity.web.staff.catalogue_forms import (
    ItemForm,
    ItemStatusForm,
    MarcUploadForm,
    RecordForm,
)
from libcity.web.staff.views import staff_page


@staff_page
@require_http_methods(["GET", "POST"])
def record_new(request: HttpRequest) -> HttpResponse:
    require_any_scope(request.user, perms.CATALOGUE_CHANGE)
    form = RecordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            record = services.record_create(data=form.record_data(), actor=request.user)
        except DomainError as error:
            show_error(request, error, form)
        else:
            messages.success(request, _("Record created."))
            return redirect("web:staff-record", record_id=record.pk)
    return render(request, "web/staff/record_form.html", {"form": form, "record": None})


@staff_page
@require_http_methods(["GET", "POST"])
def record_edit(request: HttpRequest, record_id: int) -> HttpResponse:
    require_any_scope(request.user, perms.CATALOGUE_CHANGE)
    record = catalogue.record_get(record_id)
    form = RecordForm(request.POST) if request.method == "POST" else RecordForm.for_record(record)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_update(record=record, data=form.record_data(), actor=request.user)
        except DomainError as error:
            show_error(request, error, form)
        else:
            messages.success(request, _("Record saved."))
            return redirect("web:staff-record", record_id=record.pk)
    return render(request, "web/staff/record_form.html", {"form": form, "record": record})


@staff_page
@require_http_methods(["GET", "POST"])
def record_manage(request: HttpRequest, record_id: int) -> HttpResponse:
    record = catalogue.record_get(record_id)
    units = [(u.code, u.name(get_language()))
             for u in units_in_scope(request.user, perms.CATALOGUE_CHANGE)]  # fmt: skip
    item_form = ItemForm(request.POST if request.POST.get("action") == "add" else None,
                         units=units)  # fmt: skip
    if request.method == "POST":
        _ITEM_ACTIONS.get(request.POST.get("action"), _unknown)(request, record, item_form)
        if not item_form.errors:
            return redirect("web:staff-record", record_id=record.pk)
    items = list(catalogue.record_items(record))
    travels = items_journeys(items).journeys  # hands, km, days outside: a fixed few queries
    return render(request, "web/staff/record.html", {
        "record": record, "items": items, "travels": dict(zip(items, travels, strict=True)),
        "item_form": item_form, "status_form": ItemStatusForm(), "can_add": bool(units),
    })  # fmt: skip


def _add_item(request, record, form: ItemForm) -> None:
    if not form.is_valid():
        return
    data = form.cleaned_data
    try:
        owner = access_unit(request.user, data["owner"], perms.CATALOGUE_CHANGE)
        services.item_add(record=record, barcode=data["barcode"], owner=owner,
                          call_number=data["call_number"], item_type=data["item_type"],
                          price=data["price"], actor=request.user)  # fmt: skip
    except DomainError as error:
        show_error(request, error, form)
    else:
        messages.success(request, _("Copy %(b)s added.") % {"b": data["barcode"]})


def _mark_item(request, record, _item_form) -> None:
    form = ItemStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a status."))
        return
    try:
        item = catalogue.access_item(request.user, form.cleaned_data["barcode"],
                                     perms.CATALOGUE_CHANGE)  # fmt: skip
        services.item_mark(item=item, status=form.cleaned_data["status"], actor=request.user)
    except DomainError as error:
        show_error(request, error)
    else:
        messages.success(request, _("Saved."))


def _unknown(request, record, _item_form) -> None:
    messages.error(request, _("That request was not understood; nothing was changed."))


_ITEM_ACTIONS = {"add": _add_item, "mark": _mark_item}


@staff_page
@require_http_methods(["GET", "POST"])
def marc_upload(request: HttpRequest) -> HttpResponse:
    language = get_language()
    units = [(u.code, u.name(language))
             for u in units_in_scope(request.user, perms.CATALOGUE_CHANGE)]  # fmt: skip
    require_any_scope(request.user, perms.CATALOGUE_CHANGE)
    form = MarcUploadForm(request.POST or None, request.FILES or None, units=units)
    report = None
    if request.method == "POST" and form.is_valid():
        unit = access_unit(request.user, form.cleaned_data["unit"], perms.CATALOGUE_CHANGE)
        report = marc_import(source=form.cleaned_data["file"].read(), unit=unit,
                             actor=request.user, dry_run=form.cleaned_data["dry_run"])  # fmt: skip
    return render(request, "web/staff/marc_upload.html", {"form": form, "report": report})
