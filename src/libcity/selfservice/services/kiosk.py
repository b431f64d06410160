"""Registration at a self-service kiosk: the reader's own registration, at the kiosk's unit.

The same identity checks as at a desk (``readers.reader_register``), with the rules of
online registration: the category follows from the age on the resident ID, and children are
sent to a desk with a guardian. The kiosk's screen is public, so a person who already has a
card is told so without naming the library that holds it.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from libcity.core import clock
from libcity.core.identifiers import resident_id_check
from libcity.network.models import Unit
from libcity.readers import policies
from libcity.readers.exceptions import DuplicateReader, GuardianRequired
from libcity.readers.models import Reader, ReaderCategory, RegistrationChannel
from libcity.readers.services import categories_ensure, reader_register
from libcity.staff.policies import READERS_REGISTER
from libcity.staff.selectors import Actor, require_permission


def kiosk_reader_register(*, name: str, resident_id: str, unit: Unit, actor: Actor,
                          phone: str = "", email: str = "") -> Reader:  # fmt: skip
    """Register the person at the kiosk of ``unit`` (their home unit) and issue their card."""
    if actor is not None:
        require_permission(actor, READERS_REGISTER, unit)
    category = _category_by_age(resident_id)
    try:
        return reader_register(
            name=name, resident_id=resident_id, category=category, home_unit=unit,
            actor=actor, channel=RegistrationChannel.KIOSK, phone=phone, email=email,
        )  # fmt: skip
    except DuplicateReader:
        raise DuplicateReader.online() from None


def _category_by_age(resident_id: str) -> ReaderCategory:
    today = clock.today()
    resident = resident_id_check(resident_id, today=today)
    code = policies.self_registration_category_code(policies.age_on(resident.birth_date, today))
    if code is None:
        raise GuardianRequired(
            _(
                "Children under %(limit)d are registered at a library desk, together with a "
                "guardian who has a reader card."
            )
            % {"limit": policies.CHILD_AGE_LIMIT}
        )
    category = ReaderCategory.objects.filter(code=code).first()
    return category or next(c for c in categories_ensure() if c.code == code)
