"""Writes about readers: registration, cards, blocks, credit, deposit, consent, contact.

``actor=None`` is the system (demo loader, tasks). Registration checks a human actor's scope
itself; for changes to an existing reader the interface first calls
``libcity.readers.selectors.access_reader``. Every change writes a ``ReaderHistory`` row whose
``details`` never hold the resident ID.
"""

from libcity.readers.services.blocks import reader_block, reader_block_follow, reader_unblock
from libcity.readers.services.cards import card_replace, card_report_lost
from libcity.readers.services.profile import reader_set_consent, reader_update_contact
from libcity.readers.services.registration import (
    categories_ensure,
    reader_register,
    reader_self_register,
)
from libcity.readers.services.standing import (
    reader_adjust_credit,
    reader_adjust_credit_locked,
    reader_set_deposit,
)

__all__ = [
    "card_replace",
    "card_report_lost",
    "categories_ensure",
    "reader_adjust_credit",
    "reader_adjust_credit_locked",
    "reader_block",
    "reader_block_follow",
    "reader_register",
    "reader_self_register",
    "reader_set_consent",
    "reader_set_deposit",
    "reader_unblock",
    "reader_update_contact",
]
