"""The one way a hold changes status (``hold_move``), its history row, and the notice the
reader gets at each step."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import override

from libcity.circulation.models import Notice
from libcity.circulation.notices import NoticeSender, notice_sender
from libcity.core import clock
from libcity.holds import states
from libcity.holds.exceptions import HoldTransitionNotAllowed
from libcity.holds.models import Hold, HoldHistory, HoldStatus
from libcity.network.models import Unit
from libcity.staff.selectors import Actor, is_staff_member

log = logging.getLogger(__name__)

#: Steps the reader is told about, and the notice kind of each.
NOTIFIED = {
    HoldStatus.IN_TRANSIT: "hold_transit",
    HoldStatus.READY: "hold_ready",
    HoldStatus.EXPIRED: "hold_expired",
}


def hold_move(hold: Hold, to_status: str, *, unit: Unit | None, actor: Actor,
              fields: tuple[str, ...] = (), told: Told | None = None,
              **details) -> Hold:  # fmt: skip
    """Move a (locked) hold to ``to_status`` if the state machine allows it, saving
    ``fields`` set by the caller too; writes the history row and, after commit, tells the
    reader when the step is one they wait for (``told``: what only the notice carries, a
    locker's slot and pickup code; never in ``details``, which are written down). An ended
    hold lets go of the reader unless they keep a reading history."""
    before = hold.status
    if not states.can_move(before, to_status):
        raise HoldTransitionNotAllowed(
            _("A hold that is %(now)s cannot become %(next)s.")
            % {"now": HoldStatus(before).label, "next": HoldStatus(to_status).label}
        )
    hold.status = to_status
    changed = ["status", *fields]
    reader = hold.reader
    if to_status in states.ENDED:
        hold.ended_at = clock.now()
        changed.append("ended_at")
        if reader is not None and not reader.keeps_reading_history:
            hold.reader = None
            changed.append("reader")
    hold.save(update_fields=changed)
    hold_history(hold, before, unit=unit, actor=actor, **details)
    if reader is not None and to_status in NOTIFIED:
        # The sender is the one in force now, at the move: it is used after the commit.
        sender = notice_sender()
        kind = NOTIFIED[to_status]
        transaction.on_commit(lambda: hold_notify(hold, reader, kind, sender, told=told))
    return hold


def hold_history(hold: Hold, before: str, *, unit: Unit | None, actor: Actor, **details) -> None:
    """The history row of the hold's move from ``before`` to its status now. The actor is
    kept only when staff: a reader's own hold is not written down next to a title."""
    HoldHistory.objects.create(
        hold=hold, action=f"hold_{hold.status}", from_status=before, to_status=hold.status,
        unit=unit, actor=actor if is_staff_member(actor) else None,
        details={"record": hold.record_id, **details},
    )  # fmt: skip


@dataclass(frozen=True)
class Told:
    """What a notice tells the reader beyond the hold itself: the locker slot their copy
    waits in and the pickup code that opens it (``code`` empty: every slot is in use). The
    code is sent, never kept: the ``Notice`` row keeps the words with the code masked."""

    slot: int | None = None
    code: str = ""


#: What the kept copy of a notice shows in place of a pickup code.
CODE_MASK = "******"


def hold_notify(hold: Hold, reader, kind: str, sender: NoticeSender | None = None, *,
                told: Told | None = None) -> bool:  # fmt: skip
    """Send one notice for this step of this hold (kept in ``Notice``, a pickup code masked;
    once per hold, step and day). A sender that fails is logged: the hold has moved all the
    same."""
    with override("zh-hans"):
        subject, body = _words(hold, kind, told)
    kept = body.replace(told.code, CODE_MASK) if told and told.code else body
    try:
        sender = sender or notice_sender()
        with transaction.atomic():
            Notice.objects.create(reader=reader, kind=f"{kind}:{hold.pk}", channel=sender.channel,
                                  on=clock.today(), sent_at=clock.now(), body=kept)  # fmt: skip
            if not sender.send(reader, subject, body):
                transaction.set_rollback(True)
                return False
    except IntegrityError:
        return False  # told already today
    except Exception:  # a gateway down must not undo the hold's move
        log.exception("hold notice %s for hold %s not sent", kind, hold.pk)
        return False
    return True


def _words(hold: Hold, kind: str, told: Told | None = None) -> tuple[str, str]:
    title = hold.record.title
    where = hold.pickup_unit.name("zh-hans") if hold.pickup_unit_id else ""
    if told is not None and kind in ("hold_ready", "hold_locker", "hold_code"):
        return _locker_words(hold, told, title, where)
    if kind == "hold_ready":
        until = hold.shelf_until.isoformat() if hold.shelf_until else ""
        return (_("Your hold is ready"),
                _("《%(title)s》 waits for you at %(where)s until %(until)s.")
                % {"title": title, "where": where, "until": until})  # fmt: skip
    if kind == "hold_transit":
        return (_("Your hold is on its way"),
                _("A copy of 《%(title)s》 is on its way to %(where)s.")
                % {"title": title, "where": where})  # fmt: skip
    return (_("Your hold has expired"),
            _("《%(title)s》 was not collected in time; the copy has gone to the next reader.")
            % {"title": title})  # fmt: skip


def _locker_words(hold: Hold, told: Told, title: str, where: str) -> tuple[str, str]:
    if not told.code:
        return (_("Your hold has arrived"),
                _("《%(title)s》 has arrived at the locker %(where)s; every slot is in use. "
                  "You will get a pickup code as soon as a slot is free.")
                % {"title": title, "where": where})  # fmt: skip
    until = hold.shelf_until.isoformat() if hold.shelf_until else ""
    return (_("Your hold is ready"),
            _("《%(title)s》 waits for you in slot %(slot)s of the locker %(where)s until "
              "%(until)s. Your pickup code: %(code)s (type it at the locker to open the door).")
            % {"title": title, "slot": told.slot, "where": where, "until": until,
               "code": told.code})  # fmt: skip
