"""Staff pages: the network tree, a unit's settings, readers. Scope checks via access_*."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from libcity.core.exceptions import DomainError, NotFoundOrNotAllowed
from libcity.desk.services import desk_set_consent
from libcity.network import selectors as network
from libcity.network import services as network_services
from libcity.readers import selectors as readers
from libcity.readers import services as reader_services
from libcity.staff import policies as perms
from libcity.staff.selectors import access_unit, has_permission, is_staff_member, units_in_scope
from libcity.web.feedback import show_error
from libcity.web.staff.forms import (
    BlockForm,
    ClosedDateForm,
    MoveForm,
    ReaderRegistrationForm,
    ReaderSearchForm,
    TimetableForm,
)


def staff_page(view):
    """Signed-in staff only; a scope refusal reads as "not found"."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_staff_member(request.user):
            raise PermissionDenied(_("This page is for library staff."))
        try:
            return view(request, *args, **kwargs)
        except NotFoundOrNotAllowed as error:
            raise Http404(error.message) from None

    return wrapper


@staff_page
def network_tree(request: HttpRequest) -> HttpResponse:
    units = units_in_scope(request.user, perms.NETWORK_VIEW)
    return render(
        request,
        "web/staff/network.html",
        {
            "roots": network.unit_forest(units),
            "count": units.count(),
            "language": get_language(),
        },
    )


@staff_page
@require_http_methods(["GET", "POST"])
def unit_manage(request: HttpRequest, code: str) -> HttpResponse:
    unit = access_unit(request.user, code, perms.NETWORK_VIEW)
    can_change = has_permission(request.user, perms.NETWORK_CHANGE, unit)
    week = network.unit_timetable(unit)
    forms = {
        "move": MoveForm(prefix="move"),
        "timetable": TimetableForm(prefix="tt", initial_week=week),
        "closed": ClosedDateForm(prefix="closed"),
    }
    action = request.POST.get("action")
    if request.method == "POST" and can_change and action in forms:
        done = _UNIT_ACTIONS[action](request, unit, forms)
        if done:
            return redirect("web:staff-unit", code=unit.code)
    elif request.method == "POST":
        raise PermissionDenied(_("You may not change this unit."))
    return render(
        request,
        "web/staff/unit.html",
        {
            "unit": unit,
            "can_change": can_change,
            "forms": forms,
            "ancestors": network.unit_ancestors(unit),
            "closed_dates": network.unit_upcoming_closed_dates(unit),
        },
    )


def _submit(request, forms, key: str, form: Form, act, done: str) -> bool:
    """Validate one of the page's forms and run its service; errors stay on that form."""
    forms[key] = form
    if not form.is_valid():
        return False
    try:
        act(form.cleaned_data)
    except DomainError as error:
        show_error(request, error, form)
        return False
    messages.success(request, done)
    return True


def _move(request, unit, forms) -> bool:
    def act(data):
        parent = access_unit(request.user, data["parent"], perms.NETWORK_CHANGE)
        network_services.unit_move(unit=unit, new_parent=parent, actor=request.user)

    form = MoveForm(request.POST, prefix="move")
    return _submit(request, forms, "move", form, act, _("Moved."))


def _timetable(request, unit, forms) -> bool:
    def act(data):
        network_services.unit_set_timetable(unit=unit, timetable=data["week"], actor=request.user)

    form = TimetableForm(request.POST, prefix="tt")
    return _submit(request, forms, "timetable", form, act, _("Timetable saved."))


def _closed_date(request, unit, forms) -> bool:
    def act(data):
        network_services.unit_add_closed_date(unit=unit, actor=request.user, **data)

    form = ClosedDateForm(request.POST, prefix="closed")
    return _submit(request, forms, "closed", form, act, _("Closed date added."))


_UNIT_ACTIONS = {"move": _move, "timetable": _timetable, "closed": _closed_date}


@staff_page
def reader_list(request: HttpRequest) -> HttpResponse:
    form = ReaderSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    found = readers.readers_in_scope(request.user, perms.READERS_VIEW, query=query)
    page = Paginator(found.select_related("home_unit", "category"), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "web/staff/readers.html", {"form": form, "page": page})


