"""Fixtures of the network tests."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from libcity.network.tests.factories import a_unit, an_operator


@pytest.fixture
def librarian(db):
    return get_user_model().objects.create_user(username="librarian", password="x-Secret-42")


@pytest.fixture
def operator(db):
    return an_operator(code="gzlib", name_zh="广州图书馆")


@pytest.fixture
def central(operator):
    return a_unit(code="gz-central", tier="central", operator=operator)
