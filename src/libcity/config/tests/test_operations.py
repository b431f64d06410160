"""Several web processes share one PostgreSQL: sessions and writes cross between them."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.conf import global_settings
from django.db import connection

from libcity.staff.models import Role

pytestmark = pytest.mark.postgres_only
LIBCITY = Path(sys.executable).with_name("libcity")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


def wait_until_serving(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(process.stdout.read())
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/units", timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"port {port} never answered")


@pytest.fixture
def two_servers(transactional_db, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("several processes share a database only on PostgreSQL")
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "LIBCITY_HOME": str(tmp_path),
        "LIBCITY_SECRET_KEY": "shared-secret-" + "x" * 40,
    }
    ports = [free_port(), free_port()]
    processes = [
        subprocess.Popen(
            [str(LIBCITY), "serve", "--port", str(port), "--workers", "1"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for port in ports
    ]
    try:
        for port, process in zip(ports, processes, strict=True):
            wait_until_serving(port, process)
        yield ports
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=20)


def test_session_and_writes_cross_processes(tiny_city, make_staff, two_servers, settings):
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS  # what the servers check
    make_staff("boss", Role.NETWORK_ADMIN, tiny_city.central)
    first, second = (f"http://127.0.0.1:{port}" for port in two_servers)
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    login_page = browser.open(f"{first}/accounts/login/").read().decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page).group(1)
    form = urllib.parse.urlencode(
        {"username": "boss", "password": "demo", "csrfmiddlewaretoken": csrf}
    ).encode()
    signed_in = browser.open(
        urllib.request.Request(
            f"{first}/accounts/login/", data=form, headers={"Referer": f"{first}/accounts/login/"}
        )
    )
    assert not signed_in.url.endswith("/accounts/login/"), "the sign-in was refused"
    tree = browser.open(f"{second}/staff/")  # signed in on the first, served by the second
    assert tree.status == 200 and "r1馆" in tree.read().decode()

    token = subprocess.run(
        [str(LIBCITY), "token", "create", "--user", "boss"],
        env={
            **os.environ,
            "DATABASE_URL": database_url(),
            "LIBCITY_HOME": os.environ.get("LIBCITY_HOME", "/tmp"),
        },
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    move = urllib.request.Request(
        f"{first}/api/v1/units/b1/move",
        method="POST",
        data=json.dumps({"parent": "d2"}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert urllib.request.urlopen(move).status == 200
    seen = json.load(urllib.request.urlopen(f"{second}/api/v1/units/b1"))
    assert seen["ancestors"] == ["central", "d2"]
