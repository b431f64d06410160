"""Domain errors with stable codes.

Every interface maps a DomainError once: problem+json in the API, a message on the page,
``ok=0`` with a screen message in SIP2. The ``code`` is the stable contract; the message is
for people and is translated.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule of the library said no. ``code`` is stable; ``message`` is for people."""

    code: str = "domain_error"
    status: int = 400

    def __init__(self, message: str, *, code: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = str(message)
        if code is not None:
            self.code = code
        self.details = details

    def __str__(self) -> str:
        return self.message


class NotFoundOrNotAllowed(DomainError):
    """One answer for "does not exist" and "you may not see it", so scope cannot be probed."""

    code = "not_found"
    status = 404


class InvalidInput(DomainError):
    code = "invalid_input"
    status = 422


class Conflict(DomainError):
    code = "conflict"
    status = 409
