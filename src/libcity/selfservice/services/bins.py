"""A sorter's bins: which bin a returned copy drops into, from the return flow's answer."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from libcity.network.models import Unit
from libcity.selfservice.exceptions import InvalidTerminalInput
from libcity.selfservice.models import SortBin, Terminal, TerminalKind
from libcity.staff.policies import SELFSERVICE_MANAGE
from libcity.staff.selectors import Actor, require_permission

#: The return flow's answers (``logistics.services.Dispatch.action``), named here so the
#: settings can be checked without importing logistics.
ACTIONS = ("shelve", "hold_shelf", "transit")
_BIN_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def sort_bin_set(*, terminal: Terminal, action: str, bin: str, actor: Actor,
                 destination: Unit | None = None) -> SortBin:  # fmt: skip
    """Copies the return flow sends ``action`` (to ``destination``, for a transit; None:
    any) drop into ``bin``."""
    if actor is not None:
        require_permission(actor, SELFSERVICE_MANAGE, terminal.unit)
    if terminal.kind != TerminalKind.SORTER:
        raise InvalidTerminalInput(_("Only a return sorter has bins."))
    if action not in ACTIONS:
        raise InvalidTerminalInput(_("Unknown route: %(action)s") % {"action": action})
    if destination is not None and action != "transit":
        raise InvalidTerminalInput(_("Only a transit has a destination."))
    bin = (bin or "").strip()
    if not is_bin(bin):
        raise InvalidTerminalInput(_("A bin is 1 to 10 letters, digits, - or _."))
    with transaction.atomic():
        rule, _created = SortBin.objects.update_or_create(
            terminal=terminal, action=action, destination=destination, defaults={"bin": bin}
        )
    return rule


def is_bin(text: str) -> bool:
    """1 to 10 letters, digits, - or _ (what a sorter's display and its bins carry)."""
    return 0 < len(text) <= 10 and set(text) <= _BIN_CHARS


def sort_bin_delete(*, rule: SortBin, actor: Actor) -> None:
    if actor is not None:
        require_permission(actor, SELFSERVICE_MANAGE, rule.terminal.unit)
    rule.delete()


def sort_bin_for(terminal: Terminal, action: str, destination_id: int | None) -> str:
    """The bin for this route: the rule for the action and destination, else the action's,
    else the terminal's default bin ("" when none is set)."""
    rules = {
        (rule.action, rule.destination_id): rule.bin
        for rule in SortBin.objects.filter(terminal=terminal, action=action)
    }
    return (
        rules.get((action, destination_id)) or rules.get((action, None)) or (terminal.default_bin)
    )
