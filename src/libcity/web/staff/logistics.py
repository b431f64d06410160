"""Staff pages of holds and logistics: the desk unit's hold shelf, pick list and transits
(scan a copy in, pick one, pack and ship), the day's van runs, and the rebalancing plans.

Like the desk, each scan is one field answered by POST/redirect/GET, the answers kept in the
session; every action goes through a ``desk.holds`` flow that checks the person may do it
at that unit.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from libcity.core import clock
from libcity.core.exceptions import DomainError
from libcity.desk.holds import (
    desk_delivery_orders,
    desk_delivery_step,
    desk_pick,
    desk_plan_vans,
    desk_rebalance_decide,
    desk_rebalance_propose,
    desk_receive,
)
from libcity.desk.services import desk_unit
from libcity.holds.selectors import hold_shelf
from libcity.logistics import selectors as logistics
from libcity.logistics.models import RebalancePlan, VanRun
from libcity.logistics.services import Dispatch, transits_pack, transits_ship
from libcity.staff.policies import LOGISTICS_WORK
from libcity.staff.selectors import require_any_scope
from libcity.web.feedback import show_error
from libcity.web.staff.desk import (
    DESK_UNIT,
    _choose_unit,
    _chooser,
    _not_understood,
    session_unit,
)
from libcity.web.staff.views import staff_page

SCANS = "holds_scans"  # the latest answers of the holds screen, newest first
SCANS_KEPT = 20


@staff_page
@require_http_methods(["GET", "POST"])
def holds_page(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        _ACTIONS.get(request.POST.get("action", ""), _not_understood)(request)
        return redirect("web:staff-holds")
    context = {**_chooser(request), "answers": request.session.get(SCANS, [])}
    unit = session_unit(request)
    if unit is not None:
        context.update(_unit_lists(unit))
    return render(request, "web/staff/holds.html", context)


def _unit_lists(unit) -> dict:
    today = clock.today()
    return {
        "unit": unit, "today": today,
        "pick_list": list(logistics.pick_list(unit)),
        "shelf": list(hold_shelf(unit)),
        "to_send": list(logistics.transits_to_send(unit)),
        "coming": list(logistics.transits_to_receive(unit)[:200]),
    }  # fmt: skip


def _scan(request: HttpRequest, flow) -> None:
    barcode = (request.POST.get("barcode") or "").strip()
    if not barcode:
        return
    try:
        answer = flow(item_barcode=barcode, unit_code=request.POST.get("unit", ""),
                      actor=request.user)  # fmt: skip
    except DomainError as error:
        line = {"ok": False, "barcode": barcode, "text": error.message, "code": error.code}
    else:
        line = _answered(barcode, answer)
    line["at"] = clock.local_now().strftime("%H:%M")
    request.session[SCANS] = [line, *request.session.get(SCANS, [])][:SCANS_KEPT]


def _answered(barcode: str, answer: Dispatch) -> dict:
    return {
        "ok": True, "barcode": barcode, "action": answer.action,
        "destination": answer.destination.name(get_language()), "text": answer.message,
        "hold": answer.hold.pk if answer.hold else None,
        "title": answer.item.record.title if answer.item else "",
    }  # fmt: skip


def _receive(request: HttpRequest) -> None:
    _scan(request, desk_receive)


def _pick(request: HttpRequest) -> None:
    _scan(request, desk_pick)


def _pack_or_ship(request: HttpRequest) -> None:
    try:
        unit = desk_unit(request.user, request.POST.get("unit", ""))
    except DomainError as error:
        show_error(request, error)
        return
    waiting = list(logistics.transits_to_send(unit))
    if request.POST.get("action") == "pack":
        done = transits_pack(transits=waiting, actor=request.user)
        messages.success(request, _("%(n)d transits packed.") % {"n": done})
    else:
        done = transits_ship(transits=waiting, actor=request.user)
        messages.success(request, _("%(n)d transits handed to the van.") % {"n": done})


def _clear(request: HttpRequest) -> None:
    request.session.pop(SCANS, None)


_ACTIONS = {"unit": _choose_unit, "receive": _receive, "pick": _pick, "pack": _pack_or_ship,
            "ship": _pack_or_ship, "clear": _clear}  # fmt: skip


# --- van runs --------------------------------------------------------------------------------


@staff_page
@require_http_methods(["GET", "POST"])
def vans_page(request: HttpRequest) -> HttpResponse:
    require_any_scope(request.user, LOGISTICS_WORK)
    day = _day(request.POST.get("day") or request.GET.get("day"))
    if request.method == "POST":
        report = desk_plan_vans(day=day, actor=request.user)
        messages.success(request, report.line())
        return redirect(f"{request.path}?day={day.isoformat()}")
    runs = list(VanRun.objects.filter(day=day).select_related("depot"))
    totals = {"km": round(sum(r.km for r in runs), 1),
              "baseline": round(sum(r.baseline_km for r in runs), 1)}  # fmt: skip
    totals["saved"] = round(totals["baseline"] - totals["km"], 1)
    return render(request, "web/staff/vans.html", {"day": day, "runs": runs, "totals": totals})


def _day(text: str | None) -> dt.date:
    try:
        return dt.date.fromisoformat(text) if text else clock.today()
    except ValueError:
        return clock.today()


# --- rebalancing -------------------------------------------------------------------------------


@staff_page
@require_http_methods(["GET", "POST"])
def rebalance_page(request: HttpRequest) -> HttpResponse:
    require_any_scope(request.user, LOGISTICS_WORK)
    if request.method == "POST":
        plan = desk_rebalance_propose(actor=request.user)
        messages.success(request, _("Plan %(plan)s proposed: %(n)d copies to move.")
                         % {"plan": plan.pk, "n": plan.moves.count()})  # fmt: skip
        return redirect("web:staff-rebalance-plan", plan_id=plan.pk)
    plans = RebalancePlan.objects.all()[:50]
    return render(request, "web/staff/rebalance.html", {"plans": plans})


@staff_page
@require_http_methods(["GET", "POST"])
def rebalance_plan_page(request: HttpRequest, plan_id: int) -> HttpResponse:
    require_any_scope(request.user, LOGISTICS_WORK)
    if request.method == "POST":
        try:
            approve = request.POST.get("action") == "approve"
            plan = desk_rebalance_decide(plan_id=plan_id, actor=request.user, approve=approve)
        except DomainError as error:
            show_error(request, error)
        else:
            messages.success(request, _("Plan %(plan)s: %(status)s.")
                             % {"plan": plan.pk, "status": plan.get_status_display()})  # fmt: skip
        return redirect("web:staff-rebalance-plan", plan_id=plan_id)
    plan = RebalancePlan.objects.filter(pk=plan_id).first()
    if plan is None:
        raise Http404(str(plan_id))
    moves = plan.moves.select_related("item__record", "from_unit", "to_unit", "transit")
    return render(request, "web/staff/rebalance_plan.html", {"plan": plan, "moves": moves})


# --- home delivery -----------------------------------------------------------------------------


@staff_page
@require_http_methods(["GET", "POST"])
def deliveries_page(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        order_id = request.POST.get("order", "")
        try:
            order = desk_delivery_step(
                order_id=int(order_id) if order_id.isdigit() else 0, actor=request.user,
                step=request.POST.get("action", ""),
                tracking_number=request.POST.get("tracking", ""),
            )  # fmt: skip
        except DomainError as error:
            show_error(request, error)
        else:
            messages.success(request, _("Order %(n)s: %(status)s.")
                             % {"n": order.pk, "status": order.get_status_display()})  # fmt: skip
        return redirect("web:staff-deliveries")
    orders = desk_delivery_orders(actor=request.user)
    return render(request, "web/staff/deliveries.html", {"orders": orders})


@staff_page
def transit_slips_page(request: HttpRequest) -> HttpResponse:
    """One slip a transit still to send from the desk's unit, to print and put in the copy."""
    unit = desk_unit(request.user, request.session.get(DESK_UNIT, ""))
    transits = list(logistics.transits_to_send(unit))
    return render(request, "web/staff/transit_slips.html", {"unit": unit, "transits": transits})
