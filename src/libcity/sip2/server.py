"""The SIP2 server: many kiosk connections at once on one asyncio loop; the messages' work (the
database) in a pool of worker threads.

A connection reads frames (``protocol.FrameSplitter``), and answers each in turn: a kiosk
sends one message and waits for its answer. Until it signs in (93) a connection speaks UTF-8
with lenient checksums and the ``|`` delimiter (or another that some terminal uses); after,
its terminal's settings. Nothing a kiosk sends stops the server: a frame that cannot be read
gets 96 ("send it again") or the message's "not done" answer saying why; a connection silent
longer than its terminal's idle time-out is closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.db import close_old_connections
from django.db.utils import DatabaseError
from django.utils.translation import gettext as _
from django.utils.translation import override

from libcity.catalogue.indexing import CopiesInBackground
from libcity.selfservice.models import Terminal
from libcity.selfservice.selectors import terminal_last_at
from libcity.sip2 import handlers
from libcity.sip2.handlers import Session
from libcity.sip2.protocol import (
    ChecksumMismatch,
    FrameSplitter,
    ProtocolError,
    Request,
    encode,
    parse,
)

log = logging.getLogger(__name__)

#: How long a connection may wait to sign in, and the most connections served at once.
LOGIN_SECONDS = 60
MOST_CONNECTIONS = 5_000
#: A message answered slower than this is logged (a warning), with where the time went.
SLOW_MS = 1_000.0
MOST_FRAME_BYTES = 4_096
BACKLOG = 2_048
_TERMINATORS = {"cr": b"\r", "crlf": b"\r\n"}
#: "Send your last message again": 97 as the spec says; 96 too, which is what a kiosk sends
#: when our answer reached it garbled.
RESEND = ("97", "96")


@dataclass(frozen=True)
class Wire:
    """How a connection writes and reads: its terminal's settings once signed in."""

    encoding: str = "utf-8"
    checksum: str = "lenient"
    delimiter: str = "|"
    terminator: bytes = b"\r"

    @classmethod
    def of(cls, terminal: Terminal) -> Wire:
        return cls(terminal.encoding, terminal.checksum, terminal.delimiter,
                   _TERMINATORS.get(terminal.terminator, b"\r"))  # fmt: skip


