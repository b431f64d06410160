"""``libcity sip2``: its arguments are checked before it listens; several processes share one
port."""

import os
import resource
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

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


# --- several server processes on one port ----------------------------------------------------


def _database_url() -> str:
    from django.db import connection

    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    return f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


def _children(pid: int) -> set[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return {int(child) for child in text.split()}


def _wait(condition, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.1)


@pytest.fixture
def two_processes(transactional_db, library, tmp_path):
    from libcity.selfservice.services import terminal_create
    from libcity.sip2.tests.conftest import SECRET

    terminal_create(login="kiosk", unit=library.city.b1, actor=None, secret=SECRET,
                    status_before_login=True)  # fmt: skip
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": _database_url(), "LIBCITY_HOME": str(tmp_path)}
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("libcity")), "sip2", "--port", str(port),
         "--processes", "2", "--workers", "1"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        assert "2 processes" in server.stdout.readline()
        _wait(lambda: len(_children(server.pid)) == 2)
        yield server, port
    finally:
        server.terminate()
        server.wait(30)


def test_several_processes_share_the_port_and_replace_one_that_dies(two_processes, library):
    """Kiosks signed in to either process are served; a 99 before sign-in is answered for
    the terminal whichever process signed it in (the address is kept in the database); a
    process killed is replaced; SIGTERM stops them all."""
    import pysip2

    from libcity.sip2.tests.conftest import Kiosk
    from libcity.sip2.tests.test_server import checkout, patron_info

    server, port = two_processes
    library.copy("C1-000")
    card = library.reader().card_number
    kiosks = [Kiosk(port) for _ in range(8)]
    try:
        assert all(k.login().ok == "1" for k in kiosks)
        assert kiosks[0].send(checkout(card, "C1-000")).ok == "1"
        assert all(k.send(patron_info(card)).valid_patron == "Y" for k in kiosks)
        status = pysip2.SCStatusRequest(status_code="0", max_print_width="040",
                                        protocol_version="2.00")  # fmt: skip
        assert all(Kiosk(port).send(status).online_status == "Y" for _ in range(6))
        first, _second = sorted(_children(server.pid))
        os.kill(first, signal.SIGKILL)
        _wait(lambda: len(_children(server.pid)) == 2 and first not in _children(server.pid))
        fresh = Kiosk(port)
        assert fresh.login().ok == "1"
        assert fresh.send(patron_info(card)).valid_patron == "Y"
    finally:
        for kiosk in kiosks:
            kiosk.close()
    children = _children(server.pid)
    server.terminate()
    assert server.wait(30) == 0
    assert "SIP2 server stopped." in server.stdout.read()
    assert all(not Path(f"/proc/{pid}").exists() or _zombie(pid) for pid in children)


def _zombie(pid: int) -> bool:
    return Path(f"/proc/{pid}/stat").read_text().split(") ")[1].startswith("Z")


def test_processes_are_checked_before_listening():
    with pytest.raises(CommandError, match="--processes"):
        call_command("sip2", processes=0)
