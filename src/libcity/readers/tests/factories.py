"""Synthetic but valid resident IDs, and a fixed 'today' for the readers' tests."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

from stdnum.cn import ric

TODAY = dt.date(2026, 3, 15)
NOW = dt.datetime(2026, 3, 15, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
_sequence = itertools.count(1)


def region_for(birth: dt.date) -> str:
    """Yuexiu (440104) exists since 1983; stdnum checks the region against the birth year,
    so older people get Guangzhou city's own code (440100)."""
    return "440104" if birth.year >= 1983 else "440100"


def resident_id(birth: dt.date, sequence: int = 1, region: str | None = None) -> str:
    """A valid 18-character resident ID: region, birth date, 3-digit sequence, check digit."""
    body = f"{region or region_for(birth)}{birth:%Y%m%d}{sequence:03d}"
    return body + ric.calc_check_digit(body + "0")


def fresh_resident_id(birth: dt.date = dt.date(1990, 5, 17)) -> str:
    """A valid ID no other test has used (the sequence part counts up)."""
    n = next(_sequence)
    return resident_id(birth + dt.timedelta(days=n // 1000), sequence=n % 1000)


def born_years_ago(years: int, *, days_later: int = 0) -> dt.date:
    """The birth date of someone who turns ``years`` old today (+``days_later``: not yet)."""
    return TODAY.replace(year=TODAY.year - years) + dt.timedelta(days=days_later)


def with_x_check_digit(birth: dt.date) -> str:
    """A valid ID whose check digit is X (found by trying sequence numbers)."""
    for sequence in range(1000):
        number = resident_id(birth, sequence)
        if number.endswith("X"):
            return number
    raise AssertionError("no sequence gives X")


def written_rows() -> dict[str, int]:
    """How many rows registration could touch, to show a refusal wrote nothing."""
    from django.contrib.auth import get_user_model

    from libcity.core.models import Sequence
    from libcity.readers.models import Card, Reader, ReaderBlock, ReaderHistory

    sequence = Sequence.objects.filter(name="card").first()
    return {
        "readers": Reader.objects.count(),
        "cards": Card.objects.count(),
        "history": ReaderHistory.objects.count(),
        "blocks": ReaderBlock.objects.count(),
        "users": get_user_model().objects.count(),
        "card_sequence": sequence.value if sequence else 0,
    }
