"""A reader who withdraws consent to a reading history: the ended loans forget them."""

from __future__ import annotations

from django.db import transaction

from libcity.circulation.models import ENDED_STATUSES, Charge, ChargeStatus, Loan
from libcity.circulation.services.history import circulation_history
from libcity.readers.models import Reader
from libcity.staff.selectors import Actor


def reading_history_forget(*, reader: Reader, actor: Actor) -> int:
    """Unlink the reader from every ended loan, and settled charges from their copies, as if
    the reader had never consented. Running loans keep the reader (the copy is still out).
    Returns how many loans were unlinked."""
    with transaction.atomic():
        ended = Loan.objects.filter(reader=reader, status__in=ENDED_STATUSES).update(reader=None)
        Charge.objects.filter(reader=reader).exclude(status=ChargeStatus.OPEN).update(
            loan=None, item=None
        )
        circulation_history("reading_history_forgotten", actor, reader=reader.pk, loans=ended)
    return ended
