"""The circulation history row of rules and charges (loans have their own, LoanHistory)."""

from __future__ import annotations

from libcity.circulation.models import CirculationHistory
from libcity.staff.selectors import Actor


def circulation_history(action: str, actor: Actor, **details) -> CirculationHistory:
    who = actor if actor is not None and actor.is_authenticated else None
    return CirculationHistory.objects.create(action=action, actor=who, details=details)
