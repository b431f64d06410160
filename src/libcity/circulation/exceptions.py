"""Errors of circulation. Codes are stable (the API, the pages and SIP2 map them); messages
are for people and translated."""

from libcity.core.exceptions import Conflict, DomainError, InvalidInput, NotFoundOrNotAllowed


class LoanNotFound(NotFoundOrNotAllowed):
    code = "loan_not_found"


class ChargeNotFound(NotFoundOrNotAllowed):
    code = "charge_not_found"


class ItemNotAvailable(Conflict):
    code = "item_not_available"


class ItemNotLoanable(DomainError):
    code = "item_not_loanable"
    status = 409


class LoanLimitReached(DomainError):
    code = "loan_limit_reached"
    status = 409


class ReaderBlocked(DomainError):
    code = "reader_blocked"
    status = 403


class CardExpired(DomainError):
    code = "card_expired"
    status = 403


class RenewalRefused(DomainError):
    code = "renewal_refused"
    status = 409


class LoanTransitionNotAllowed(DomainError):
    code = "loan_transition_not_allowed"
    status = 409


class InvalidRule(InvalidInput):
    code = "invalid_rule"


class InvalidCharge(InvalidInput):
    code = "invalid_charge"