class Sip2Server:
    def __init__(self, *, host: str = "127.0.0.1", port: int = 6001, workers: int = 4,
                 login_seconds: float = LOGIN_SECONDS,
                 most_connections: int = MOST_CONNECTIONS,
                 slow_ms: float = SLOW_MS) -> None:  # fmt: skip
        self.host, self.port = host, port
        self.slow_ms = slow_ms
        self.login_seconds = login_seconds
        self.most_connections = most_connections
        # A kiosk's answer does not wait for the search index to see the copy move.
        self.copies = CopiesInBackground()
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sip2",
                                       initializer=self.copies.use_in_this_thread)  # fmt: skip
        self.connections = 0
        self._server: asyncio.Server | None = None
        self._conversations: set[asyncio.Task] = set()

    async def start(self, sock: socket.socket | None = None) -> asyncio.Server:
        """Listen on host:port, or on ``sock``: a listening socket shared by several server
        processes (each accepts its share of the connections)."""
        self.copies.start()
        if sock is not None:
            self._server = await asyncio.start_server(self._serve, sock=sock,
                                                      limit=MOST_FRAME_BYTES * 4)  # fmt: skip
        else:
            self._server = await asyncio.start_server(
                self._serve, self.host, self.port, limit=MOST_FRAME_BYTES * 4, backlog=BACKLOG
            )
        sockets = self._server.sockets or []
        if sockets:
            self.port = sockets[0].getsockname()[1]
        return self._server

    async def serve_forever(self) -> None:
        server = await self.start()
        async with server:
            await server.serve_forever()

    async def close(self) -> None:
        """Stop listening, end the open conversations, stop the workers."""
        if self._server is not None:
            self._server.close()
        for task in list(self._conversations):
            task.cancel()
        await asyncio.gather(*self._conversations, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
        # The messages under way finish (their loans' index refreshes reach the refresher),
        # then the refresher does what is left and stops.
        await asyncio.to_thread(self.pool.shutdown, wait=True, cancel_futures=True)
        await asyncio.to_thread(self.copies.stop)

    # --- one connection --------------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        session = Session(peer=str(peer[0]) if peer else "")
        if self.connections >= self.most_connections:
            writer.close()
            return
        self.connections += 1
        task = asyncio.current_task()
        self._conversations.add(task)
        try:
            await self._conversation(reader, writer, session)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            self._conversations.discard(task)
            self.connections -= 1
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _conversation(self, reader, writer, session: Session) -> None:
        splitter = FrameSplitter(max_length=MOST_FRAME_BYTES)
        loop = asyncio.get_running_loop()
        while True:
            try:
                chunk = await asyncio.wait_for(reader.read(4096), self._idle(session))
            except TimeoutError:
                log.info("SIP2 connection from %s idle: closed", session.peer)
                return
            if not chunk:
                return
            for frame in splitter.feed(chunk):
                came = time.perf_counter()
                reply = await loop.run_in_executor(self.pool, self._timed, session, frame, came)
                writer.write(reply)
                await writer.drain()
                self._note_slow(session, frame, came)

    def _idle(self, session: Session) -> float:
        return session.terminal.idle_seconds if session.terminal else self.login_seconds

    def _note_slow(self, session: Session, frame, came: float) -> None:
        """Log a message answered slower than ``slow_ms``: how long it waited for a worker,
        how long its work took."""
        took = (time.perf_counter() - came) * 1000
        if took < self.slow_ms:
            return
        code = frame[:2].decode("ascii", "replace") if isinstance(frame, bytes) else "??"
        waited = session.waited_ms
        log.warning("SIP2 %s from %s answered in %.0f ms (%.0f waiting for a worker, %.0f at "
                    "work)", code, session.peer, took, waited, session.worked_ms)  # fmt: skip

    # --- one message (in a worker thread) ----------------------------------------------------

    def _timed(self, session: Session, frame, came: float) -> bytes:
        began = time.perf_counter()
        session.waited_ms = (began - came) * 1000
        try:
            return self.respond(session, frame)
        finally:
            session.worked_ms = (time.perf_counter() - began) * 1000

    def respond(self, session: Session, frame: bytes | ProtocolError) -> bytes:
        """The bytes to send back for one frame (or for a frame the splitter refused)."""
        close_old_connections()
        wire = Wire.of(session.terminal) if session.terminal else Wire()
        try:
            return self._respond(session, frame, wire)
        except DatabaseError:
            log.exception("SIP2 message from %s: database error", session.peer)
            return self._refusal(session, frame, wire, _("Busy: please try again."))
        except Exception:
            log.exception("SIP2 message from %s failed", session.peer)
            return self._refusal(session, frame, wire, _("Something went wrong: please try "
                                                         "again, or see a librarian."))  # fmt: skip

    def _respond(self, session: Session, frame, wire: Wire) -> bytes:
        if isinstance(frame, ProtocolError):
            return self._unreadable(session, b"", frame, wire)
        try:
            request = self._parse(session, frame, wire)
        except ProtocolError as error:
            return self._unreadable(session, frame, error, wire)
        if request.code in RESEND:
            return session.last_answer or self._resend(wire, checksum=True)
        reply = self._answer(session, request)
        wire = Wire.of(session.terminal) if session.terminal else wire
        data = self._encode(reply, wire, request) + wire.terminator
        session.last_answer = data
        return data

    def _parse(self, session: Session, frame: bytes, wire: Wire) -> Request:
        if session.terminal is not None or not frame.startswith(b"93"):
            return parse(frame, encoding=wire.encoding, checksum=wire.checksum,
                         delimiter=wire.delimiter)  # fmt: skip
        return self._parse_login(frame, wire)

    def _parse_login(self, frame: bytes, wire: Wire) -> Request:
        """A sign-in is read with each delimiter some terminal uses, ``|`` first, until the
        login names a terminal (the delimiter is the terminal's, unknown before)."""
        delimiters = [
            "|",
            *sorted(set(Terminal.objects.values_list("delimiter", flat=True)) - {"|"}),
        ]
        request = None
        for delimiter in delimiters:
            with contextlib.suppress(ProtocolError):
                request = parse(frame, encoding=wire.encoding, checksum=wire.checksum,
                                delimiter=delimiter)  # fmt: skip
                if Terminal.objects.filter(login=request.get("CN")).exists():
                    return request
        if request is None:
            return parse(frame, encoding=wire.encoding, checksum=wire.checksum, delimiter="|")
        return request

    def _answer(self, session: Session, request: Request) -> handlers.Answer:
        if request.code not in handlers.HANDLERS:
            return self._not_understood(session, request.code)
        if session.terminal is None and request.code not in handlers.BEFORE_LOGIN:
            with override("zh-hans"):
                return handlers.refused(session, request.code, _("Sign in first (message 93)."),
                                        request)  # fmt: skip
        if session.terminal is None and request.code == "99":
            return self._status_before_login(session, request)
        return handlers.answer(session, request)

    def _status_before_login(self, session: Session, request: Request) -> handlers.Answer:
        """Answer a 99 before 93 as the terminal last signed in from this address, if its
        account allows; otherwise "not online, sign in first"."""
        terminal = terminal_last_at(session.peer)
        if terminal is None or not terminal.status_before_login:
            return handlers.sc_status(session, request)
        return handlers.sc_status(Session(peer=session.peer, terminal=terminal), request)

    def _not_understood(self, session: Session, code: str) -> handlers.Answer:
        return handlers.Answer("96", [])

    # --- what cannot be read ---------------------------------------------------------------

    def _unreadable(self, session: Session, frame: bytes, error: ProtocolError,
                    wire: Wire) -> bytes:  # fmt: skip
        """A checksum that fails, or a frame that cannot be read at all: 96 (send it again).
        A known message whose fields cannot be read: its "not done" answer, saying why."""
        log.info("SIP2 frame from %s not read: %s", session.peer, error)
        code = frame[:2].decode("ascii", "replace")
        if isinstance(error, ChecksumMismatch) or code not in handlers.RESPONSE_OF:
            return self._resend(wire, checksum=b"AZ" in frame)
        if session.terminal is None and code != "93":
            return self._refusal(session, frame, wire, _("Sign in first (message 93)."))
        return self._refusal(
            session, frame, wire, _("The message could not be read: %(why)s") % {"why": error}
        )

    def _refusal(self, session: Session, frame, wire: Wire, message: str) -> bytes:
        code = frame[:2].decode("ascii", "replace") if isinstance(frame, bytes) else ""
        if code not in handlers.RESPONSE_OF:
            return self._resend(wire, checksum=False)
        with override("zh-hans"):
            reply = handlers.refused(session, code, message)
        return self._encode(reply, wire, None) + wire.terminator

    def _resend(self, wire: Wire, *, checksum: bool) -> bytes:
        return encode("96", [], [], encoding=wire.encoding, delimiter=wire.delimiter,
                      checksum=checksum) + wire.terminator  # fmt: skip

    def _encode(self, reply: handlers.Answer, wire: Wire, request: Request | None) -> bytes:
        sequence = request.sequence if request is not None else None
        checksum = request is not None and request.checksum is not None
        return encode(reply.code, reply.fixed, reply.fields, encoding=wire.encoding,
                      delimiter=wire.delimiter, sequence=sequence if checksum else None,
                      checksum=checksum)  # fmt: skip
