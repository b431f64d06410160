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
from stdnum import isbn as stdnum_isbn
from stdnum import luhn, numdb
from stdnum.cn import ric
from stdnum.exceptions import InvalidComponent

from libcity.core import clock
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
    """Validate an 18-digit resident identity number or raise InvalidResidentId with the reason.

    The region code must be one that has existed, but not necessarily in the birth year:
    numbers are issued by the office of the place of registration at the time of issue, so a
    Yuexiu (440104, from 1983) number of someone born in 1950 is real. python-stdnum's
    ``validate`` insists on the birth year and would refuse it.
    """
    number = ric.compact(raw or "")
    if len(number) != 18:
        raise InvalidResidentId(_("A resident ID has 18 characters."))
    if not _RESIDENT_ID_SHAPE.fullmatch(number):
        raise InvalidResidentId(_("A resident ID is 17 digits followed by a digit or X."))
    if number[-1] != ric.calc_check_digit(number):
        raise InvalidResidentId(_("The check digit of this resident ID is wrong."))
    try:
        birth = ric.get_birth_date(number)
    except InvalidComponent:
        raise InvalidResidentId(_("This resident ID does not hold a real birth date.")) from None
    if birth > (today or clock.today()):
        raise InvalidResidentId(_("This resident ID has a birth date in the future."))
    if birth.year < 1880:
        raise InvalidResidentId(_("This resident ID holds an impossible birth date."))
    if not _region_known(number):
        raise InvalidResidentId(_("This resident ID does not start with a real region code."))
    return ResidentId(number=number, birth_date=birth)


def _region_known(number: str) -> bool:
    """The first six digits name a region that exists or once existed."""
    parts = numdb.get("cn/loc").info(number[:6])
    return any("county" in props for _part, props in parts)


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


def isbn_normalise(raw: str) -> str | None:
    """An ISBN-10 or ISBN-13, with or without hyphens, as ISBN-13 digits; None if not valid."""
    text = (raw or "").strip().split(" ")[0].split("(")[0]
    if _PLAIN_ISBN.fullmatch(text):
        return _plain_isbn13(text)
    if not stdnum_isbn.is_valid(text):
        return None
    return stdnum_isbn.to_isbn13(stdnum_isbn.compact(text))


#: An ISBN in its plain form (13 digits, or 9 digits and a check digit or X): the common
#: case, worked out here with python-stdnum's rules without its general machinery (a MARC
#: import normalises every ISBN of a file).
_PLAIN_ISBN = re.compile(r"[0-9]{13}|[0-9]{9}[0-9X]", re.ASCII)


def _plain_isbn13(text: str) -> str | None:
    """``text`` (matching ``_PLAIN_ISBN``) as ISBN-13 digits, None if not valid."""
    if len(text) == 13:
        valid = text[:3] in ("978", "979") and _ean_check(text[:12]) == text[12]
        return text if valid else None
    check = sum((i + 1) * int(n) for i, n in enumerate(text[:9])) % 11
    if ("X" if check == 10 else str(check)) != text[9]:
        return None
    return "978" + text[:9] + _ean_check("978" + text[:9])


def _ean_check(digits: str) -> str:
    """The EAN-13 check digit of 12 digits."""
    total = sum((1 if i % 2 else 3) * int(n) for i, n in enumerate(reversed(digits)))
    return str((10 - total) % 10)
