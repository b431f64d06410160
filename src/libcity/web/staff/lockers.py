"""The staff page of lending lockers (``/staff/lockers/``): choose a locker in your scope, see
its slots (what each holds and until when), mark a slot to be emptied as emptied (its copy
goes on to the next hold or home), have a new pickup code sent to a reader, put the copies
of holds waiting for a slot into free slots, and set how many slots the locker has.

For staff who run self-service (``selfservice.manage``). Each action is a POST answered by
a redirect to the same locker; the locker is checked again on every request.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from libcity.core.exceptions import DomainError
from libcity.holds.models import LockerSlot
from libcity.holds.selectors import access_locker, locker_slots, locker_units, locker_waiting
from libcity.holds.services import locker_code_renew, locker_slots_set, locker_waiting_fill
from libcity.logistics.services import locker_slot_empty
from libcity.network.models import Unit
from libcity.staff.policies import SELFSERVICE_MANAGE
from libcity.web.feedback import show_error
from libcity.web.staff.views import staff_page

RUN = (SELFSERVICE_MANAGE,)


@staff_page
@require_http_methods(["GET", "POST"])
def lockers_page(request: HttpRequest) -> HttpResponse:
    lockers = list(locker_units(request.user)[:500])
    if not lockers:
        raise PermissionDenied(_("This page is for staff who run lending lockers."))
    if request.method == "POST":
        code = request.POST.get("unit", "")
        _act(request, access_locker(request.user, code, RUN))
        return redirect(f"{reverse('web:staff-lockers')}?unit={code}")
    code = request.GET.get("unit") or lockers[0].code
    unit = access_locker(request.user, code, RUN)
    return render(request, "web/staff/lockers.html", {
        "lockers": lockers, "unit": unit, "slots": locker_slots(unit),
        "waiting": locker_waiting(unit),
    })  # fmt: skip


def _act(request: HttpRequest, unit: Unit) -> None:
    action = _ACTIONS.get(request.POST.get("action", ""))
    if action is None:
        messages.error(request, _("That request was not understood; nothing was changed."))
        return
    try:
        action(request, unit)
    except DomainError as error:
        show_error(request, error)


def _emptied(request: HttpRequest, unit: Unit) -> None:
    number = request.POST.get("slot", "")
    slot = LockerSlot.objects.filter(unit=unit, number=int(number) if number.isdigit() else 0)
    slot = slot.first()
    if slot is None:
        messages.error(request, _("There is no such slot."))
        return
    sent = locker_slot_empty(slot=slot, actor=request.user)
    text = _("Slot %(n)d is free.") % {"n": slot.number}
    messages.success(request, f"{text} {sent.message}" if sent else text)


def _new_code(request: HttpRequest, unit: Unit) -> None:
    number = request.POST.get("slot", "")
    slot = LockerSlot.objects.filter(unit=unit, number=int(number) if number.isdigit() else 0,
                                     hold__isnull=False).first()  # fmt: skip
    if slot is None:
        messages.error(request, _("There is no such slot."))
        return
    locker_code_renew(hold=slot.hold, actor=request.user)
    messages.success(request, _("A new pickup code for slot %(n)d is on its way to the reader.")
                     % {"n": slot.number})  # fmt: skip


def _fill(request: HttpRequest, unit: Unit) -> None:
    served = locker_waiting_fill(unit=unit, actor=request.user)
    for hold in served:
        messages.success(request, _("Put %(barcode)s (%(title)s) into slot %(n)d.") % {
            "barcode": hold.copy.barcode, "title": hold.record.title,
            "n": hold.locker_slot.number})  # fmt: skip
    if not served:
        messages.info(request, _("No free slot, or no copy waiting for one."))


def _set_slots(request: HttpRequest, unit: Unit) -> None:
    count = request.POST.get("count", "")
    if not count.isdigit():
        messages.error(request, _("Type the number of slots."))
        return
    served = locker_slots_set(unit=unit, count=int(count), actor=request.user)
    messages.success(request, _("The locker now has %(n)s slots.") % {"n": count})
    if served:
        messages.info(request, _("%(n)d waiting copies have slots now: see the list.")
                      % {"n": served})  # fmt: skip


_ACTIONS = {"empty": _emptied, "code": _new_code, "fill": _fill, "slots": _set_slots}
