"""Cards: report one lost, replace it. An old number never works again."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from libcity.core import clock
from libcity.core.identifiers import card_number_from_sequence
from libcity.core.models import Sequence
from libcity.network.models import Unit
from libcity.readers import policies
from libcity.readers.exceptions import CardNotActive, InvalidReaderInput
from libcity.readers.models import BlockReason, Card, CardStatus, Reader, ReaderStatus
from libcity.readers.services.blocks import block_add, blocks_lift
from libcity.readers.services.rows import lock, write_history
from libcity.staff.policies import READERS_CHANGE
from libcity.staff.selectors import Actor, require_permission

CARD_SEQUENCE = "card"


def card_number_allot() -> str:
    """The next reader card number (call inside the transaction that uses it)."""
    return card_number_from_sequence(Sequence.take(CARD_SEQUENCE))


def card_replace(*, reader: Reader, unit: Unit, actor: Actor) -> Card:
    """Issue a new card at ``unit``. The old number is dead for ever; a lost-card block lifts.

    ``actor`` (unless the system) must hold ``readers.change`` at ``unit``, and the unit must
    be one that replaces this reader's card (policies: the home unit or a unit above it).
    """
    if actor is not None:
        require_permission(actor, READERS_CHANGE, unit)
    if not policies.card_replacement_allowed_at(reader, unit):
        raise InvalidReaderInput(
            _("A card is replaced at the reader's home library (%(unit)s).")
            % {"unit": reader.home_unit.name(get_language())},
            code="card_replaced_at_home_unit",
        )
    with transaction.atomic():
        locked = lock(reader)
        if locked.status == ReaderStatus.CLOSED:
            raise InvalidReaderInput(_("This reader's registration is closed."))
        card = _issue_new_card(locked, unit=unit, actor=actor)
        blocks_lift(locked, BlockReason.LOST_CARD, actor)
    reader.refresh_from_db()
    return card


def card_report_lost(*, reader: Reader, actor: Actor) -> Card:
    """The card in use stops working at once, and the reader is blocked until replacement."""
    with transaction.atomic():
        locked = lock(reader)
        card = _end_active_card(locked, CardStatus.LOST)
        if card is None:
            raise CardNotActive(_("This reader has no card in use: it was already reported lost."))
        write_history(locked, "card_reported_lost", actor, card=card.number)
        block_add(locked, BlockReason.LOST_CARD, actor)
    reader.refresh_from_db()
    return card


def _issue_new_card(reader: Reader, *, unit: Unit, actor: Actor) -> Card:
    """A card still in use becomes REPLACED; one reported lost stays LOST."""
    old = (
        _end_active_card(reader, CardStatus.REPLACED)
        or Card.objects.filter(number=reader.card_number).first()
    )
    number = card_number_allot()
    card = Card.objects.create(
        number=number, reader=reader, issued_at=clock.now(), issued_at_unit=unit
    )
    reader.card_number = number
    reader.save(update_fields=["card_number"])
    write_history(
        reader,
        "card_replaced",
        actor,
        old_card=old.number if old else None,
        old_card_status=str(old.status) if old else None,
        new_card=number,
        unit=unit.code,
    )
    return card


def _end_active_card(reader: Reader, status: str) -> Card | None:
    card = Card.objects.select_for_update().filter(reader=reader, status=CardStatus.ACTIVE).first()
    if card is not None:
        card.status = status
        card.ended_at = clock.now()
        card.save(update_fields=["status", "ended_at"])
    return card
