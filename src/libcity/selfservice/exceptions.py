"""Refusals of the self-service room."""

from libcity.core.exceptions import Conflict, InvalidInput, NotFoundOrNotAllowed


class InvalidTerminalInput(InvalidInput):
    """A terminal's or a bin's settings do not hold."""

    code = "terminal_invalid"


class TerminalExists(Conflict):
    code = "terminal_exists"


class TerminalNotFound(NotFoundOrNotAllowed):
    code = "terminal_not_found"
