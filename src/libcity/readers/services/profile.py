"""Who the reader is and how to reach them: name, phone, e-mail, and reading-history consent."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from libcity.readers.exceptions import InvalidReaderInput
from libcity.readers.models import Reader
from libcity.readers.services.rows import lock, write_history
from libcity.staff.selectors import Actor

_PHONE = re.compile(r"\+?[0-9][0-9 -]{4,18}")


def reader_update_contact(
    *, reader: Reader, phone: str | None = None, email: str | None = None, actor: Actor
) -> Reader:
    """Change phone and/or e-mail (None: leave as is). History names the fields, not values."""
    changes = {}
    if phone is not None:
        changes["phone"] = clean_phone(phone)
    if email is not None:
        changes["email"] = clean_email(email)
    with transaction.atomic():
        locked = lock(reader)
        changed = [field for field, value in changes.items() if getattr(locked, field) != value]
        if changed:
            for field in changed:
                setattr(locked, field, changes[field])
            locked.save(update_fields=changed)
            write_history(locked, "contact_changed", actor, fields=changed)
    reader.refresh_from_db()
    return reader


def reader_set_consent(*, reader: Reader, keeps_reading_history: bool, actor: Actor) -> Reader:
    """Keep the reader's reading history, or not. Off unless the reader says yes (PIPL,
    Public Library Law art. 43)."""
    wanted = bool(keeps_reading_history)
    with transaction.atomic():
        locked = lock(reader)
        if locked.keeps_reading_history != wanted:
            locked.keeps_reading_history = wanted
            locked.save(update_fields=["keeps_reading_history"])
            write_history(locked, "consent_changed", actor, keeps_reading_history=wanted)
    reader.refresh_from_db()
    return reader


def clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise InvalidReaderInput(_("The reader's name is required."))
    if len(name) > Reader._meta.get_field("name").max_length:
        raise InvalidReaderInput(_("The name is too long."))
    return name


def clean_phone(phone: str) -> str:
    phone = (phone or "").strip()
    if phone and not _PHONE.fullmatch(phone):
        raise InvalidReaderInput(_("This does not look like a phone number."))
    return phone


def clean_email(email: str) -> str:
    email = (email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise InvalidReaderInput(_("This does not look like an e-mail address.")) from None
    return email
