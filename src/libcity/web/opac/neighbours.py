"""Neighbours' home books (邻里图书馆) on a phone: the pool and its search, adding a book,
one's own books and the requests for them, one's own requests, the hand-over code (and its
QR code) and the return. Every rule is in ``libcity.neighbours.services``; what others see of
a book comes only from ``neighbours.selectors.shared_books`` (never the owner)."""

from __future__ import annotations

import io

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from libcity.core.exceptions import DomainError
from libcity.neighbours import selectors as neighbours
from libcity.neighbours import services
from libcity.neighbours.models import HomeBookUse
from libcity.neighbours.policies import AREA_TIERS
from libcity.network.selectors import units_public
from libcity.readers.selectors import reader_of_user
from libcity.web.feedback import show_error


def _area_choices() -> list[tuple[str, str]]:
    language = get_language()
    return [(u.code, u.name(language)) for u in neighbours.area_units()]


class HomeBookForm(forms.Form):
    isbn = forms.CharField(
        label="ISBN", max_length=20, required=False,
        help_text=gettext_lazy("We look the book up in the catalogue."),
    )  # fmt: skip
    title = forms.CharField(
        label=gettext_lazy("Title"), max_length=500, required=False,
        help_text=gettext_lazy("Only when the catalogue does not know it."),
    )  # fmt: skip
    author = forms.CharField(label=gettext_lazy("Author"), max_length=200, required=False)
    use = forms.ChoiceField(label=gettext_lazy("Neighbours may"), choices=HomeBookUse.choices)
    area = forms.ChoiceField(
        label=gettext_lazy("Area"),
        help_text=gettext_lazy("A district or a library's neighbourhood, never your address."),
    )

    def __init__(self, *args, home: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = _area_choices()
        if home:
            self.fields["area"].initial = home


class AreaForm(forms.Form):
    area = forms.ChoiceField(label=gettext_lazy("Area"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = _area_choices()


def _reader(request: HttpRequest):
    reader = reader_of_user(request.user)
    if reader is None:
        raise Http404("no reader card")
    return reader


# --- the pool ---------------------------------------------------------------------------------


def pool_page(request: HttpRequest) -> HttpResponse:
    """Shared home books, searched by title, author or ISBN, nearest first."""
    viewer = reader_of_user(request.user) if request.user.is_authenticated else None
    query = (request.GET.get("q") or "").strip()[:200]
    books = neighbours.shared_books(viewer=viewer, query=query)
    return render(request, "web/neighbours/pool.html",
                  {"books": books, "query": query, "viewer": viewer})  # fmt: skip


def record_neighbours(request: HttpRequest, record) -> dict:
    """The record page's "Shared by neighbours" section."""
    viewer = reader_of_user(request.user) if request.user.is_authenticated else None
    return {"neighbour_books": neighbours.shared_books(viewer=viewer, record=record)}


@login_required
@require_POST
def ask_view(request: HttpRequest, book_id: int) -> HttpResponse:
    try:
        book = neighbours.askable_home_book(book_id)
        services.home_book_request(book=book, actor=request.user)
    except DomainError as error:
        show_error(request, error)
        return redirect(request.POST.get("back") or reverse("web:neighbours"))
    messages.success(request, _("Asked: the owner will answer, then give you a hand-over "
                                "code when you meet."))  # fmt: skip
    return redirect("web:neighbours-requests")


# --- adding and one's own books ---------------------------------------------------------------


@login_required
def add_page(request: HttpRequest) -> HttpResponse:
    reader = _reader(request)
    home = reader.home_unit.code if reader.home_unit.tier in AREA_TIERS else ""
    form = HomeBookForm(request.POST or None, home=home)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            book = services.home_book_add(owner_actor=request.user, isbn=data["isbn"],
                                          title=data["title"], author=data["author"],
                                          use=data["use"], area_code=data["area"])  # fmt: skip
        except DomainError as error:
            show_error(request, error, form)
        else:
            messages.success(request, _("Added: %(title)s.") % {"title": book.title})
            return redirect("web:neighbours-mine")
    return render(request, "web/neighbours/add.html", {"form": form})


@login_required
def mine_page(request: HttpRequest) -> HttpResponse:
    """The owner's books and what waits for them: requests to answer, codes to show,
    returns to confirm."""
    reader = _reader(request)
    if request.method == "POST":
        _mine_action(request)
        return redirect("web:neighbours-mine")
    language = get_language()
    return render(request, "web/neighbours/mine.html", {
        "books": neighbours.reader_home_books(reader),
        "to_answer": neighbours.requests_to_answer(reader),
        "to_hand": neighbours.loans_to_hand(reader),
        "uses": HomeBookUse.choices,
        "places": [(u.code, u.name(language)) for u in units_public()],
    })  # fmt: skip


def _mine_action(request: HttpRequest) -> None:
    action, key = request.POST.get("action", ""), request.POST.get("id", "")
    if action not in _MINE_ACTIONS or not key.isdigit():
        messages.error(request, _("That request was not understood; nothing was changed."))
        return
    try:
        done = _MINE_ACTIONS[action](request, int(key))
    except DomainError as error:
        show_error(request, error)
    else:
        messages.success(request, done)


def _withdraw(request: HttpRequest, key: int) -> str:
    book = neighbours.access_own_home_book(request.user, key)
    services.home_book_withdraw(book=book, actor=request.user)
    return _("Withdrawn: %(title)s.") % {"title": book.title}


def _set_use(request: HttpRequest, key: int) -> str:
    book = neighbours.access_own_home_book(request.user, key)
    book = services.home_book_set_use(book=book, use=request.POST.get("use", ""),
                                      actor=request.user)  # fmt: skip
    return _("%(title)s: %(use)s.") % {"title": book.title, "use": book.get_use_display()}


def _accept(request: HttpRequest, key: int) -> str:
    loan = neighbours.access_home_book_loan(request.user, key)
    code = request.POST.get("place", "").strip()
    place = next((u for u in units_public() if u.code == code), None) if code else None
    services.home_book_accept(loan=loan, actor=request.user, place_unit=place)
    return _("Accepted. When you meet, show the hand-over code.")


def _decline(request: HttpRequest, key: int) -> str:
    loan = neighbours.access_home_book_loan(request.user, key)
    services.home_book_decline(loan=loan, actor=request.user)
    return _("Declined.")


_MINE_ACTIONS = {"withdraw": _withdraw, "use": _set_use, "accept": _accept, "decline": _decline}


@login_required
@require_POST
def code_view(request: HttpRequest, loan_id: int) -> HttpResponse:
    """A fresh hand-over code for an accepted loan, big and as a QR code (shown once)."""
    try:
        loan = neighbours.access_home_book_loan(request.user, loan_id)
        loan = services.home_book_code_issue(loan=loan, actor=request.user)
    except DomainError as error:
        show_error(request, error)
        return redirect("web:neighbours-mine")
    url = request.build_absolute_uri(reverse("web:neighbours-confirm", args=[loan.code]))
    return render(request, "web/neighbours/code.html",
                  {"loan": loan, "code": loan.code, "qr_svg": _qr_svg(url)})  # fmt: skip


def _qr_svg(url: str) -> str:
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=4, xmldecl=False, nl=False)
    return out.getvalue().decode()


@login_required
def return_page(request: HttpRequest, loan_id: int) -> HttpResponse:
    """The lender confirms they have the book back."""
    try:
        loan = neighbours.access_home_book_loan(request.user, loan_id)
    except DomainError as error:
        show_error(request, error)
        return redirect("web:neighbours-mine")
    if request.method == "POST":
        try:
            services.home_book_return(loan=loan, actor=request.user)
        except DomainError as error:
            show_error(request, error)
        else:
            messages.success(request, _("Back with you: %(title)s is shared again.")
                             % {"title": loan.book.title})  # fmt: skip
            return redirect("web:neighbours-mine")
    return render(request, "web/neighbours/return.html", {"loan": loan})


# --- one's own requests -----------------------------------------------------------------------


@login_required
def requests_page(request: HttpRequest) -> HttpResponse:
    reader = _reader(request)
    if request.method == "POST":
        _request_action(request)
        return redirect("web:neighbours-requests")
    loans = [(loan, neighbours.approximate_km(reader, loan.book.area))
             for loan in neighbours.reader_requests(reader)]  # fmt: skip
    return render(request, "web/neighbours/requests.html",
                  {"loans": loans, "area_form": AreaForm()})  # fmt: skip


def _request_action(request: HttpRequest) -> None:
    action, key = request.POST.get("action", ""), request.POST.get("id", "")
    try:
        if action == "code":
            loan = services.home_book_hand_over(code=request.POST.get("code", ""),
                                                actor=request.user)  # fmt: skip
            messages.success(request, _handed_over_message(loan))
        elif action in ("cancel", "pass_on") and key.isdigit():
            loan = neighbours.access_home_book_loan(request.user, int(key))
            if action == "cancel":
                services.home_book_cancel(loan=loan, actor=request.user)
                messages.success(request, _("Request cancelled."))
            else:
                services.home_book_pass_on(loan=loan, actor=request.user,
                                           area_code=request.POST.get("area", ""))  # fmt: skip
                messages.success(request, _("Thank you: the book waits with you for the next "
                                            "neighbour."))  # fmt: skip
        else:
            messages.error(request, _("That request was not understood; nothing was changed."))
    except DomainError as error:
        show_error(request, error)


def _handed_over_message(loan) -> str:
    if loan.due_on is None:
        return _("It is yours now: %(title)s is in your home books.") % {"title": loan.book.title}
    return _("Enjoy %(title)s; please give it back by %(due)s.") % {
        "title": loan.book.title, "due": loan.due_on.isoformat()}  # fmt: skip


@login_required
def confirm_page(request: HttpRequest, code: str) -> HttpResponse:
    """Where the QR code leads: the borrower confirms they have the book."""
    _reader(request)
    if request.method == "POST":
        try:
            loan = services.home_book_hand_over(code=code, actor=request.user)
        except DomainError as error:
            show_error(request, error)
        else:
            messages.success(request, _handed_over_message(loan))
            return redirect("web:neighbours-requests")
    return render(request, "web/neighbours/confirm.html", {"code": code})


urlpatterns = [
    path("", pool_page, name="neighbours"),
    path("add/", add_page, name="neighbours-add"),
    path("mine/", mine_page, name="neighbours-mine"),
    path("requests/", requests_page, name="neighbours-requests"),
    path("books/<int:book_id>/ask/", ask_view, name="neighbours-ask"),
    path("loans/<int:loan_id>/code/", code_view, name="neighbours-code"),
    path("loans/<int:loan_id>/return/", return_page, name="neighbours-return"),
    path("code/<str:code>/", confirm_page, name="neighbours-confirm"),
]
