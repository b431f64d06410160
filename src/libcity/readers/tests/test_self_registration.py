"""reader_self_register: online, with a login, all or nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.utils import translation

from libcity.core.exceptions import DomainError
from libcity.readers.exceptions import DuplicateReader, GuardianRequired, InvalidReaderInput
from libcity.readers.models import ReaderHistory, RegistrationChannel
from libcity.readers.services import reader_self_register
from libcity.readers.services import registration as registration_module
from libcity.readers.tests.factories import born_years_ago, fresh_resident_id, written_rows
from libcity.staff.exceptions import UsernameTaken

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-Passphrase-9"


@pytest.fixture
def self_register(city, categories):
    def make(**overrides):
        arguments = {
            "name": "林自助",
            "resident_id": fresh_resident_id(),
            "home_unit": city.a,
            "username": "lin",
            "password": PASSWORD,
        }
        return reader_self_register(**{**arguments, **overrides})

    return make


def test_an_adult_gets_a_login_and_a_card(self_register):
    reader = self_register(email="lin@example.org")
    assert reader.user.username == "lin"
    assert reader.user.check_password(PASSWORD)
    assert reader.user.email == "lin@example.org"
    assert reader.category.code == "adult"
    assert reader.registered_via == RegistrationChannel.ONLINE
    row = ReaderHistory.objects.get(reader=reader)
    assert (row.action, row.actor, row.details["channel"]) == (
        "reader_registered",
        reader.user,
        "online",
    )


def test_a_senior_is_placed_in_the_senior_category(self_register):
    reader = self_register(resident_id=fresh_resident_id(born_years_ago(60)))
    assert reader.category.code == "senior"


def test_a_child_is_sent_to_a_desk_and_nothing_is_kept(self_register):
    before = written_rows()
    with translation.override("en"), pytest.raises(GuardianRequired) as refused:
        self_register(resident_id=fresh_resident_id(born_years_ago(14, days_later=1)))
    assert "desk" in refused.value.message
    assert written_rows() == before


def test_a_taken_username_is_refused_and_nothing_is_kept(self_register):
    get_user_model().objects.create_user(username="lin", password="x")
    before = written_rows()
    with pytest.raises(UsernameTaken) as refused:
        self_register()
    assert refused.value.code == "username_taken"
    assert written_rows() == before


def test_a_username_taken_in_the_same_moment_leaves_nothing(self_register, monkeypatch):
    """The early check passed; the database's unique username stops the user row."""
    get_user_model().objects.create_user(username="lin", password="x")
    monkeypatch.setattr(registration_module, "_check_login", lambda username, *a, **k: username)
    before = written_rows()
    with pytest.raises(UsernameTaken):
        self_register()
    assert written_rows() == before


def test_a_weak_password_is_refused(self_register):
    before = written_rows()
    with pytest.raises(InvalidReaderInput):
        self_register(password="12345678")
    assert written_rows() == before


def test_a_failure_after_the_login_was_made_takes_the_login_back(self_register, monkeypatch):
    def fail(*args, **kwargs):
        raise DomainError("the card printer caught fire")

    monkeypatch.setattr(registration_module, "_create_reader", fail)
    before = written_rows()
    with pytest.raises(DomainError):
        self_register()
    assert written_rows() == before


def test_a_person_with_a_card_is_told_so_without_the_card_or_the_library(
    self_register, register, city
):
    number = fresh_resident_id(dt.date(1980, 1, 1))
    existing = register(city.b, resident_id=number)
    before = written_rows()
    with translation.override("en"), pytest.raises(DuplicateReader) as refused:
        self_register(resident_id=number)
    assert "already has a reader card" in refused.value.message
    assert existing.card_number not in refused.value.message
    assert "b library" not in refused.value.message
    assert refused.value.details == {}
    assert written_rows() == before
