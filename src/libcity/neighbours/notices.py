"""Notices of the neighbours' home books: the owner is told a neighbour asks, the neighbour
that the owner said yes or no. Neither notice names the other reader (the owner's identity
stays hidden; the owner sees "a neighbour"). Sent after the commit, once per request and
kind; a sender that fails is logged, the request stands."""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import override

from libcity.circulation.models import Notice
from libcity.circulation.notices import NoticeSender, notice_sender
from libcity.core import clock
from libcity.neighbours.models import HomeBookLoan
from libcity.readers.models import Reader

log = logging.getLogger(__name__)


def home_book_notify_later(loan: HomeBookLoan, kind: str) -> None:
    """Once the transaction commits, tell the reader concerned by ``kind`` (``asked``:
    the lender; ``accepted``, ``declined``: the borrower)."""
    sender = notice_sender()
    reader_id = loan.lender_id if kind == "asked" else loan.borrower_id
    transaction.on_commit(lambda: _send(loan, kind, reader_id, sender))


def _send(loan: HomeBookLoan, kind: str, reader_id: int, sender: NoticeSender) -> bool:
    reader = Reader.objects.filter(pk=reader_id).first()
    if reader is None:
        return False
    with override("zh-hans"):
        subject, body = _words(loan, kind)
    try:
        with transaction.atomic():
            Notice.objects.create(reader=reader, kind=f"home_book_{kind}:{loan.pk}",
                                  channel=sender.channel, on=clock.today(), sent_at=clock.now(),
                                  body=body)  # fmt: skip
            if not sender.send(reader, subject, body):
                transaction.set_rollback(True)
                return False
    except IntegrityError:
        return False  # told already
    except Exception:  # a gateway down must not undo the request
        log.exception("home book notice %s for loan %s not sent", kind, loan.pk)
        return False
    return True


def _words(loan: HomeBookLoan, kind: str) -> tuple[str, str]:
    title = {"title": loan.book.title}
    if kind == "asked":
        return (_("A neighbour asks to borrow your book"),
                _("A neighbour asks to borrow 《%(title)s》. Say yes or no on your home books "
                  "page.") % title)  # fmt: skip
    if kind == "accepted":
        return (_("Your neighbour will lend you the book"),
                _("The owner of 《%(title)s》 said yes. When you meet, they show you a code: "
                  "enter it to take the book.") % title)  # fmt: skip
    return (
        _("Your neighbour cannot lend you the book"),
        _("The owner of 《%(title)s》 cannot lend it to you this time.") % title,
    )
