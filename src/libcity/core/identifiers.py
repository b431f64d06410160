"""Identifiers: resident identity numbers, their keyed hash, and card numbers.

A resident identity number is checked with python-stdnum (``cn.ric``: MOD 11-2 check digit,
a real birth date, a known region) and then never stored: only an HMAC-SHA256 under a key
the database does not hold, plus the last four characters for staff to confirm a person.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from stdnum import luhn
from stdnum.cn import ric
from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
    ValidationError,
)

from libcity.core.exceptions import InvalidInput

_RESIDENT_ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")


class InvalidResidentId(InvalidInput):
    code = "invalid_resident_id"


@dataclass(frozen=True)
class ResidentId:
    """A checked resident identity number, ready to be hashed and forgotten."""

    number: str
    birth_date: dt.date

    @property
    def last4(self) -> str:
        return self.number[-4:]

    @property
    def keyed_hash(self) -> str:
        return resident_id_hash(self.number)


def resident_id_check(raw: str, *, today: dt.date | None = None) -> ResidentId:
    """Validate an 18-digit resident identity number or raise InvalidResidentId with the reason."""
    number = ric.compact(raw or "")
    try:
        if len(number) != 18:
            raise InvalidLength()
        if not _RESIDENT_ID_SHAPE.fullmatch(number):
            raise InvalidFormat()
        ric.validate(number)
        birth = ric.get_birth_date(number)
    except InvalidLength:
        raise InvalidResidentId(_("A resident ID has 18 characters.")) from None
    except InvalidChecksum:
        raise InvalidResidentId(_("The check digit of this resident ID is wrong.")) from None
    except InvalidComponent:
        raise InvalidResidentId(
            _("This resident ID does not hold a real birth date or region.")
        ) from None
    except (InvalidFormat, ValidationError):
        raise InvalidResidentId(
            _("A resident ID is 17 digits followed by a digit or X.")
        ) from None
    if birth > (today or dt.date.today()):
        raise InvalidResidentId(_("This resident ID has a birth date in the future."))
    return ResidentId(number=number, birth_date=birth)


def resident_id_hash(number: str) -> str:
    """The keyed hash under which a resident ID is remembered (HMAC-SHA256, hex)."""
    key = settings.LIBCITY_ID_HASH_KEY.encode()
    return hmac.new(key, number.upper().encode(), hashlib.sha256).hexdigest()


def card_number_from_sequence(value: int) -> str:
    """A reader card number: the city prefix, nine digits of sequence and a Luhn check digit."""
    body = f"{settings.LIBCITY_CARD_PREFIX}{value:09d}"
    return body + luhn.calc_check_digit(body)


def card_number_is_valid(number: str) -> bool:
    prefix = settings.LIBCITY_CARD_PREFIX
    return number.startswith(prefix) and number.isdigit() and luhn.is_valid(number)
