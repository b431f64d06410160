"""Reads of the self-service room: terminals in a person's scope, a machine's own terminal,
a sorter's bins and the gates' daily counts."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from libcity.network.models import Unit
from libcity.selfservice.exceptions import TerminalNotFound
from libcity.selfservice.models import SortBin, Terminal, TerminalKind, UnitVisit
from libcity.staff.policies import READERS_REGISTER, SELFSERVICE_MANAGE
from libcity.staff.selectors import Actor, access_unit, scope_filter


def terminals_in_scope(actor: Actor) -> QuerySet[Terminal]:
    """The terminals of the units where ``actor`` manages self-service, by unit and login."""
    terminals = Terminal.objects.filter(scope_filter(actor, SELFSERVICE_MANAGE, unit_field="unit"))
    return terminals.select_related("unit").order_by("unit__path", "login")


def access_terminal(actor: Actor, terminal_id: int) -> Terminal:
    """The terminal if ``actor`` manages self-service at its unit; unknown and out of scope
    read the same."""
    terminal = terminals_in_scope(actor).filter(pk=terminal_id).first()
    if terminal is None:
        raise TerminalNotFound(_("There is no such terminal in your part of the network."))
    return terminal


def terminals_all() -> QuerySet[Terminal]:
    """Every terminal, for the ``libcity terminal list`` command (no actor: the operator)."""
    return Terminal.objects.select_related("unit").order_by("unit__path", "login")


def terminal_last_at(address: str) -> Terminal | None:
    """The active terminal that signed in last from ``address`` (None if none did)."""
    if not address:
        return None
    found = Terminal.objects.select_related("unit", "user").filter(
        last_address=address, is_active=True
    )
    return found.order_by("-last_seen_at", "-pk").first()


def terminal_of_user(user: Actor) -> Terminal | None:
    """The terminal whose machine user ``user`` is (None for a person)."""
    if user is None or not user.is_authenticated:
        return None
    return Terminal.objects.select_related("unit").filter(user=user).first()


def kiosk_unit(actor: Actor, unit_code: str = "") -> Unit:
    """Where a registration at a kiosk happens. A machine stands at its terminal's unit and
    registers there only (a different ``unit_code`` is refused like an unknown unit); a person
    names the unit and must hold the registration permission there."""
    terminal = terminal_of_user(actor)
    code = (unit_code or "").strip().lower()
    if terminal is not None and (not code or code == terminal.unit.code):
        code = terminal.unit.code
    return access_unit(actor, code, READERS_REGISTER)


def sort_bins(terminal: Terminal) -> QuerySet[SortBin]:
    """A sorter's bin rules, the action's general rule before its destinations."""
    return (
        SortBin.objects.filter(terminal=terminal)
        .select_related("destination")
        .order_by("action", "destination__code")
    )


def sort_bin_get(terminal: Terminal, rule_id: int) -> SortBin | None:
    """One of ``terminal``'s bin rules (None: not one of its own)."""
    rules = SortBin.objects.filter(terminal=terminal, pk=rule_id)
    return rules.select_related("terminal__unit").first()


def unit_visits(unit: Unit, since: dt.date, until: dt.date) -> QuerySet[UnitVisit]:
    """The daily entries and refusals at ``unit``'s gates from ``since`` to ``until``
    (both included), by day; a day without a row had no one at the gate."""
    return UnitVisit.objects.filter(unit=unit, day__range=(since, until)).order_by("day")


def gate_counts_on(actor: Actor, day: dt.date) -> list[UnitVisit]:
    """The day's counts at the units of ``actor``'s self-service scope that have a gate or
    counted someone that day (a unit with a gate and no one yet shows zeros)."""
    in_scope = scope_filter(actor, SELFSERVICE_MANAGE)
    counted = {
        visit.unit_id: visit
        for visit in UnitVisit.objects.filter(day=day, unit__in=Unit.objects.filter(in_scope))
        .select_related("unit")
    }  # fmt: skip
    gated = Unit.objects.filter(in_scope, terminals__kind=TerminalKind.GATE).distinct()
    for unit in gated.exclude(pk__in=list(counted)):
        counted[unit.pk] = UnitVisit(unit=unit, day=day, entries=0, refused=0)
    return sorted(counted.values(), key=lambda visit: visit.unit.path)
