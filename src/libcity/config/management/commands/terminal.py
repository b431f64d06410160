"""``libcity terminal create --login K1 --unit CODE`` (and list): self-service terminals.

The secret is printed once, on stdout alone (so a script can capture it); only its hash is
kept. The terminal's machine user, ``terminal:<login>``, holds the machine role at the unit:
``libcity token create --user terminal:K1`` gives it a bearer token for the REST API.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from libcity.core.exceptions import DomainError
from libcity.network.selectors import unit_get
from libcity.selfservice.models import ChecksumMode, Encoding, TerminalKind, Terminator
from libcity.selfservice.selectors import terminals_all
from libcity.selfservice.services import terminal_create

#: Command-line option → terminal setting (options left out keep the model's default).
_SETTINGS = {
    "kind": "kind", "name": "name", "encoding": "encoding", "checksum": "checksum",
    "terminator": "terminator", "delimiter": "delimiter", "idle": "idle_seconds",
    "institution": "institution", "default_bin": "default_bin",
}  # fmt: skip


class Command(BaseCommand):
    help = "Create or list self-service terminals (kiosks, sorters, gates, lockers)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a terminal; its secret is shown once.")
        create.add_argument("--login", required=True)
        create.add_argument("--unit", required=True, help="The code of its unit")
        create.add_argument("--kind", choices=TerminalKind.values, default=TerminalKind.KIOSK)
        create.add_argument("--name")
        create.add_argument("--encoding", choices=Encoding.values)
        create.add_argument("--checksum", choices=ChecksumMode.values)
        create.add_argument("--terminator", choices=Terminator.values)
        create.add_argument("--delimiter", help="The SIP2 field delimiter (default |)")
        create.add_argument("--status-before-login", action="store_true",
                            help="Answer SC status (99) before the terminal signs in")  # fmt: skip
        create.add_argument("--idle", type=int, help="Seconds of silence before hanging up")
        create.add_argument("--institution", help="The AO answered (default: the unit code)")
        create.add_argument("--default-bin", help="A sorter's bin when no rule matches")
        sub.add_parser("list", help="List the terminals (never their secrets).")

    def handle(self, *args, action: str, **options):
        getattr(self, f"_{action}")(**options)

    def _create(self, *, login: str, unit: str, status_before_login: bool, **options):
        settings = {name: options[opt] for opt, name in _SETTINGS.items()
                    if options.get(opt) is not None}  # fmt: skip
        try:
            terminal, secret = terminal_create(
                login=login, unit=unit_get(unit), actor=None,
                status_before_login=status_before_login, **settings,
            )  # fmt: skip
        except DomainError as error:
            raise CommandError(error.message) from None
        self.stdout.write(secret)
        self.stderr.write(
            f"Terminal {terminal.login} ({terminal.kind}) at {terminal.unit.code}. Its secret "
            f"is shown only once."
        )

    def _list(self, **_):
        for t in terminals_all():
            state = "active" if t.is_active else "inactive"
            seen = f"{t.last_seen_at:%Y-%m-%d %H:%M}" if t.last_seen_at else "never seen"
            self.stdout.write(
                f"{t.login:<16} {t.kind:<7} {t.unit.code:<24} {t.encoding:<8} "
                f"{t.checksum:<8} {t.terminator:<5} {state:<9} {seen}"
            )
