"""``libcity sip2``: the SIP2 server for kiosks, 24-hour rooms and return sorters."""

from __future__ import annotations

import asyncio
import resource
import signal

from django.core.management.base import BaseCommand, CommandError

from libcity.sip2.server import LOGIN_SECONDS, MOST_CONNECTIONS, Sip2Server


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
            "--login-seconds",
            type=float,
            default=LOGIN_SECONDS,
            help="How long a new connection may wait before signing in.",
        )
        parser.add_argument("--most-connections", type=int, default=MOST_CONNECTIONS)

    def handle(self, *args, host, port, workers, login_seconds, most_connections, **options):
        if not 0 < port < 65536:
            raise CommandError("--port must be between 1 and 65535.")
        if workers < 1:
            raise CommandError("--workers must be at least 1.")
        server = Sip2Server(
            host=host,
            port=port,
            workers=workers,
            login_seconds=login_seconds,
            most_connections=most_connections,
        )
        asyncio.run(self._serve(server))

    async def _serve(self, server: Sip2Server) -> None:
        try:
            await server.start()
        except OSError as error:
            raise CommandError(f"Cannot listen on {server.host}:{server.port}: {error}") from None
        self.stdout.write(
            f"SIP2 server on {server.host}:{server.port} "
            f"({server.pool._max_workers} workers); Ctrl-C to stop."
        )
        self.stdout.flush()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        await server.close()
        self.stdout.write("SIP2 server stopped.")


def _open_files_for(connections: int) -> None:
    """Each connection is an open file: raise the soft limit (often 1,024) towards what the
    connections need, as far as the hard limit allows."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = connections + 256
    if soft != resource.RLIM_INFINITY and soft < wanted:
        ceiling = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, ceiling), hard))
