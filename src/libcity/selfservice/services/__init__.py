"""Writes of the self-service room."""

from libcity.selfservice.services.bins import sort_bin_delete, sort_bin_for, sort_bin_set
from libcity.selfservice.services.gates import GateAnswer, gate_entry, unit_visit_count
from libcity.selfservice.services.kiosk import kiosk_reader_register
from libcity.selfservice.services.terminals import (
    TERMINAL_SECRET_PREFIX,
    terminal_authenticate,
    terminal_create,
    terminal_secret_renew,
    terminal_seen,
    terminal_update,
)

__all__ = [
    "TERMINAL_SECRET_PREFIX",
    "GateAnswer",
    "gate_entry",
    "kiosk_reader_register",
    "sort_bin_delete",
    "sort_bin_for",
    "sort_bin_set",
    "terminal_authenticate",
    "terminal_create",
    "terminal_secret_renew",
    "terminal_seen",
    "terminal_update",
    "unit_visit_count",
]
