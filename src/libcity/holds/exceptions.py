"""Errors of holds. Codes are stable (the API, the pages and SIP2 map them); messages are for
people and translated."""

from libcity.core.exceptions import Conflict, DomainError, InvalidInput, NotFoundOrNotAllowed


class HoldNotFound(NotFoundOrNotAllowed):
    code = "hold_not_found"


class HoldNotAllowed(DomainError):
    """The title or copy cannot be held (nothing to lend, not for loan, already borrowed)."""

    code = "hold_not_allowed"
    status = 409


class HoldLimitReached(DomainError):
    code = "hold_limit_reached"
    status = 409


class HoldExists(Conflict):
    code = "hold_exists"


class InvalidPickup(InvalidInput):
    code = "invalid_pickup"


class HoldTransitionNotAllowed(DomainError):
    code = "hold_transition_not_allowed"
    status = 409


class OnHoldForAnother(DomainError):
    """The copy waits on the hold shelf (or is chosen) for another reader."""

    code = "on_hold_for_another"
    status = 409


class NotALocker(InvalidInput):
    code = "not_a_locker"


class LockerSlotInUse(Conflict):
    """Slots holding copies cannot be taken away; a slot not to be emptied cannot be."""

    code = "locker_slot_in_use"


class LockerCodeNotRenewed(Conflict):
    """No slot holds the copy yet, or a new code was sent today already."""

    code = "locker_code_not_renewed"


class LockerCodeInvalid(DomainError):
    """No occupied slot of this locker opens with this code (wrong, or its hold ended)."""

    code = "locker_code_invalid"
    status = 403


class LockerLockedOut(DomainError):
    """Too many wrong codes at this locker lately: it opens for nobody for a while."""

    code = "locker_locked_out"
    status = 429
