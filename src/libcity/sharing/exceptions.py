"""Errors of sharing. Codes are stable (the API and the pages map them); messages are for
people and translated."""

from libcity.core.exceptions import Conflict, DomainError, NotFoundOrNotAllowed


class TransferNotFound(NotFoundOrNotAllowed):
    """No offer has this code, or it is not the actor's to cancel."""

    code = "transfer_not_found"


class TransferCodeUsed(Conflict):
    """The code was accepted already (a replay)."""

    code = "transfer_code_used"


class TransferExpired(DomainError):
    """The offer ran out of time or was cancelled: the giver must offer again."""

    code = "transfer_expired"
    status = 410


class TransferNotAllowed(DomainError):
    """The loan cannot be passed on (lost, missing, ended), or nobody waits for it."""

    code = "transfer_not_allowed"
    status = 409


class TransferToSelf(DomainError):
    code = "transfer_to_self"
    status = 409


class TransferLimitReached(DomainError):
    """The giver passed this copy on as often as a year allows."""

    code = "transfer_limit_reached"
    status = 409


class TransferForAnother(DomainError):
    """A reader waits for this title (or the offer names their hold): only they may take it."""

    code = "transfer_for_another"
    status = 409


class NotAReader(DomainError):
    """Only a reader's own account offers or accepts a transfer."""

    code = "not_a_reader"
    status = 403
