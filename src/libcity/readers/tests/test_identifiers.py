"""The resident ID as registration sees it: what is accepted, what is refused, what is kept."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from libcity.core.identifiers import InvalidResidentId, resident_id_check, resident_id_hash
from libcity.readers.exceptions import DuplicateReader
from libcity.readers.models import Card, Reader, ReaderHistory
from libcity.readers.services import reader_self_register
from libcity.readers.tests.factories import (
    TODAY,
    resident_id,
    with_x_check_digit,
    written_rows,
)

VALID = resident_id(dt.date(1990, 5, 17), 123)


def _wrong_check_digit(number: str) -> str:
    return number[:-1] + ("1" if number[-1] != "1" else "2")


def _feb_30() -> str:
    body = "44010420000230123"
    from stdnum.cn import ric

    return body + ric.calc_check_digit(body + "0")


INVALID = {
    "wrong check digit": (_wrong_check_digit(VALID), "check digit"),
    "30 February": (_feb_30(), "birth date"),
    "born in the future": (resident_id(dt.date(2027, 1, 1)), "future"),
    "17 characters": (VALID[:-1], "18 characters"),
    "19 characters": (VALID + "1", "18 characters"),
    "a letter inside": (VALID[:8] + "A" + VALID[9:], "17 digits"),
    "empty": ("", "18 characters"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", INVALID.keys())
def test_an_invalid_resident_id_is_refused_and_nothing_is_written(case, city, register):
    number, reason = INVALID[case]
    before = written_rows()
    with pytest.raises(InvalidResidentId) as refused:
        register(city.a, resident_id=number)
    assert refused.value.code == "invalid_resident_id"
    assert reason in refused.value.message
    assert written_rows() == before


@pytest.mark.django_db
def test_a_lower_case_x_is_accepted_and_is_the_same_person_as_upper_case(city, register):
    number = with_x_check_digit(dt.date(1992, 8, 1))
    reader = register(city.a, resident_id=number.lower())
    assert reader.id_last4.endswith("X")
    assert reader.id_hash == resident_id_hash(number)
    with pytest.raises(DuplicateReader):
        register(city.b, resident_id=number)


@pytest.mark.django_db
def test_the_birth_date_comes_from_the_id(city, register):
    reader = register(city.a, resident_id=resident_id(dt.date(1988, 12, 31), 7))
    assert reader.birth_date == dt.date(1988, 12, 31)


def _every_stored_text() -> str:
    rows = [
        *Reader.objects.values(),
        *Card.objects.values(),
        *ReaderHistory.objects.values(),
    ]
    from django.contrib.auth import get_user_model

    rows += list(get_user_model().objects.values())
    return json.dumps(rows, default=str, ensure_ascii=False)


@pytest.mark.django_db
def test_the_resident_id_is_never_stored_in_clear(city, register):
    number = resident_id(dt.date(1991, 2, 3), 456)
    reader = register(city.a, resident_id=number, phone="13800138000")
    reader_self_register(
        name="林自助",
        resident_id=resident_id(dt.date(1985, 6, 7), 89),
        home_unit=city.b,
        username="lin",
        password="a-long-Passphrase-9",
    )
    stored = _every_stored_text()
    assert number not in stored
    assert number[:17] not in stored
    assert resident_id(dt.date(1985, 6, 7), 89)[:17] not in stored
    assert reader.id_last4 == number[-4:]


@pytest.mark.django_db
def test_the_hash_is_keyed(city, register):
    number = resident_id(dt.date(1991, 2, 3), 456)
    reader = register(city.a, resident_id=number)
    assert reader.id_hash != hashlib.sha256(number.encode()).hexdigest()
    with override_settings(LIBCITY_ID_HASH_KEY="another key"):
        assert resident_id_hash(number) != reader.id_hash


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    birth=st.dates(min_value=dt.date(1985, 1, 1), max_value=TODAY),
    sequence=st.integers(min_value=0, max_value=999),
    region=st.sampled_from(["440104", "440106", "440100"]),
)
def test_every_generated_id_is_valid_and_any_other_check_digit_is_not(birth, sequence, region):
    number = resident_id(birth, sequence, region)
    assert resident_id_check(number, today=TODAY).birth_date == birth
    for digit in "0123456789X":
        if digit != number[-1]:
            with pytest.raises(InvalidResidentId):
                resident_id_check(number[:-1] + digit, today=TODAY)


def test_a_senior_born_before_the_region_code_existed_is_accepted():
    number = resident_id(dt.date(1950, 3, 1), 12, region="440104")
    assert resident_id_check(number, today=TODAY).birth_date == dt.date(1950, 3, 1)


def test_an_unknown_region_code_is_refused():
    number = resident_id(dt.date(1990, 3, 1), 12, region="999999")
    with pytest.raises(InvalidResidentId, match="region"):
        resident_id_check(number, today=TODAY)
