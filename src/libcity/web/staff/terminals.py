"""Staff pages of the self-service machines: the terminals of the units in the person's
scope, a new terminal (its secret shown once), a terminal's settings, deactivation, a new
secret, a sorter's bins, and today's counts at the gates.

A secret is shown in the answer to the POST that made it and never stored in the session,
so it is on screen once and nowhere else. Every change goes through a self-service service
that checks the person manages self-service at the terminal's unit.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from libcity.core import clock
from libcity.core.exceptions import DomainError
from libcity.network.selectors import unit_get
from libcity.selfservice.models import SortBin, Terminal, TerminalKind
from libcity.selfservice.selectors import (
    access_terminal,
    gate_counts_on,
    sort_bin_get,
    sort_bins,
    terminals_in_scope,
)
from libcity.selfservice.services import (
    sort_bin_delete,
    sort_bin_set,
    terminal_create,
    terminal_secret_renew,
    terminal_update,
)
from libcity.staff.policies import SELFSERVICE_MANAGE
from libcity.staff.selectors import access_unit, require_any_scope
from libcity.web.feedback import show_error
from libcity.web.staff.desk import DESK_UNIT
from libcity.web.staff.terminal_forms import (
    BIN_ACTIONS,
    SortBinForm,
    TerminalCreateForm,
    TerminalSettingsForm,
)
from libcity.web.staff.views import staff_page


@staff_page
@require_http_methods(["GET", "POST"])
def terminal_list(request: HttpRequest) -> HttpResponse:
    require_any_scope(request.user, SELFSERVICE_MANAGE)
    if request.method != "POST":
        form = TerminalCreateForm(initial={"unit": request.session.get(DESK_UNIT, "")})
        return _list_page(request, form)
    form = TerminalCreateForm(request.POST)
    made = _created(request, form)
    if made is None:
        return _list_page(request, form)
    terminal, secret = made
    messages.success(request, _("Terminal %(login)s created.") % {"login": terminal.login})
    return _terminal_page(request, terminal, secret=secret)


def _list_page(request: HttpRequest, form: TerminalCreateForm) -> HttpResponse:
    today = clock.today()
    return render(request, "web/staff/terminals.html", {
        "terminals": list(terminals_in_scope(request.user)), "form": form, "today": today,
        "visits": gate_counts_on(request.user, today),
    })  # fmt: skip


def _created(request: HttpRequest, form: TerminalCreateForm) -> tuple[Terminal, str] | None:
    if not form.is_valid():
        return None
    try:
        unit = access_unit(request.user, form.cleaned_data["unit"].strip().lower(),
                           SELFSERVICE_MANAGE)  # fmt: skip
        return terminal_create(login=form.cleaned_data["login"], unit=unit, actor=request.user,
                               **form.settings())  # fmt: skip
    except DomainError as error:
        form.show_error(error)
        return None


@staff_page
@require_http_methods(["GET", "POST"])
def terminal_manage(request: HttpRequest, terminal_id: int) -> HttpResponse:
    terminal = access_terminal(request.user, terminal_id)
    if request.method != "POST":
        return _terminal_page(request, terminal)
    action = request.POST.get("action", "")
    if action == "save":
        return _save(request, terminal)
    if action == "renew":
        return _renew(request, terminal)
    _ACTIONS.get(action, _not_understood)(request, terminal)
    return redirect("web:staff-terminal", terminal_id=terminal.pk)


def _terminal_page(request: HttpRequest, terminal: Terminal, *, secret: str = "",
                   form: TerminalSettingsForm | None = None,
                   bin_form: SortBinForm | None = None) -> HttpResponse:  # fmt: skip
    is_sorter = terminal.kind == TerminalKind.SORTER
    return render(request, "web/staff/terminal.html", {
        "terminal": terminal, "secret": secret,
        "form": form or TerminalSettingsForm.for_terminal(terminal),
        "is_sorter": is_sorter, "bins": [_bin_row(b) for b in sort_bins(terminal)],
        "bin_form": bin_form or SortBinForm(),
    })  # fmt: skip


def _bin_row(rule: SortBin) -> dict:
    return {"rule": rule, "action": BIN_ACTIONS.get(rule.action, rule.action)}


def _save(request: HttpRequest, terminal: Terminal) -> HttpResponse:
    form = TerminalSettingsForm(request.POST)
    if form.is_valid():
        try:
            terminal_update(terminal=terminal, actor=request.user, **form.settings())
        except DomainError as error:
            form.show_error(error)
        else:
            messages.success(request, _("Settings saved: the terminal reads them at its next "
                                        "sign-in."))  # fmt: skip
            return redirect("web:staff-terminal", terminal_id=terminal.pk)
    terminal.refresh_from_db()
    return _terminal_page(request, terminal, form=form)


def _renew(request: HttpRequest, terminal: Terminal) -> HttpResponse:
    try:
        secret = terminal_secret_renew(terminal=terminal, actor=request.user)
    except DomainError as error:
        show_error(request, error)
        return redirect("web:staff-terminal", terminal_id=terminal.pk)
    messages.success(request, _("A new secret: the old one no longer works."))
    return _terminal_page(request, terminal, secret=secret)


def _set_active(request: HttpRequest, terminal: Terminal) -> None:
    active = request.POST.get("action") == "activate"
    try:
        terminal_update(terminal=terminal, actor=request.user, is_active=active)
    except DomainError as error:
        show_error(request, error)
        return
    done = (
        _("Terminal %(login)s is active.")
        if active
        else _("Terminal %(login)s is deactivated: it can no longer sign in.")
    )
    messages.success(request, done % {"login": terminal.login})


def _bin_set(request: HttpRequest, terminal: Terminal) -> None:
    form = SortBinForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a route and a bin."))
        return
    data = form.cleaned_data
    try:
        code = data["destination"].strip()
        sort_bin_set(terminal=terminal, action=data["route"], bin=data["bin"],
                     destination=unit_get(code) if code else None,
                     actor=request.user)  # fmt: skip
    except DomainError as error:
        show_error(request, error)
        return
    messages.success(request, _("Bin rule saved."))


def _bin_delete(request: HttpRequest, terminal: Terminal) -> None:
    rule_id = request.POST.get("rule", "")
    found = sort_bin_get(terminal, int(rule_id) if rule_id.isdigit() else 0)
    if found is None:
        messages.error(request, _("There is no such bin rule."))
        return
    try:
        sort_bin_delete(rule=found, actor=request.user)
    except DomainError as error:
        show_error(request, error)
        return
    messages.success(request, _("Bin rule removed."))


def _not_understood(request: HttpRequest, terminal: Terminal) -> None:
    messages.error(request, _("That request was not understood; nothing was changed."))


_ACTIONS = {"activate": _set_active, "deactivate": _set_active, "bin_set": _bin_set,
            "bin_delete": _bin_delete}  # fmt: skip
