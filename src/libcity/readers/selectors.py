"""Reads about readers, and the scope check every interface uses before changing one."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from libcity.core import clock
from libcity.readers.exceptions import (
    BlockNotFound,
    CardNotActive,
    InvalidReaderInput,
    ReaderNotFound,
)
from libcity.readers.models import (
    Card,
    CardStatus,
    Reader,
    ReaderBlock,
    ReaderCategory,
    ReaderStatus,
)
from libcity.readers.policies import age_on
from libcity.staff.exceptions import NOT_ALLOWED_MESSAGE, NotAllowed
from libcity.staff.selectors import Actor, has_permission, scope_filter


def _card(number: str) -> Card | None:
    """The card with this number (unique: no ordering to build or sort by)."""
    found = (
        Card.objects.select_related("reader__home_unit", "reader__category")
        .filter(number=(number or "").strip())
        .order_by()[:1]
    )
    return next(iter(found), None)


def reader_by_card(number: str) -> Reader:
    """The reader whose ACTIVE card this is (for lending: a lost or old card does not lend)."""
    card = _card(number)
    _check_lending_card(card.status if card is not None else None)
    return card.reader


def reader_id_by_card(number: str) -> int:
    """``reader_by_card`` with only the reader's id read: for a service that locks the
    reader's row and reads it whole under the lock (a checkout), so one narrow query here."""
    found = Card.objects.filter(number=(number or "").strip()).values_list("status", "reader_id")
    # the number is unique: no ordering (the model's would join the reader to sort by)
    status, reader_id = next(iter(found.order_by()[:1]), (None, None))
    _check_lending_card(status)
    return reader_id


def _check_lending_card(status: str | None) -> None:
    """None: no card has the number."""
    if status is None:
        raise ReaderNotFound(_("No reader has this card number."))
    if status != CardStatus.ACTIVE:
        raise CardNotActive.for_status(status)


def access_reader(actor: Actor, card_number: str, permission: str) -> Reader:
    """The reader if ``actor`` holds ``permission`` at the reader's home unit.

    Unknown and out-of-scope read the same (NotAllowed). The reader's current number is
    accepted even when that card was just reported lost, so staff can replace it; an older
    number tells staff in scope that the card was replaced.
    """
    card = _card(card_number)
    if card is None or not has_permission(actor, permission, card.reader.home_unit):
        raise NotAllowed(NOT_ALLOWED_MESSAGE)
    if card.status != CardStatus.ACTIVE and card.reader.card_number != card.number:
        raise CardNotActive.for_status(card.status)
    return card.reader


def readers_in_scope(actor: Actor, permission: str, *, query: str = "") -> QuerySet[Reader]:
    """Readers whose home unit lies in the actor's scope, optionally matching ``query``."""
    readers = Reader.objects.filter(scope_filter(actor, permission, unit_field="home_unit"))
    query = (query or "").strip()
    if query:
        readers = readers.filter(_matching(query))
    return readers.select_related("home_unit", "category")


def _matching(query: str) -> Q:
    """Card number (any the reader held), name, phone, or the ID's last four characters."""
    old_cards = Card.objects.filter(number=query).values("reader_id")
    return (
        Q(card_number=query)
        | Q(pk__in=old_cards)
        | Q(name__icontains=query)
        | Q(phone__contains=query)
        | Q(id_last4=query.upper())
    )


def reader_of_user(user) -> Reader | None:
    """The reader behind a login (online self-registration), or None for staff and others."""
    if user is None or not user.is_authenticated:
        return None
    return Reader.objects.select_related("home_unit", "category").filter(user=user).first()


def categories() -> QuerySet[ReaderCategory]:
    return ReaderCategory.objects.all()


def category_get(code: str) -> ReaderCategory:
    category = ReaderCategory.objects.filter(code=code).first()
    if category is None:
        raise InvalidReaderInput(_("Unknown reader category: %(code)s") % {"code": code})
    return category


def reader_block_get(reader: Reader, block_id: int) -> ReaderBlock:
    """One of this reader's blocks (a block of another reader reads as not found)."""
    block = ReaderBlock.objects.filter(reader=reader, pk=block_id).first()
    if block is None:
        raise BlockNotFound(_("This reader has no such block."))
    return block


def reader_active_blocks(reader: Reader) -> QuerySet[ReaderBlock]:
    return ReaderBlock.objects.filter(reader=reader, lifted_at__isnull=True)


def reader_is_blocked(reader: Reader) -> bool:
    """True while any block is in force (expiry and closing are the reader's status)."""
    return reader_active_blocks(reader).exists()


def reader_can_borrow(reader: Reader, on: dt.date | None = None) -> bool:
    """Active, not past the expiry date, and not blocked."""
    on = on or clock.today()
    if reader.status != ReaderStatus.ACTIVE or reader.expires_on < on:
        return False
    return not reader_is_blocked(reader)


def reader_age(reader: Reader, on: dt.date | None = None) -> int:
    return age_on(reader.birth_date, on or clock.today())


def readers_count() -> int:
    """How many readers hold a card (any status), for the public home page."""
    return Reader.objects.count()
