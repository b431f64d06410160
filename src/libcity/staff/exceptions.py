from django.utils.translation import gettext_lazy as _

from libcity.core.exceptions import Conflict, DomainError, InvalidInput, NotFoundOrNotAllowed


class NotAllowed(NotFoundOrNotAllowed):
    """Raised when the actor may not act here; reads as "not found" so scope cannot be probed."""

    code = "not_found_or_not_allowed"


class NotStaff(DomainError):
    code = "not_staff"
    status = 403


class InvalidToken(DomainError):
    code = "invalid_token"
    status = 401


class UsernameTaken(Conflict):
    code = "username_taken"


class InvalidStaffInput(InvalidInput):
    code = "invalid_staff_input"


NOT_ALLOWED_MESSAGE = _("Not found, or not within your part of the network.")
