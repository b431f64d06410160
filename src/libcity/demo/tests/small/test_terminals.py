"""The demo city's self-service terminals: each signs in with the secret ``demo``."""

from __future__ import annotations

import pytest

from libcity.network.models import UnitKind
from libcity.selfservice.services import sort_bin_for, terminal_authenticate

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("small_city")]


def test_the_demo_terminals_sign_in_with_demo():
    kiosk = terminal_authenticate("kiosk", "demo")
    assert (kiosk.unit.code, kiosk.kind, kiosk.encoding, kiosk.checksum) == (
        "gz-central", "kiosk", "utf-8", "strict",
    )  # fmt: skip
    gbk = terminal_authenticate("kiosk-gbk", "demo")
    assert (gbk.unit.code, gbk.encoding, gbk.checksum) == ("gz-yuexiu", "gb18030", "lenient")
    gate = terminal_authenticate("gate", "demo")
    assert gate.kind == "gate" and gate.unit.kind == UnitKind.STUDY_ROOM_24H
    assert gate.unit.open_24h


def test_the_demo_sorter_has_its_bins():
    sorter = terminal_authenticate("sorter", "demo")
    assert sorter.unit.code == "gz-central" and sorter.kind == "sorter"
    routes = [("shelve", None), ("hold_shelf", None), ("transit", sorter.unit.pk)]
    assert [sort_bin_for(sorter, action, to) for action, to in routes] == ["1", "2", "3"]
    assert sort_bin_for(sorter, "unknown", None) == "9"


def test_the_summary_names_the_terminals(small_city):
    assert "kiosk-gbk" in small_city.out and "sorter" in small_city.out
