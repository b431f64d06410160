import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def messages_in_english():
    """The catalogue's messages are asserted in their English source form here (the pages are
    tested in Chinese in web/tests)."""
    with translation.override("en"):
        yield
