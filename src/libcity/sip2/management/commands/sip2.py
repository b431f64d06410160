"""``libcity sip2``: the SIP2 server for kiosks, 24-hour rooms and return sorters."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import resource
import signal
import socket
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from libcity.sip2.server import BACKLOG, LOGIN_SECONDS, MOST_CONNECTIONS, SLOW_MS, Sip2Server

log = logging.getLogger(__name__)
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Command(BaseCommand):
    help = (
        "Serve SIP2 2.00 on --host:--port. Terminals sign in (93) with the login and secret "
        "made by 'libcity terminal create' or the staff pages; each terminal's encoding, "
        "checksum mode, terminator and delimiter apply after it signs in."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=6001)
        parser.add_argument(
            "--workers",
            type=int,
            default=4,
            help="Threads doing the messages' database work (default 4).",
        )
        parser.add_argument(
            "--processes",
            type=int,
            default=1,
            help="Server processes sharing the port (default 1); one per core uses them all. "
            "--workers and --most-connections are per process.",
        )
        parser.add_argument(
            "--login-seconds",
            type=float,
            default=LOGIN_SECONDS,
            help="How long a new connection may wait before signing in.",
        )
        parser.add_argument("--most-connections", type=int, default=MOST_CONNECTIONS)
        parser.add_argument(
            "--slow-ms",
            type=float,
            default=SLOW_MS,
            help="Log a message answered slower than this, with how long it waited for a "
            f"worker (default {SLOW_MS:g}).",
        )

    def handle(self, *args, host, port, workers, processes, login_seconds, most_connections,
               slow_ms, **options):  # fmt: skip
        if not 0 < port < 65536:
            raise CommandError("--port must be between 1 and 65535.")
        if workers < 1:
            raise CommandError("--workers must be at least 1.")
        if not 0 < processes <= 64:
            raise CommandError("--processes must be between 1 and 64.")
        _open_files_for(most_connections)
        settings = {"host": host, "port": port, "workers": workers,
                    "login_seconds": login_seconds,
                    "most_connections": most_connections, "slow_ms": slow_ms}  # fmt: skip
        if processes == 1:
            asyncio.run(self._serve(Sip2Server(**settings)))
            return
        self._serve_in_processes(settings, processes)

    async def _serve(self, server: Sip2Server, sock: socket.socket | None = None) -> None:
        try:
            await server.start(sock)
        except OSError as error:
            raise CommandError(f"Cannot listen on {server.host}:{server.port}: {error}") from None
        if sock is None:
            self._say_listening(server.host, server.port, f"{server.pool._max_workers} workers")
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        await server.close()
        if sock is None:
            self.stdout.write("SIP2 server stopped.")

    def _say_listening(self, host: str, port: int, how: str) -> None:
        self.stdout.write(f"SIP2 server on {host}:{port} ({how}); Ctrl-C to stop.")
        self.stdout.flush()

    # --- several processes ------------------------------------------------------------------

    def _serve_in_processes(self, settings: dict, processes: int) -> None:
        """One listening socket, ``processes`` forked servers accepting from it (a
        connection stays in the process that accepted it: its state is there); a server
        that dies is started again. SIGINT/SIGTERM stop them all."""
        try:
            sock = socket.create_server((settings["host"], settings["port"]), backlog=BACKLOG)
        except OSError as error:
            raise CommandError(
                f"Cannot listen on {settings['host']}:{settings['port']}: {error}"
            ) from None
        port = sock.getsockname()[1]
        connections.close_all()  # no database connection crosses a fork
        self._children: set[int] = set()
        for sig in STOP_SIGNALS:
            signal.signal(sig, _stop)
        try:
            for _ in range(processes):
                self._fork(settings, sock)
            how = f"{processes} processes × {settings['workers']} workers"
            self._say_listening(settings["host"], port, how)
            while True:
                self._reap(settings, sock)
        except _Stopping:
            pass
        for pid in self._children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        for pid in self._children:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        sock.close()
        self.stdout.write("SIP2 server stopped.")

    def _fork(self, settings: dict, sock: socket.socket) -> None:
        """A server process, known to the parent before a stop signal can be handled
        (SIGINT/SIGTERM are held back meanwhile)."""
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        pid = os.fork()
        if pid:
            self._children.add(pid)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
            return
        code = 0
        try:
            for sig in STOP_SIGNALS:
                signal.signal(sig, signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
            asyncio.run(self._serve(Sip2Server(**settings), sock))
        except BaseException:  # a child must never return into the parent's code
            log.exception("SIP2 server process %s failed", os.getpid())
            code = 1
        finally:
            os._exit(code)

    def _reap(self, settings: dict, sock: socket.socket) -> None:
        """Wait for a server process to end; start another in its place."""
        pid, status = os.wait()
        if pid not in self._children:
            return
        self._children.discard(pid)
        log.error("SIP2 server process %s ended (%s): starting another", pid, status)
        time.sleep(0.5)  # a process that dies at once should not spin
        self._fork(settings, sock)


class _Stopping(Exception):
    """SIGINT or SIGTERM reached the parent of the server processes."""


def _stop(signum, frame):
    raise _Stopping


def _open_files_for(connections: int) -> None:
    """Each connection is an open file: raise the soft limit (often 1,024) towards what the
    connections need, as far as the hard limit allows."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = connections + 256
    if soft != resource.RLIM_INFINITY and soft < wanted:
        ceiling = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, ceiling), hard))
