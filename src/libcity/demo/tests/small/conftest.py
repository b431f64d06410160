"""One ``libcity demo --scale small --seed 1`` for every test of this package (the build takes
half a minute on PostgreSQL): built in a transaction that is rolled back when the package's
tests are done, so the rest of the suite sees an empty database.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import override_settings

TEST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class _Rollback(Exception):
    pass


@dataclass(frozen=True)
class Built:
    out: str  # the command's summary (stdout)
    err: str  # its progress lines (stderr)


def _check_deferred_constraints() -> None:
    """On PostgreSQL, check the build's deferred foreign keys now, once. Left pending, they
    are checked at the end of every test (pytest-django asks for the check inside the test's
    savepoint, whose rollback puts them back): a second or more per test for the rows of a
    year of loans. (SQLite counts its deferred keys instead: nothing is pending.)"""
    if connection.vendor == "postgresql":
        connection.check_constraints()


@pytest.fixture(scope="package")
def small_city(django_db_setup, django_db_blocker) -> Built:
    """The small demo city, seed 1, with what the command printed."""
    # The hasher of the tests (the autouse ``fast_password_hashing``), also for the build.
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=TEST_HASHERS):
        try:
            with transaction.atomic():
                out, err = io.StringIO(), io.StringIO()
                call_command("demo", scale="small", seed=1, stdout=out, stderr=err)
                _check_deferred_constraints()
                yield Built(out.getvalue(), err.getvalue())
                raise _Rollback
        except _Rollback:
            pass
