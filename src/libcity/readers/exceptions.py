"""Errors of the readers room. Codes are stable; messages are for people and translated."""

from __future__ import annotations

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from libcity.core.exceptions import Conflict, DomainError, InvalidInput, NotFoundOrNotAllowed
from libcity.network.models import Unit
from libcity.readers.models import CardStatus


class DuplicateReader(Conflict):
    """One card per person: this resident ID already has a reader."""

    code = "reader_already_registered"

    @classmethod
    def at_desk(cls, home_unit: Unit | None) -> DuplicateReader:
        """For staff: names the home unit, so the desk can send the person there."""
        if home_unit is None:
            return cls(_("This person already has a reader card. One card serves every library."))
        return cls(
            _(
                "This person already has a reader card, registered at %(unit)s. One card serves "
                "every library; a lost card is replaced rather than registered again."
            )
            % {"unit": home_unit.name(get_language())},
            home_unit=home_unit.code,
        )

    @classmethod
    def online(cls) -> DuplicateReader:
        """For self-registration: says no more than that a card exists somewhere."""
        return cls(
            _(
                "This person already has a reader card at one of the city's libraries. Log in "
                "with it, or bring your resident ID to any library desk if the card is lost."
            )
        )


class ReaderNotFound(NotFoundOrNotAllowed):
    code = "reader_not_found"


class BlockNotFound(NotFoundOrNotAllowed):
    code = "block_not_found"


class InvalidReaderInput(InvalidInput):
    code = "invalid_reader_input"


class GuardianRequired(InvalidInput):
    code = "guardian_required"


class CardNotActive(DomainError):
    """An old card was presented: it was replaced, or reported lost."""

    code = "card_not_active"

    @classmethod
    def for_status(cls, status: str) -> CardNotActive:
        if status == CardStatus.LOST:
            return cls(
                _("This card was reported lost and can no longer be used."), card_status=status
            )
        return cls(
            _("This card was replaced by a new one and can no longer be used."),
            card_status=status,
        )
