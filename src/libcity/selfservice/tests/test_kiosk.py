"""Registration at a kiosk: the identity checks of a desk, the rules of online registration,
and the kiosk's own unit as the home unit."""

from __future__ import annotations

import datetime as dt

import pytest

from libcity.conftest import valid_resident_id
from libcity.core.identifiers import InvalidResidentId
from libcity.readers.exceptions import DuplicateReader, GuardianRequired, InvalidReaderInput
from libcity.readers.models import Reader, ReaderHistory
from libcity.selfservice.selectors import kiosk_unit
from libcity.selfservice.services import kiosk_reader_register
from libcity.staff.exceptions import NotAllowed
from libcity.staff.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def kiosk(tiny_city, make_terminal):
    return make_terminal("K1", tiny_city.b1)


def register(kiosk, resident_id, **extra):
    return kiosk_reader_register(name="王小明", resident_id=resident_id, unit=kiosk.unit,
                                 actor=kiosk.user, **extra)  # fmt: skip


def test_an_adult_registers_at_the_kiosk(kiosk):
    reader = register(kiosk, valid_resident_id(), phone="13800138000")
    assert (reader.home_unit, reader.category.code, reader.registered_via) == (
        kiosk.unit, "adult", "kiosk",
    )  # fmt: skip
    assert reader.user is None and reader.phone == "13800138000"
    history = ReaderHistory.objects.get(reader=reader)
    assert history.actor == kiosk.user and history.details["channel"] == "kiosk"


def test_a_senior_is_a_senior(kiosk):
    reader = register(kiosk, valid_resident_id(dt.date(1940, 1, 1)))
    assert reader.category.code == "senior"


def test_a_child_is_sent_to_a_desk(kiosk):
    with pytest.raises(GuardianRequired, match="registered at a library desk"):
        register(kiosk, valid_resident_id(dt.date.today() - dt.timedelta(days=365 * 8)))
    assert not Reader.objects.exists()


def test_a_wrong_check_digit_is_refused(kiosk):
    number = valid_resident_id()
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    with pytest.raises(InvalidResidentId, match="check digit"):
        register(kiosk, wrong)


def test_one_card_per_person_without_naming_the_library(kiosk, make_terminal, tiny_city):
    number = valid_resident_id()
    register(kiosk, number)
    other = make_terminal("K2", tiny_city.b2)
    with pytest.raises(DuplicateReader) as refused:
        register(other, number)
    assert refused.value.code == "reader_already_registered"
    assert "b1" not in refused.value.message and not refused.value.details
    assert Reader.objects.count() == 1


def test_a_kiosk_registers_at_its_own_unit_only(kiosk, tiny_city):
    assert kiosk_unit(kiosk.user) == tiny_city.b1
    assert kiosk_unit(kiosk.user, "B1") == tiny_city.b1
    with pytest.raises(NotAllowed):
        kiosk_unit(kiosk.user, "b2")
    with pytest.raises(NotAllowed):
        kiosk_reader_register(name="王", resident_id=valid_resident_id(), unit=tiny_city.b2,
                              actor=kiosk.user)  # fmt: skip


def test_staff_name_the_unit(tiny_city, make_staff):
    desk = make_staff("desk", Role.DESK, tiny_city.b1)
    assert kiosk_unit(desk, "b1") == tiny_city.b1
    with pytest.raises(NotAllowed):
        kiosk_unit(desk, "")
    with pytest.raises(NotAllowed):
        kiosk_unit(desk, "b2")


def test_a_kiosk_where_cards_are_not_kept_refuses(study_room, make_terminal):
    room_kiosk = make_terminal("K3", study_room)
    with pytest.raises(InvalidReaderInput, match="does not keep reader cards"):
        register(room_kiosk, valid_resident_id())
