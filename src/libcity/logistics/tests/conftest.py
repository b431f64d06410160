"""Logistics uses the holds' fixtures: the tiny city's library on a Thursday."""

from libcity.circulation.tests.conftest import library, messages_in_english  # noqa: F401
from libcity.holds.tests.conftest import lent, notices_to_console, on_a_thursday  # noqa: F401
