"""Errors of the neighbours' home books. Codes are stable; messages are for people."""

from libcity.core.exceptions import Conflict, DomainError, InvalidInput, NotFoundOrNotAllowed


class HomeBookNotFound(NotFoundOrNotAllowed):
    """No such home book, or not the actor's to change (reads the same)."""

    code = "home_book_not_found"


class HomeBookLoanNotFound(NotFoundOrNotAllowed):
    code = "home_book_loan_not_found"


class InvalidHomeBook(InvalidInput):
    """A bad ISBN, an unknown ISBN without a title, an unknown area or use."""

    code = "invalid_home_book"


class HomeBookNotLendable(DomainError):
    """The book is not offered to others, or is not free now."""

    code = "home_book_not_lendable"
    status = 409


class HomeBookBusy(Conflict):
    """The book is asked for or lent: it cannot be withdrawn or changed now."""

    code = "home_book_busy"


class OwnHomeBook(DomainError):
    code = "home_book_own"
    status = 409


class AlreadyAsked(Conflict):
    code = "home_book_already_asked"


class BorrowerBlocked(DomainError):
    code = "home_book_borrower_blocked"
    status = 403


class HomeBookLoanNotAllowed(DomainError):
    """The loan is not in a status that allows this step."""

    code = "home_book_loan_not_allowed"
    status = 409


class HandOverCodeNotFound(NotFoundOrNotAllowed):
    code = "hand_over_code_not_found"


class HandOverCodeUsed(Conflict):
    code = "hand_over_code_used"


class HandOverCodeExpired(DomainError):
    code = "hand_over_code_expired"
    status = 410


class NotAReader(DomainError):
    code = "not_a_reader"
    status = 403
