"""Transfer lending (转借) on a phone: the borrower opens one of their loans and shows a code
(and its QR code); the receiver scans it, which opens ``/transfers/<code>/``, or types it at
``/transfers/``, and confirms. Every rule is in ``libcity.sharing.services``: these views
only choose the service, show its answer, and show a refusal in words (nothing changed)."""

from __future__ import annotations

import io

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from libcity.circulation.models import Loan
from libcity.core import clock
from libcity.core.exceptions import DomainError
from libcity.holds.selectors import pickup_points
from libcity.network.models import Unit
from libcity.network.selectors import unit_get
from libcity.readers.models import Reader
from libcity.readers.selectors import reader_of_user
from libcity.selfservice.services.gates import masked_name
from libcity.sharing.models import Transfer, TransferStatus
from libcity.sharing.policies import code_normalise, transfer_policy
from libcity.sharing.selectors import (
    access_own_loan,
    access_own_transfer,
    loans_awaited,
    reader_of_actor,
    transfer_by_code,
    transfer_loan_days,
)
from libcity.sharing.services import (
    transfer_accept,
    transfer_cancel,
    transfer_offer,
    transfer_offer_to_queue,
)
from libcity.web.feedback import show_error

BY_HAND = ""


class PlaceForm(forms.Form):
    """Where the copy changes hands: a library (where holds are collected, not a locker), or
    by hand outside any library."""

    place = forms.ChoiceField(label=gettext_lazy("Where you meet"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        language = get_language()
        units = [(u.code, u.name(language)) for u in pickup_points() if u.kind != "locker"]
        self.fields["place"].choices = [(BY_HAND, _("By hand, outside a library")), *units]

    def place_unit(self) -> Unit | None:
        code = self.cleaned_data.get("place") or BY_HAND
        return unit_get(code) if code != BY_HAND else None


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("The code"), max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters",
                                      "spellcheck": "false"}),
    )  # fmt: skip


# --- the giver --------------------------------------------------------------------------------


def _own_loan(request: HttpRequest, loan_id: int) -> tuple[Reader, Loan]:
    """The signed-in reader and their running loan; anything else reads as "not found"."""
    try:
        reader = reader_of_actor(request.user)
        return reader, access_own_loan(request.user, loan_id=loan_id)
    except DomainError:
        raise Http404("no such loan") from None


@login_required
@require_http_methods(["GET", "POST"])
def offer_page(request: HttpRequest, loan_id: int) -> HttpResponse:
    """Choose where to meet, then see the code (POST). When another reader waits for the
    title the copy may go only to them: the offer is made to them, by a notice."""
    reader, loan = _own_loan(request, loan_id)
    awaited = bool(loans_awaited(reader, [loan]))
    form = PlaceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        make = transfer_offer_to_queue if awaited else transfer_offer
        try:
            transfer = make(loan=loan, actor=request.user, place_unit=form.place_unit())
        except DomainError as error:
            show_error(request, error, form)
        else:
            return _code_page(request, transfer, queued=awaited)
    return render(request, "web/transfer_offer.html", {
        "loan": loan, "form": form, "awaited": awaited, "minutes": transfer_policy().code_minutes,
    })  # fmt: skip


def _code_page(request: HttpRequest, transfer: Transfer, *, queued: bool) -> HttpResponse:
    """The code, shown once (only its hash is kept): big, and as a QR code of the page the
    receiver confirms on."""
    url = request.build_absolute_uri(reverse("web:transfer-accept", args=[transfer.code]))
    left = max(0, int((transfer.expires_at - clock.now()).total_seconds()))
    return render(request, "web/transfer_code.html", {
        "transfer": transfer, "code": transfer.code, "url": url, "qr_svg": qr_svg(url),
        "seconds_left": left, "queued": queued,
    })  # fmt: skip


def qr_svg(url: str) -> str:
    """The URL as an inline SVG QR code (no XML declaration: it sits inside the page)."""
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=6, border=2, xmldecl=False,
                                    svgns=True, nl=False, title=url)  # fmt: skip
    return out.getvalue().decode()


@login_required
@require_POST
def cancel_view(request: HttpRequest) -> HttpResponse:
    """The giver withdraws their code: it opens nothing any more, the loan stays theirs."""
    try:
        transfer = access_own_transfer(request.user, request.POST.get("code", ""))
        transfer = transfer_cancel(transfer=transfer, actor=request.user)
    except DomainError as error:
        show_error(request, error)
    else:
        messages.success(request, _("The code is cancelled: %(title)s stays on your loan.")
                         % {"title": transfer.item.record.title})  # fmt: skip
    return redirect("web:account")


# --- the receiver -----------------------------------------------------------------------------


def enter_page(request: HttpRequest) -> HttpResponse:
    """Type the code when scanning is not possible; it leads to the page the QR code opens."""
    form = CodeForm(request.GET or None)
    if form.is_bound and form.is_valid():
        code = code_normalise(form.cleaned_data["code"])
        if code.isalnum():
            return redirect("web:transfer-accept", code=code)
        form.add_error("code", _("Type the code you were shown."))
    return render(request, "web/transfer_enter.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def accept_page(request: HttpRequest, code: str) -> HttpResponse:
    """What is offered with this code, and "I take this book" (POST). Once taken, the same
    address shows the receiver their new loan and its due date."""
    reader = reader_of_user(request.user)
    try:
        transfer = transfer_by_code(code)
        if request.method == "POST":
            transfer_accept(code=code, actor=request.user)
            return redirect("web:transfer-accept", code=code_normalise(code))
        reader_of_actor(request.user)
    except DomainError as error:
        return _accept_refused(request, code, error, reader)
    return render(request, "web/transfer_accept.html", _accept_context(transfer, reader, code))


def _accept_refused(request: HttpRequest, code: str, error: DomainError,
                    reader: Reader | None) -> HttpResponse:  # fmt: skip
    """The refusal in words; the offer (when there is one) as it stands, unchanged."""
    try:
        context = _accept_context(transfer_by_code(code), reader, code)
    except DomainError:
        context = {"code": code}
    context["error"] = error.message
    return render(request, "web/transfer_accept.html", context, status=error.status)


def _accept_context(transfer: Transfer, reader: Reader | None, code: str) -> dict:
    mine = reader is not None and transfer.receiver_id == reader.pk
    open_ = transfer.status == TransferStatus.OFFERED and transfer.expires_at > clock.now()
    days = transfer_loan_days(transfer, reader) if reader is not None and open_ else None
    return {
        "transfer": transfer, "code": code_normalise(code), "open": open_, "taken": mine,
        "giver": masked_name(transfer.giver.name) if transfer.giver_id else "",
        "loan_days": days, "new_loan": transfer.new_loan if mine else None,
        "minutes_left": max(0, int((transfer.expires_at - clock.now()).total_seconds() // 60)),
    }  # fmt: skip
