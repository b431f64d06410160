"""A SIP2 server on a free port in a background thread, terminals to sign in with, and a kiosk
that speaks through pysip2 (an independent codec: our encoder is never checked by our own
decoder)."""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
import threading

import pysip2
import pytest

from libcity.circulation.tests.conftest import library  # noqa: F401  (the fixture)
from libcity.selfservice.services import terminal_create
from libcity.sip2.server import Sip2Server

SECRET = "kiosk-secret"


class Kiosk:
    """One kiosk's connection. ``send`` encodes a pysip2 request, sends it, and decodes the
    answer with pysip2; ``raw`` keeps the answer's bytes."""

    def __init__(self, port: int, *, encoding="utf-8", delimiter="|", terminator=b"\r",
                 checksum=True) -> None:  # fmt: skip
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.encoding, self.delimiter, self.terminator = encoding, delimiter, terminator
        self.checksum = checksum
        self.sequence = 0
        self.raw = b""
        self._buffer = b""

    def send(self, message, *, checksum: bool | None = None):
        checksum = self.checksum if checksum is None else checksum
        frame = pysip2.encode_message(
            message, sequence_number=self.sequence if checksum else None, checksum=checksum,
            encoding=self.encoding, field_delimiter=self.delimiter,
        )  # fmt: skip
        self.sequence = (self.sequence + 1) % 10
        raw = self.send_raw(frame[:-1] + self.terminator)
        return pysip2.decode_message(
            raw, encoding=self.encoding, field_delimiter=self.delimiter
        ).message

    def send_raw(self, data: bytes) -> bytes:
        """Send bytes as they are; the answer's frame (ending in CR, any LF taken off)."""
        self.sock.sendall(data)
        return self.read()

    def read(self) -> bytes:
        while b"\r" not in self._buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self._buffer += chunk
        frame, _, rest = self._buffer.partition(b"\r")
        self._buffer = rest[1:] if rest.startswith(b"\n") else rest
        self.raw = frame + b"\r"
        return self.raw

    def login(self, login="kiosk", secret=SECRET):
        return self.send(pysip2.LoginRequest(uid_algorithm="0", pwd_algorithm="0",
                                             login_user_id=login, login_password=secret,
                                             location_code="here"))  # fmt: skip

    def close(self):
        self.sock.close()


def stamp() -> str:
    return dt.datetime.now().strftime("%Y%m%d    %H%M%S")


@pytest.fixture
def sip_server(transactional_db):
    """A running server; its port is ``sip_server.port``."""
    server = Sip2Server(host="127.0.0.1", port=0, workers=4, login_seconds=5)
    loop = asyncio.new_event_loop()
    started = threading.Event()

    def run():
        asyncio.set_event_loop(loop)
        loop.run_until_complete(server.start())
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert started.wait(10)
    yield server
    asyncio.run_coroutine_threadsafe(server.close(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


@pytest.fixture
def kiosks(sip_server):
    opened = []

    def open_(**options) -> Kiosk:
        kiosk = Kiosk(sip_server.port, **options)
        opened.append(kiosk)
        return kiosk

    yield open_
    for kiosk in opened:
        kiosk.close()


@pytest.fixture
def terminal(library):  # noqa: F811
    """A UTF-8, strict kiosk at branch b1."""
    made, _secret = terminal_create(login="kiosk", unit=library.city.b1, actor=None,
                                    secret=SECRET)  # fmt: skip
    return made
