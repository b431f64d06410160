"""What the database can store, checked before writing: the record and item services refuse
in words what SQLite would keep silently and PostgreSQL would refuse with an error."""

from __future__ import annotations

from django.utils.translation import gettext as _


def unstorable_text(values: dict, limits: dict[str, int]) -> str:
    """Why these values cannot be stored ('' when they can): a text longer than its column
    (``limits``), or a NUL character (PostgreSQL stores none, in text or in JSON)."""
    for name, value in values.items():
        if isinstance(value, str):
            if "\x00" in value:
                return _nul(name)
            limit = limits.get(name)
            if limit and len(value) > limit:
                return _("The %(field)s is %(n)d characters long; at most %(max)d fit.") % {
                    "field": name, "n": len(value), "max": limit}  # fmt: skip
        elif isinstance(value, list) and any(
            isinstance(text, str) and "\x00" in text for text in value
        ):
            return _nul(name)
    return ""


def _nul(name: str) -> str:
    return _("The %(field)s contains a NUL character.") % {"field": name}
