"""Staff accounts, role assignments and machine tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from libcity.core import clock
from libcity.network.models import Unit
from libcity.staff.exceptions import InvalidStaffInput, InvalidToken, UsernameTaken
from libcity.staff.models import ApiToken, Role, StaffAssignment, StaffHistory
from libcity.staff.policies import STAFF_MANAGE, UNIT_ONLY_ROLES
from libcity.staff.selectors import Actor, require_permission

User = get_user_model()
TOKEN_PREFIX = "lc_"
_TOKEN_TOUCH_EVERY = timedelta(minutes=5)


def staff_create(
    *,
    username: str,
    password: str,
    display_name: str = "",
    email: str = "",
    actor: Actor = None,
    check_password: bool = True,
) -> User:
    """A login for a member of staff (or a machine). Roles come from ``staff_assign``."""
    username = (username or "").strip()
    if not username:
        raise InvalidStaffInput(_("A username is required."))
    if check_password:
        try:
            validate_password(password)
        except ValidationError as error:
            raise InvalidStaffInput(" ".join(error.messages)) from None
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                username=username, password=password, email=email, first_name=display_name
            )
            StaffHistory.objects.create(
                action="staff_created",
                actor=_user(actor),
                subject=user,
                details={"username": username},
            )
    except IntegrityError:
        raise UsernameTaken(_("The username %(name)s is taken.") % {"name": username}) from None
    return user


def staff_assign(
    *, user: User, role: str, unit: Unit, include_descendants: bool = True, actor: Actor = None
) -> StaffAssignment:
    """Give ``user`` a role at ``unit``. ``actor`` must manage staff there (None: the system)."""
    if role not in Role.values:
        raise InvalidStaffInput(_("Unknown role: %(role)s") % {"role": role})
    if actor is not None:
        require_permission(actor, STAFF_MANAGE, unit)
        _refuse_network_admin_by_non_admin(actor, role)
    include_descendants = include_descendants and role not in UNIT_ONLY_ROLES
    with transaction.atomic():
        assignment, _created = StaffAssignment.objects.get_or_create(
            user=user,
            role=role,
            unit=unit,
            defaults={"include_descendants": include_descendants},
        )
        StaffHistory.objects.create(
            action="role_assigned",
            actor=_user(actor),
            subject=user,
            details={"role": role, "unit": unit.code, "subtree": include_descendants},
        )
    return assignment


def _refuse_network_admin_by_non_admin(actor: Actor, role: str) -> None:
    if role != Role.NETWORK_ADMIN:
        return
    if not StaffAssignment.objects.filter(user=actor, role=Role.NETWORK_ADMIN).exists():
        raise InvalidStaffInput(_("Only a network administrator can appoint another."))


def api_token_create(*, user: User, name: str, actor: Actor = None) -> tuple[ApiToken, str]:
    """A new bearer token for ``user``. The clear token is returned once and never stored."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, name=name or "token", prefix=raw[:10], key_hash=_token_hash(raw)
        )
        StaffHistory.objects.create(
            action="token_created",
            actor=_user(actor),
            subject=user,
            details={"token": token.prefix, "name": token.name},
        )
    return token, raw


def api_token_authenticate(raw: str) -> User:
    """The active user behind a bearer token, or InvalidToken."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_token_hash(raw or ""), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        raise InvalidToken(_("The token is unknown or revoked."))
    moment = clock.now()
    if token.last_used_at is None or moment - token.last_used_at > _TOKEN_TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=moment)
    return token.user


def api_token_revoke(*, token: ApiToken, actor: Actor = None) -> None:
    with transaction.atomic():
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=clock.now())
        StaffHistory.objects.create(
            action="token_revoked",
            actor=_user(actor),
            subject=token.user,
            details={"token": token.prefix},
        )


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _user(actor: Actor):
    return actor if actor is not None and actor.is_authenticated else None
