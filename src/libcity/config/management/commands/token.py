"""``libcity token create --user NAME`` (and list, revoke): bearer tokens for machines."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from libcity.staff.selectors import api_token_by_prefix, api_tokens
from libcity.staff.services import api_token_create, api_token_revoke


class Command(BaseCommand):
    help = "Create, list or revoke API bearer tokens."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a token; it is shown once.")
        create.add_argument("--user", required=True)
        create.add_argument("--name", default="")
        listing = sub.add_parser("list", help="List tokens (prefixes only).")
        listing.add_argument("--user")
        revoke = sub.add_parser("revoke", help="Revoke a token by its prefix.")
        revoke.add_argument("prefix")

    def handle(self, *args, action: str, **options):
        getattr(self, f"_{action}")(**options)

    def _create(self, *, user: str, name: str, **_):
        account = get_user_model().objects.filter(username=user).first()
        if account is None:
            raise CommandError(f"No user named {user!r}.")
        token, raw = api_token_create(user=account, name=name or f"{user} token")
        self.stdout.write(raw)
        self.stderr.write(f"Token {token.prefix}… for {user}. It is shown only once.")

    def _list(self, *, user: str | None = None, **_):
        for t in api_tokens(username=user):
            state = "revoked" if t.revoked_at else "active"
            self.stdout.write(f"{t.prefix}…  {t.user.username:<12} {t.name:<24} {state}")

    def _revoke(self, *, prefix: str, **_):
        token = api_token_by_prefix(prefix)
        if token is None:
            raise CommandError(f"No active token starts with {prefix!r}.")
        api_token_revoke(token=token)
        self.stdout.write(f"Revoked {prefix}…")
