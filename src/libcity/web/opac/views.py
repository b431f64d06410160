"""Public pages: home, units, a unit's page, online registration, the reader's account."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from libcity.circulation import selectors as circulation
from libcity.circulation.states import RUNNING
from libcity.core import clock
from libcity.core.exceptions import DomainError
from libcity.desk.services import desk_renew
from libcity.holds.selectors import reader_holds
from libcity.network import selectors as network
from libcity.readers import selectors as readers
from libcity.readers.services import reader_self_register
from libcity.sharing.selectors import loans_awaited
from libcity.web.feedback import show_error
from libcity.web.opac.forms import NearMeForm, SelfRegistrationForm, UnitFilterForm


def home(request: HttpRequest) -> HttpResponse:
    near = NearMeForm(request.GET) if "lat" in request.GET else None
    nearest = []
    if near is not None and near.is_valid():
        nearest = _with_open_flags(
            network.units_nearest(near.cleaned_data["lat"], near.cleaned_data["lng"], limit=8)
        )
    return render(
        request,
        "web/home.html",
        {
            "summary": network.network_summary(),
            "readers": readers.readers_count(),
            "districts": network.units_public(tier="district"),
            "near_form": near,
            "nearest": nearest,
        },
    )


def _with_open_flags(pairs):
    flags = network.units_open_flags([unit for unit, _km in pairs], clock.now())
    return [(unit, km, flags[unit.pk]) for unit, km in pairs]


def unit_list(request: HttpRequest) -> HttpResponse:
    form = UnitFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    units = network.units_public(
        kind=filters.get("kind") or None,
        within=filters.get("within") or None,
        query=filters.get("q", ""),
    )
    page = Paginator(units, 50).get_page(request.GET.get("page"))
    flags = network.units_open_flags(page.object_list, clock.now())
    rows = [(unit, flags[unit.pk]) for unit in page.object_list]
    return render(request, "web/units.html", {"form": form, "page": page, "rows": rows})


def unit_page(request: HttpRequest, code: str) -> HttpResponse:
    try:
        unit = network.unit_get(code)
    except DomainError:
        raise Http404(code) from None
    moment = clock.now()
    return render(
        request,
        "web/unit.html",
        {
            "unit": unit,
            "name": unit.name(get_language()),
            "ancestors": [a for a in network.unit_ancestors(unit) if a.pk != unit.pk],
            "open_now": network.unit_is_open(unit, moment),
            "next_opening": network.unit_next_opening(unit, moment),
            "week": network.unit_week(unit),
            "closed_dates": network.unit_upcoming_closed_dates(unit, clock.today()),
            "children": network.unit_children(unit),
        },
    )


def register(request: HttpRequest) -> HttpResponse:
    choices = [(u.code, u.name(get_language())) for u in network.units_taking_registrations()]
    form = SelfRegistrationForm(request.POST or None, home_choices=choices)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            reader = reader_self_register(
                name=data["name"],
                resident_id=data["resident_id"],
                home_unit=network.unit_get(data["home_unit"]),
                username=data["username"],
                password=data["password"],
                phone=data["phone"],
                email=data["email"],
            )
        except DomainError as error:
            show_error(request, error, form)
        else:
            login(request, reader.user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request, _("Welcome! Your card number is %(card)s.") % {"card": reader.card_number}
            )
            return redirect("web:account")
    return render(request, "web/register.html", {"form": form})


#: The most recent returns the account page lists.
HISTORY_SHOWN = 100


@login_required
@require_http_methods(["GET", "POST"])
def account(request: HttpRequest) -> HttpResponse:
    reader = readers.reader_of_user(request.user)
    if reader is None:
        raise Http404("no reader card")
    if request.method == "POST":
        _renew(request)
        return redirect("web:account")
    loans = list(circulation.reader_loans(reader))
    return render(
        request,
        "web/account.html",
        {
            "reader": reader,
            "blocks": readers.reader_active_blocks(reader),
            "home_name": reader.home_unit.name(get_language()),
            "loans": loans,
            "awaited": loans_awaited(reader, loans),  # passed on only to them
            "running": list(RUNNING),
            "charges": list(circulation.reader_charges(reader)),
            "history": circulation.reader_reading_history(reader)[:HISTORY_SHOWN],
            "holds": reader_holds(reader),
        },
    )


def _renew(request: HttpRequest) -> None:
    """The reader renews one of their loans (``access_loan`` refuses anybody else's)."""
    loan_id = request.POST.get("loan", "")
    if request.POST.get("action") != "renew" or not loan_id.isdigit():
        messages.error(request, _("That request was not understood; nothing was changed."))
        return
    try:
        loan = desk_renew(loan_id=int(loan_id), actor=request.user)
    except DomainError as error:
        show_error(request, error)
    else:
        due = {"title": loan.item.record.title, "due": loan.due_on.isoformat()}
        messages.success(request, _("Renewed: %(title)s is now due back on %(due)s.") % due)
