"""The reader's holds: place one from a record's page, see and cancel them on the account,
ask for a new pickup code for a copy waiting in a locker."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from libcity.core.exceptions import DomainError
from libcity.desk.holds import desk_hold_cancel, desk_hold_place
from libcity.holds.selectors import access_locker_hold, pickup_points
from libcity.holds.services import locker_code_renew
from libcity.web.feedback import show_error


class HoldForm(forms.Form):
    pickup_unit = forms.ChoiceField(label=gettext_lazy("Collect at"))
    not_needed_after = forms.DateField(
        label=gettext_lazy("Not needed after"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )  # fmt: skip

    def __init__(self, *args, initial_unit: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        language = get_language()
        self.fields["pickup_unit"].choices = [(u.code, u.name(language)) for u in pickup_points()]
        if initial_unit:
            self.fields["pickup_unit"].initial = initial_unit


@login_required
@require_POST
def hold_place_view(request: HttpRequest, record_id: int) -> HttpResponse:
    form = HoldForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose where to collect the copy."))
        return redirect("web:record", record_id=record_id)
    try:
        hold = desk_hold_place(record_id=record_id, actor=request.user,
                               pickup_code=form.cleaned_data["pickup_unit"],
                               not_needed_after=form.cleaned_data["not_needed_after"])  # fmt: skip
    except DomainError as error:
        show_error(request, error)
        return redirect("web:record", record_id=record_id)
    messages.success(request, _("Hold placed: we will tell you when %(title)s is ready.")
                     % {"title": hold.record.title})  # fmt: skip
    return redirect("web:account")


@login_required
@require_POST
def hold_cancel_view(request: HttpRequest, hold_id: int) -> HttpResponse:
    try:
        hold = desk_hold_cancel(hold_id=hold_id, actor=request.user)
    except DomainError as error:
        show_error(request, error)
    else:
        messages.success(request, _("Hold cancelled: %(title)s.") % {"title": hold.record.title})
    return redirect("web:account")


@login_required
@require_POST
def hold_code_view(request: HttpRequest, hold_id: int) -> HttpResponse:
    """The reader asks for a new pickup code for the copy waiting in a locker slot."""
    try:
        hold = access_locker_hold(request.user, hold_id)
        slot = locker_code_renew(hold=hold, actor=request.user)
    except DomainError as error:
        show_error(request, error)
    else:
        messages.success(request, _("A new pickup code for slot %(n)d is on its way to you; "
                                    "the old one no longer opens it.") % {"n": slot})  # fmt: skip
    return redirect("web:account")