@staff_page
@require_http_methods(["GET", "POST"])
def reader_new(request: HttpRequest) -> HttpResponse:
    language = get_language()
    units = units_in_scope(request.user, perms.READERS_REGISTER)
    form = ReaderRegistrationForm(
        request.POST or None,
        categories=[
            (c.code, c.name_zh if language == "zh-hans" else c.name_en)
            for c in readers.categories()
        ],
        units=[(u.code, u.name(language)) for u in units],
    )
    if request.method == "POST" and form.is_valid():
        reader = _register(request, form)
        if reader is not None:
            messages.success(
                request, _("Registered. Card number %(card)s.") % {"card": reader.card_number}
            )
            return redirect("web:staff-reader", card_number=reader.card_number)
    return render(request, "web/staff/reader_new.html", {"form": form})


def _register(request, form):
    data = form.cleaned_data
    try:
        guardian = None
        if data["guardian_card"]:
            guardian = readers.access_reader(
                request.user, data["guardian_card"], perms.READERS_VIEW
            )
        return reader_services.reader_register(
            name=data["name"],
            resident_id=data["resident_id"],
            category=readers.category_get(data["category"]),
            home_unit=access_unit(request.user, data["home_unit"], perms.READERS_REGISTER),
            actor=request.user,
            phone=data["phone"],
            email=data["email"],
            guardian=guardian,
            deposit_amount=data["deposit_amount"] or 0,
        )
    except DomainError as error:
        show_error(request, error, form)
        return None


@staff_page
@require_http_methods(["GET", "POST"])
def reader_page(request: HttpRequest, card_number: str) -> HttpResponse:
    reader = readers.access_reader(request.user, card_number, perms.READERS_VIEW)
    if request.method == "POST":
        _reader_action(request, reader)
        reader.refresh_from_db()
        return redirect("web:staff-reader", card_number=reader.card_number)
    return render(
        request,
        "web/staff/reader.html",
        {
            "reader": reader,
            "blocks": readers.reader_active_blocks(reader),
            "cards": reader.cards.order_by("-issued_at"),
            "block_form": BlockForm(),
            "history": reader.history.order_by("-at")[:20],
            "desk_units": units_in_scope(request.user, perms.READERS_CHANGE)[:200],
        },
    )


def _block(request, reader) -> None:
    form = BlockForm(request.POST)
    if not form.is_valid():
        raise ValueError(form.errors)
    reader_services.reader_block(reader=reader, actor=request.user, **form.cleaned_data)


def _unblock(request, reader) -> None:
    block = readers.reader_block_get(reader, int(request.POST.get("block") or 0))
    reader_services.reader_unblock(block=block, actor=request.user)


def _replace_card(request, reader) -> None:
    unit = access_unit(request.user, request.POST.get("unit", ""), perms.READERS_CHANGE)
    reader_services.card_replace(reader=reader, unit=unit, actor=request.user)


def _consent(request, reader) -> None:
    agreed = request.POST.get("keeps_reading_history") == "on"
    desk_set_consent(reader=reader, keeps_reading_history=agreed, actor=request.user)


# action -> (the permission it needs on the reader, what it does)
_READER_ACTIONS = {
    "block": (perms.READERS_BLOCK, _block),
    "unblock": (perms.READERS_BLOCK, _unblock),
    "replace_card": (perms.READERS_CHANGE, _replace_card),
    "consent": (perms.READERS_CHANGE, _consent),
}


def _reader_action(request, reader) -> None:
    """Runs one action on an already-accessed reader, re-checking the action's permission."""
    try:
        permission, action = _READER_ACTIONS[request.POST.get("action", "")]
        readers.access_reader(request.user, reader.card_number, permission)
        action(request, reader)
    except DomainError as error:
        show_error(request, error)
    except (KeyError, ValueError):
        messages.error(request, _("That request was not understood; nothing was changed."))
    else:
        messages.success(request, _("Saved."))
