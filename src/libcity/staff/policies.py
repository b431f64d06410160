"""What each role may do. Permissions are plain strings so every room can name its own.

A permission is granted by a role and holds within the role's scope: the assignment's unit,
and its subtree when ``include_descendants`` is set.
"""

from __future__ import annotations

from libcity.staff.models import Role

NETWORK_VIEW = "network.view"
NETWORK_CHANGE = "network.change"
READERS_VIEW = "readers.view"
READERS_REGISTER = "readers.register"
READERS_CHANGE = "readers.change"
READERS_BLOCK = "readers.block"
STAFF_MANAGE = "staff.manage"
CATALOGUE_CHANGE = "catalogue.change"
LOGISTICS_WORK = "logistics.work"
PARTNER_OPERATE = "partner.operate"
CIRCULATION_LEND = "circulation.lend"  # check out, return, renew at a desk
CIRCULATION_CHARGES = "circulation.charges"  # settle fines, charge damage
CIRCULATION_RULES = "circulation.rules"  # edit the loan rules
SELFSERVICE_USE = "selfservice.use"  # a machine: gate entries, locker doors
SELFSERVICE_MANAGE = "selfservice.manage"  # terminals, sorter bins, locker slots

# A desk may stand in for its unit's machines (a gate that is down: the desk checks the
# card at the door, and the entry is counted as the gate would have counted it).
_DESK = {NETWORK_VIEW, READERS_VIEW, READERS_REGISTER, READERS_CHANGE, READERS_BLOCK,
         CIRCULATION_LEND, CIRCULATION_CHARGES, SELFSERVICE_USE}  # fmt: skip

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.DESK: frozenset(_DESK),
    Role.CATALOGUER: frozenset({NETWORK_VIEW, CATALOGUE_CHANGE}),
    Role.BRANCH_MANAGER: frozenset(
        _DESK
        | {NETWORK_CHANGE, STAFF_MANAGE, CATALOGUE_CHANGE, CIRCULATION_RULES}
        | {SELFSERVICE_MANAGE}
    ),
    Role.LOGISTICS: frozenset({NETWORK_VIEW, LOGISTICS_WORK}),
    Role.NETWORK_ADMIN: frozenset(
        _DESK
        | {NETWORK_CHANGE, STAFF_MANAGE, CATALOGUE_CHANGE, LOGISTICS_WORK, PARTNER_OPERATE}
        | {CIRCULATION_RULES, SELFSERVICE_MANAGE}
    ),
    # A partner's operator at a micro-branch (微分馆): lends and takes returns there, and
    # sees the readers at its desk; nothing else (no registering, charges or stock).
    Role.PARTNER_OPERATOR: frozenset(
        {NETWORK_VIEW, READERS_VIEW, PARTNER_OPERATE, CIRCULATION_LEND}
    ),
    # A kiosk, sorter, gate or locker: lends and takes returns, takes payment of charges,
    # registers readers (the identity checks apply), lets readers in and opens locker
    # doors, at its unit only.
    Role.MACHINE: frozenset(
        {NETWORK_VIEW, READERS_VIEW, READERS_REGISTER, CIRCULATION_LEND, CIRCULATION_CHARGES}
        | {SELFSERVICE_USE}
    ),
}


#: Roles that hold at their own unit only, never its subtree, whatever the assignment says:
#: a partner operator works the desk of the one partner-run unit they were appointed to.
UNIT_ONLY_ROLES = frozenset({Role.PARTNER_OPERATOR})


def roles_granting(permission: str) -> list[str]:
    """The roles whose holders have ``permission`` somewhere."""
    return [role for role, perms in ROLE_PERMISSIONS.items() if permission in perms]
