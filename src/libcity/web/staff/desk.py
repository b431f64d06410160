"""The staff desk (lend to the reader at the counter, renew) and the returns screen.

A scanner types a barcode and presses Enter: each form is one field with autofocus, answered
by POST/redirect/GET with the answer above the field, which is focused again for the next
scan. The desk's unit is remembered in the session; each form also carries the unit (and at
the desk the card) it was shown for, so a second tab that changed the session cannot make a
scan lend somewhere else or to someone else. The desk services check every scan.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from libcity.circulation.models import ChargeStatus
from libcity.circulation.states import RUNNING
from libcity.core import clock
from libcity.core.exceptions import DomainError
from libcity.desk.selectors import desk_reader, desk_units
from libcity.desk.services import (
    ReturnAnswer,
    desk_checkout,
    desk_claim_returned,
    desk_declare_lost,
    desk_renew,
    desk_return,
    desk_settle_charge,
    desk_unit,
)
from libcity.web.feedback import show_error
from libcity.web.staff.views import staff_page

DESK_UNIT = "desk_unit"  # the unit code the desk works at
DESK_CARD = "desk_card"  # the card of the reader at the counter
DESK_ANSWER = "desk_answer"  # the answer to the last scan at the desk
RETURNS = "desk_returns"  # the returns screen's latest answers, newest first
RETURNS_KEPT = 20
#: Above this many units in scope the desk's unit is typed as a code instead of chosen.
CHOOSER_MAX = 200


# --- the desk -----------------------------------------------------------------------------------


@staff_page
@require_http_methods(["GET", "POST"])
def desk_page(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        _DESK_ACTIONS.get(request.POST.get("action", ""), _not_understood)(request)
        return redirect("web:staff-desk")
    context = {**_chooser(request), "answer": request.session.pop(DESK_ANSWER, None)}
    context.update(_at_the_desk(request))
    context["running"] = list(RUNNING)
    context["settle_choices"] = [(ChargeStatus.PAID, _("Paid")), (ChargeStatus.WAIVED, _("Waive"))]
    return render(request, "web/staff/desk.html", context)


def _at_the_desk(request: HttpRequest) -> dict:
    """The reader at the counter (or only the desk's unit), checked again on every view."""
    code, card = request.session.get(DESK_UNIT, ""), request.session.get(DESK_CARD, "")
    if not code:
        return {}
    try:
        if card:
            seen = desk_reader(card_number=card, unit_code=code, actor=request.user)
            return {"unit": seen.unit, "seen": seen}
        return {"unit": desk_unit(request.user, code)}
    except DomainError as error:
        request.session.pop(DESK_CARD, None)
        request.session.pop(DESK_UNIT, None)
        return {"answer": _refusal(error)}


def _scan_card(request: HttpRequest) -> None:
    card = (request.POST.get("card") or "").strip()
    try:
        seen = desk_reader(card_number=card, unit_code=request.POST.get("unit", ""),
                           actor=request.user)  # fmt: skip
    except DomainError as error:
        _answer(request, _refusal(error))
    else:
        request.session[DESK_CARD] = seen.reader.card_number


def _checkout(request: HttpRequest) -> None:
    barcode = (request.POST.get("barcode") or "").strip()
    if not barcode:
        _answer(request, {"ok": False, "text": _("Scan or type a copy's barcode.")})
        return
    try:
        loan = desk_checkout(
            item_barcode=barcode, card_number=request.POST.get("card", ""),
            unit_code=request.POST.get("unit", ""), actor=request.user,
        )  # fmt: skip
    except DomainError as error:
        _answer(request, _refusal(error, barcode))
        return
    text = _("Lent: %(title)s (%(barcode)s), due back on %(due)s.") % {
        "title": loan.item.record.title, "barcode": loan.item.barcode,
        "due": loan.due_on.isoformat()}  # fmt: skip
    _answer(request, {"ok": True, "text": text})


def _renew(request: HttpRequest) -> None:
    loan_id = request.POST.get("loan", "")
    if not loan_id.isdigit():
        _not_understood(request)
        return
    try:
        loan = desk_renew(loan_id=int(loan_id), actor=request.user,
                          unit_code=request.POST.get("unit", ""))  # fmt: skip
    except DomainError as error:
        _answer(request, _refusal(error))
    else:
        _answer(request, {"ok": True, "text": _renewed(loan)})


def _renewed(loan) -> str:
    return _("Renewed: %(title)s (%(barcode)s) is now due back on %(due)s.") % {
        "title": loan.item.record.title, "barcode": loan.item.barcode,
        "due": loan.due_on.isoformat()}  # fmt: skip


def _lost(request: HttpRequest) -> None:
    _loan_step(
        request,
        desk_declare_lost,
        _("Declared lost: %(title)s (%(barcode)s); the copy's price is charged for its library."),
    )


def _claimed(request: HttpRequest) -> None:
    _loan_step(
        request,
        desk_claim_returned,
        _("Noted as claimed returned: %(title)s (%(barcode)s) is missing until it turns up."),
    )


def _loan_step(request: HttpRequest, step, words: str) -> None:
    """A loss or a claimed return, on the loan the button was shown for."""
    loan_id = request.POST.get("loan", "")
    if not loan_id.isdigit():
        _not_understood(request)
        return
    try:
        loan = step(loan_id=int(loan_id), unit_code=request.POST.get("unit", ""),
                    actor=request.user)  # fmt: skip
    except DomainError as error:
        _answer(request, _refusal(error))
    else:
        _answer(
            request,
            {
                "ok": True,
                "text": words % {"title": loan.item.record.title, "barcode": loan.item.barcode},
            },
        )


def _settle(request: HttpRequest) -> None:
    charge_id = request.POST.get("charge", "")
    if not charge_id.isdigit():
        _not_understood(request)
        return
    try:
        charge = desk_settle_charge(
            charge_id=int(charge_id),
            status=request.POST.get("status", ""),
            unit_code=request.POST.get("unit", ""),
            actor=request.user,
        )
    except DomainError as error:
        _answer(request, _refusal(error))
    else:
        _answer(
            request,
            {
                "ok": True,
                "text": _("Charge of %(amount)s yuan: %(status)s.")
                % {"amount": charge.amount, "status": charge.get_status_display()},
            },
        )


def _next_reader(request: HttpRequest) -> None:
    request.session.pop(DESK_CARD, None)


def _answer(request: HttpRequest, answer: dict) -> None:
    request.session[DESK_ANSWER] = answer


def _refusal(error: DomainError, barcode: str = "") -> dict:
    return {"ok": False, "text": error.message, "code": error.code, "barcode": barcode}


# --- the returns screen ---------------------------------------------------------------------------


@staff_page
@require_http_methods(["GET", "POST"])
def returns_page(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        _RETURNS_ACTIONS.get(request.POST.get("action", ""), _not_understood)(request)
        return redirect("web:staff-returns")
    context = {**_chooser(request), "answers": request.session.get(RETURNS, [])}
    context["unit"] = session_unit(request)
    return render(request, "web/staff/returns.html", context)


def session_unit(request: HttpRequest):
    """The desk's unit from the session, checked again (None when none is chosen, or when
    the person may no longer work there: the choice is then forgotten, and why is shown)."""
    code = request.session.get(DESK_UNIT, "")
    if not code:
        return None
    try:
        return desk_unit(request.user, code)
    except DomainError as error:
        request.session.pop(DESK_UNIT, None)
        show_error(request, error)
        return None


def _return(request: HttpRequest) -> None:
    barcode = (request.POST.get("barcode") or "").strip()
    if not barcode:
        return
    try:
        checkin = desk_return(item_barcode=barcode, unit_code=request.POST.get("unit", ""),
                              actor=request.user)  # fmt: skip
    except DomainError as error:
        line = {"ok": False, "barcode": barcode, "text": error.message, "code": error.code}
    else:
        line = _returned(checkin)
    line["at"] = clock.local_now().strftime("%H:%M")
    request.session[RETURNS] = [line, *request.session.get(RETURNS, [])][:RETURNS_KEPT]


def _returned(checkin: ReturnAnswer) -> dict:
    """A return's answer as the screen keeps it (plain values: it lives in the session)."""
    route, language = checkin.route, get_language()
    return {
        "ok": True, "barcode": checkin.item.barcode, "title": checkin.item.record.title,
        "shelve": route.stays, "action": route.action,
        "destination": route.destination.name(language),
        "reason": route.reason, "text": route.message, "was_on_loan": checkin.loan is not None,
        "days_late": checkin.days_late, "fine": str(checkin.fine),
        "credit_change": f"{checkin.credit_change:+d}",
    }  # fmt: skip


def _clear_returns(request: HttpRequest) -> None:
    request.session.pop(RETURNS, None)


# --- shared -------------------------------------------------------------------------------------


def _chooser(request: HttpRequest) -> dict:
    """The units this person may work a desk at; with only one, it is chosen already."""
    units = list(desk_units(request.user)[: CHOOSER_MAX + 1])
    if not units:
        raise PermissionDenied(_("The desk is for staff who lend."))
    if len(units) == 1 and not request.session.get(DESK_UNIT):
        request.session[DESK_UNIT] = units[0].code
    return {"units": units if len(units) <= CHOOSER_MAX else None}


def _choose_unit(request: HttpRequest) -> None:
    try:
        unit = desk_unit(request.user, request.POST.get("unit", ""))
    except DomainError as error:
        show_error(request, error)
    else:
        request.session[DESK_UNIT] = unit.code
        messages.success(request, _("This desk now works at %(unit)s.")
                         % {"unit": unit.name(get_language())})  # fmt: skip


def _not_understood(request: HttpRequest) -> None:
    messages.error(request, _("That request was not understood; nothing was changed."))


_DESK_ACTIONS = {"unit": _choose_unit, "card": _scan_card, "checkout": _checkout,
                 "renew": _renew, "lost": _lost, "claimed": _claimed, "settle": _settle,
                 "next": _next_reader}  # fmt: skip
_RETURNS_ACTIONS = {"unit": _choose_unit, "return": _return, "clear": _clear_returns}
