"""Blocks: reasons a reader may not borrow. Lifting keeps the row."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from libcity.core import clock
from libcity.readers import policies
from libcity.readers.exceptions import InvalidReaderInput
from libcity.readers.models import BlockReason, Reader, ReaderBlock
from libcity.readers.services.rows import actor_user, lock, write_history
from libcity.staff.selectors import Actor


def reader_block(*, reader: Reader, reason: str, note: str = "", actor: Actor) -> ReaderBlock:
    """Stop the reader borrowing. A lost card and low credit are blocked by their own services."""
    if reason not in BlockReason.values:
        raise InvalidReaderInput(_("Unknown block reason: %(reason)s") % {"reason": reason})
    if reason in policies.AUTOMATIC_BLOCK_REASONS:
        raise InvalidReaderInput(
            _("This block is set by the platform: report the card lost or adjust the credit.")
        )
    note = (note or "").strip()
    if len(note) > ReaderBlock._meta.get_field("note").max_length:
        raise InvalidReaderInput(_("The note is too long."))
    with transaction.atomic():
        return block_add(lock(reader), reason, actor, note=note)


def reader_unblock(*, block: ReaderBlock, actor: Actor) -> ReaderBlock:
    """Lift a block by hand; the automatic ones lift when their cause goes away."""
    if block.reason in policies.AUTOMATIC_BLOCK_REASONS:
        raise InvalidReaderInput(
            _("This block lifts by itself when the card is replaced or the credit recovers.")
        )
    with transaction.atomic():
        lock(block.reader)
        locked = ReaderBlock.objects.select_for_update().get(pk=block.pk)
        if locked.lifted_at is not None:
            raise InvalidReaderInput(_("This block was already lifted."))
        _lift(locked, actor)
    block.refresh_from_db()
    return block


def reader_block_follow(*, reader: Reader, reason: str, in_force: bool, actor: Actor,
                        note: str = "") -> None:  # fmt: skip
    """Set or lift a block whose cause another room tracks (too many overdue items, fines
    over the limit): called by the service that knows the cause, each time it changes."""
    with transaction.atomic():
        locked = lock(reader)
        if in_force:
            block_add(locked, reason, actor, note=note[:300])
        else:
            blocks_lift(locked, reason, actor)


def block_add(reader: Reader, reason: str, actor: Actor, note: str = "") -> ReaderBlock:
    """A new block on a locked reader. A reason other than MANUAL is held once: a second
    call returns the block already in force (the system may repeat itself)."""
    if reason != BlockReason.MANUAL:
        existing = ReaderBlock.objects.filter(
            reader=reader, reason=reason, lifted_at__isnull=True
        ).first()
        if existing is not None:
            return existing
    block = ReaderBlock.objects.create(
        reader=reader,
        reason=reason,
        note=note,
        created_at=clock.now(),
        created_by=actor_user(actor),
    )
    write_history(reader, "reader_blocked", actor, block=block.pk, reason=str(reason), note=note)
    return block


def blocks_lift(reader: Reader, reason: str, actor: Actor) -> None:
    """Lift every block in force for ``reason`` on a locked reader."""
    blocks = ReaderBlock.objects.select_for_update().filter(
        reader=reader, reason=reason, lifted_at__isnull=True
    )
    for block in blocks:
        _lift(block, actor)


def _lift(block: ReaderBlock, actor: Actor) -> None:
    block.lifted_at = clock.now()
    block.lifted_by = actor_user(actor)
    block.save(update_fields=["lifted_at", "lifted_by"])
    write_history(block.reader, "block_lifted", actor, block=block.pk, reason=str(block.reason))
