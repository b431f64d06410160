"""Small reads the interfaces use: categories, a reader's block, the reader behind a login."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser

from libcity.readers import selectors
from libcity.readers.exceptions import BlockNotFound, InvalidReaderInput
from libcity.readers.models import BlockReason
from libcity.readers.selectors import category_get, reader_block_get, reader_of_user
from libcity.readers.services import reader_block, reader_self_register
from libcity.readers.tests.factories import fresh_resident_id

pytestmark = pytest.mark.django_db


def test_categories_and_one_by_code(categories):  # the fixture makes the defaults
    assert {c.code for c in selectors.categories()} == set(categories)
    assert category_get("senior") == categories["senior"]
    with pytest.raises(InvalidReaderInput):
        category_get("vip")


def test_a_block_is_found_only_through_its_own_reader(city, register):
    mine, other = register(city.a), register(city.a)
    block = reader_block(reader=mine, reason=BlockReason.MANUAL, actor=None)
    assert reader_block_get(mine, block.pk) == block
    with pytest.raises(BlockNotFound):
        reader_block_get(other, block.pk)


def test_the_reader_behind_a_login(city, categories):
    reader = reader_self_register(
        name="林自助",
        resident_id=fresh_resident_id(),
        home_unit=city.a,
        username="lin",
        password="a-long-Passphrase-9",
    )
    assert reader_of_user(reader.user) == reader
    assert reader_of_user(get_user_model().objects.create_user(username="staff")) is None
    assert reader_of_user(AnonymousUser()) is None
    assert reader_of_user(None) is None
