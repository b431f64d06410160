"""Home books reuse the sharing fixtures: readers with a login, on a frozen Thursday."""

import pytest

from libcity.catalogue.data import RecordData
from libcity.catalogue.services import record_create
from libcity.sharing.tests.conftest import (  # noqa: F401 - fixtures, asked for by name
    library,
    messages_in_english,
    notices_to_console,
    reader,
    traveller,
)

ISBN = "9787530216781"


@pytest.fixture
def catalogued(library):  # noqa: F811
    """A record of the union catalogue with an ISBN."""
    return record_create(data=RecordData(title="图说中国节", authors=["王娟"], year=2007,
                                         isbns=[ISBN]))  # fmt: skip
