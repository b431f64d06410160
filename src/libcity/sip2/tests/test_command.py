"""``libcity sip2``: its arguments are checked before it listens."""

import resource

import pytest
from django.core.management import CommandError, call_command

from libcity.sip2.management.commands.sip2 import _open_files_for


@pytest.mark.parametrize(("options", "words"), [
    ({"port": 0}, "--port"),
    ({"port": 70000}, "--port"),
    ({"workers": 0}, "--workers"),
])  # fmt: skip
def test_bad_arguments_are_refused_before_listening(options, words):
    with pytest.raises(CommandError, match=words):
        call_command("sip2", **options)


def test_the_open_files_limit_is_raised_for_the_connections():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))
        _open_files_for(1000)
        raised, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        assert raised == (1256 if hard == resource.RLIM_INFINITY else min(1256, hard))
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
