"""Errors of logistics, with stable codes."""

from libcity.core.exceptions import DomainError, NotFoundOrNotAllowed


class TransitNotFound(NotFoundOrNotAllowed):
    code = "transit_not_found"


class TransitTransitionNotAllowed(DomainError):
    code = "transit_transition_not_allowed"
    status = 409
