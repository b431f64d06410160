"""Writes of circulation: loans, charges, rules and the daily work. ``actor=None`` is the
system (the worker, the demo loader)."""

from libcity.circulation.services.charges import charge_damage, charge_fee, charge_settle
from libcity.circulation.services.daily import circulation_daily, loans_mark_overdue, notices_send
from libcity.circulation.services.loans import (
    Checkin,
    loan_checkin,
    loan_checkout,
    loan_claim_returned,
    loan_declare_lost,
    loan_renew,
    loan_transfer,
)
from libcity.circulation.services.privacy import reading_history_forget
from libcity.circulation.services.rules import RuleData, rule_deactivate, rule_save

__all__ = [
    "Checkin",
    "RuleData",
    "charge_damage",
    "charge_fee",
    "charge_settle",
    "circulation_daily",
    "loan_checkin",
    "loan_checkout",
    "loan_claim_returned",
    "loan_declare_lost",
    "loan_renew",
    "loan_transfer",
    "loans_mark_overdue",
    "notices_send",
    "reading_history_forget",
    "rule_deactivate",
    "rule_save",
]
