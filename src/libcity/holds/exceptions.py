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
