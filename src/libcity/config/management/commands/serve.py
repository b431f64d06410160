"""``libcity serve``: the production server (gunicorn, static files by whitenoise)."""

from __future__ import annotations

import socket

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from gunicorn.app.base import BaseApplication

DEMO_LOGINS = [
    ("admin", "network administrator / 网络管理员"),
    ("desk", "desk staff at the central library / 中心馆前台"),
    ("reader", "a reader / 读者"),
]


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from libcity.config.wsgi import application

        return application


class Command(BaseCommand):
    help = "Serve libcity with gunicorn and whitenoise."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--threads", type=int, default=4)

    def handle(self, *args, host: str, port: int, workers: int, threads: int, **options):
        _require_free_port(host, port)
        call_command("collectstatic", interactive=False, verbosity=0)
        self._announce(host, port)
        # The announcement read the database: close that connection before gunicorn forks,
        # so no worker inherits it (each thread of each worker opens and keeps its own).
        connections.close_all()
        _Gunicorn(
            {
                "bind": f"{host}:{port}",
                "workers": workers,
                "threads": threads,
                # One control socket per port, so several servers can run side by side.
                "control_socket": str(settings.HOME / f"gunicorn-{port}.ctl"),
                "accesslog": "-",
                "errorlog": "-",
                "timeout": 60,
                "graceful_timeout": 10,
            }
        ).run()

    def _announce(self, host: str, port: int) -> None:
        shown = f"[{host}]" if ":" in host else host
        self.stdout.write(self.style.SUCCESS(f"libcity is serving at http://{shown}:{port}/"))
        self.stdout.write(f"  API docs: http://{shown}:{port}/api/docs")
        users = set(
            get_user_model()
            .objects.filter(username__in=[u for u, _r in DEMO_LOGINS])
            .values_list("username", flat=True)
        )
        if users:
            self.stdout.write("  Demo logins (password: demo) / 演示账号（密码 demo）:")
            for username, role in DEMO_LOGINS:
                if username in users:
                    self.stdout.write(f"    {username:<8} {role}")
        self.stdout.write("  Stop with Ctrl-C.")
        self.stdout.flush()


def _require_free_port(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise CommandError(
                f"Cannot listen on {host}:{port} ({error.strerror}). Is libcity already "
                f"running there? Open http://{host}:{port}/ or pick another --port."
            ) from None
