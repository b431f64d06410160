"""The circulation fixtures (a library with copies and readers) serve the desk flows too."""

from libcity.circulation.tests.conftest import library, messages_in_english  # noqa: F401
