"""Transfer rules a library may set differently.

The numbers below are the defaults (Shenzhen's: the same card may pass the same copy on at
most twice a year); ``settings.LIBCITY_TRANSFER_POLICY`` (a dict of the field names of
:class:`TransferPolicy`) overrides them, e.g. ``{"code_minutes": 15}``. Whether the receiver
may borrow the copy at all is the circulation rules' answer, as at any checkout.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class TransferPolicy:
    #: Transfers of one copy the same reader may give within ``cap_days``.
    max_transfers_per_item_per_year: int = 2
    #: The window of that cap, in days.
    cap_days: int = 365
    #: Minutes an offer's code may be accepted in (the two readers stand together).
    code_minutes: int = 10
    #: Hours an offer to the first reader waiting may be accepted in: they are told by a
    #: notice and must arrange to meet.
    queue_code_hours: int = 48


def transfer_policy() -> TransferPolicy:
    """The defaults with ``settings.LIBCITY_TRANSFER_POLICY`` applied."""
    overrides = dict(getattr(settings, "LIBCITY_TRANSFER_POLICY", {}) or {})
    return dataclasses.replace(TransferPolicy(), **overrides)


def cap_since(now: dt.datetime, policy: TransferPolicy) -> dt.datetime:
    """Transfers accepted after this moment count against the cap."""
    return now - dt.timedelta(days=policy.cap_days)


#: Letters and digits nobody mistakes for one another (no 0/O, 1/I/L): 31 symbols.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


def code_normalise(raw: str) -> str:
    """A code as typed or scanned: upper case, without spaces or dashes."""
    return "".join(ch for ch in str(raw or "").upper() if ch not in " -\t")


def code_hash(code: str) -> str:
    """The code as kept: HMAC-SHA256 under ``SECRET_KEY``."""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"transfer:{code}".encode(), hashlib.sha256).hexdigest()
