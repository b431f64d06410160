"""The notice to the first reader waiting for a title when its borrower offers them the copy:
the code to accept it with. The code is sent, never kept: the ``Notice`` row keeps the words
with the code masked (as a locker's pickup code)."""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import override

from libcity.circulation.models import Notice
from libcity.circulation.notices import NoticeSender, notice_sender
from libcity.core import clock
from libcity.readers.models import Reader
from libcity.sharing.models import Transfer

log = logging.getLogger(__name__)

#: What the kept copy of a notice shows in place of a code.
CODE_MASK = "********"


def transfer_notify(transfer: Transfer, reader: Reader, code: str,
                    sender: NoticeSender | None = None) -> bool:  # fmt: skip
    """Tell ``reader`` (the hold's) the code of an offer made to them; once per offer. A
    sender that fails is logged: the offer stands all the same."""
    with override("zh-hans"):
        subject, body = _words(transfer, code)
    try:
        sender = sender or notice_sender()
        with transaction.atomic():
            Notice.objects.create(reader=reader, kind=f"transfer_offer:{transfer.pk}",
                                  channel=sender.channel, on=clock.today(), sent_at=clock.now(),
                                  body=body.replace(code, CODE_MASK))  # fmt: skip
            if not sender.send(reader, subject, body):
                transaction.set_rollback(True)
                return False
    except IntegrityError:
        return False  # told already
    except Exception:  # a gateway down must not undo the offer
        log.exception("transfer notice for transfer %s not sent", transfer.pk)
        return False
    return True


def _words(transfer: Transfer, code: str) -> tuple[str, str]:
    until = clock.as_local(transfer.expires_at).strftime("%H:%M")
    where = transfer.place_unit.name("zh-hans") if transfer.place_unit_id else ""
    words = {"title": transfer.item.record.title, "code": code, "until": until}
    if where:
        body = _("The reader who has 《%(title)s》 on loan offers it to you at %(where)s. "
                 "Accept it with the code %(code)s before %(until)s; your hold is then "
                 "collected.") % {**words, "where": where}  # fmt: skip
    else:
        body = _(
            "The reader who has 《%(title)s》 on loan offers it to you by hand. Accept it "
            "with the code %(code)s before %(until)s; your hold is then collected."
        )
        body %= words
    return _("A copy you are waiting for is offered to you"), body
