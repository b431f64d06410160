"""Scope checks shared by every interface: the API, the pages and (later) SIP2.

``access_<entity>(actor, ...)`` returns the object or raises one NotAllowed error that reads
the same as "not found" (Zulip's ``access_stream_by_id`` pattern).
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet

from libcity.network.models import Unit
from libcity.staff.exceptions import NOT_ALLOWED_MESSAGE, NotAllowed
from libcity.staff.models import ApiToken, StaffAssignment
from libcity.staff.policies import UNIT_ONLY_ROLES, roles_granting

Actor = AbstractBaseUser | AnonymousUser | None
#: Marks an actor object once a check found them holding a role, so that later
#: ``is_staff_member`` questions about it (a history row asks whether to name the actor) need no
#: query. The object lives one request (or one command or connection); permission checks never
#: read the mark, they ask the database every time.
_SEEN_STAFF = "_libcity_seen_staff"


def _assignments(actor: Actor, permission: str) -> list[StaffAssignment]:
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return []
    found = list(
        StaffAssignment.objects.filter(
            user=actor, role__in=roles_granting(permission)
        ).select_related("unit")
    )
    if found:
        setattr(actor, _SEEN_STAFF, True)
    return found


def is_staff_member(actor: Actor) -> bool:
    if actor is None or not actor.is_authenticated:
        return False
    if getattr(actor, _SEEN_STAFF, False):
        return True
    return StaffAssignment.objects.filter(user=actor).exists()


def has_permission(actor: Actor, permission: str, unit: Unit) -> bool:
    """May ``actor`` use ``permission`` at ``unit``?"""
    return _grants(_assignments(actor, permission), unit)


def _grants(assignments: list[StaffAssignment], unit: Unit) -> bool:
    for assignment in assignments:
        if assignment.unit_id == unit.pk:
            return True
        if _extends(assignment) and unit.is_within(assignment.unit):
            return True
    return False


def _extends(assignment: StaffAssignment) -> bool:
    """Does the assignment reach below its unit? Never for a unit-only role."""
    return assignment.include_descendants and assignment.role not in UNIT_ONLY_ROLES


def scope_filter(actor: Actor, permission: str, *, unit_field: str = "") -> Q:
    """A Q over a model whose unit is reached by ``unit_field`` ("" for Unit itself).

    Matches nothing when the actor has no role granting ``permission``.
    """
    prefix = f"{unit_field}__" if unit_field else ""
    condition = Q(pk__in=[])
    for assignment in _assignments(actor, permission):
        if _extends(assignment):
            condition |= Q(**{f"{prefix}path__startswith": assignment.unit.path})
        else:
            condition |= Q(**{f"{prefix}pk": assignment.unit_id})
    return condition


def units_in_scope(actor: Actor, permission: str) -> QuerySet[Unit]:
    return Unit.objects.filter(scope_filter(actor, permission))


def require_permission(actor: Actor, permission: str, unit: Unit) -> None:
    if not has_permission(actor, permission, unit):
        raise NotAllowed(NOT_ALLOWED_MESSAGE)


def has_any_scope(actor: Actor, permission: str) -> bool:
    """Does ``actor`` hold ``permission`` at any unit?"""
    return bool(_assignments(actor, permission))


def require_any_scope(actor: Actor, permission: str) -> None:
    """For work that is not tied to one unit (a city-wide record): the actor must hold
    ``permission`` somewhere."""
    if not _assignments(actor, permission):
        raise NotAllowed(NOT_ALLOWED_MESSAGE)


def access_unit(actor: Actor, code: str, permission: str) -> Unit:
    """The unit with ``code`` if ``actor`` holds ``permission`` there; one error otherwise.
    A desk's own unit comes with its assignment (one query, as every request of a desk asks
    this); a unit below it is looked up."""
    assignments = _assignments(actor, permission)
    unit = next((a.unit for a in assignments if a.unit.code == code), None)
    if unit is None and assignments:
        unit = Unit.objects.filter(code=code).first()
    if unit is None or not _grants(assignments, unit):
        raise NotAllowed(NOT_ALLOWED_MESSAGE)
    return unit


def staff_roles(actor: Actor) -> list[StaffAssignment]:
    if actor is None or not actor.is_authenticated:
        return []
    return list(StaffAssignment.objects.filter(user=actor).select_related("unit"))


def api_tokens(*, username: str | None = None) -> QuerySet[ApiToken]:
    tokens = ApiToken.objects.select_related("user")
    return tokens.filter(user__username=username) if username else tokens


def api_token_by_prefix(prefix: str) -> ApiToken | None:
    """The active token whose shown prefix is ``prefix``."""
    return ApiToken.objects.filter(prefix=prefix, revoked_at__isnull=True).first()
