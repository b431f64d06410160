"""The daily work of circulation (``libcity worker`` runs it once a day): mark loans overdue,
block readers with too many, and send the notices of the day.

Each part may run again the same day without doing anything twice: a loan is marked overdue
once (the state machine has no overdue → overdue), and a notice is kept per reader, kind and
day (a unique row), so a worker restarted mid-run picks up where it stopped.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import override

from libcity.circulation import policies, states
from libcity.circulation.models import Loan, LoanHistory, LoanStatus, Notice
from libcity.circulation.notices import NoticeSender, notice_sender
from libcity.circulation.services.loans import overdue_follow
from libcity.core import clock
from libcity.readers.models import Reader

#: Loans marked overdue per transaction.
BATCH = 1000
#: Overdue notices go out on these days late (not every day: readers stop reading them).
OVERDUE_NOTICE_DAYS = (1, 7, 30)


@dataclass
class DailyReport:
    day: dt.date
    marked_overdue: int = 0
    readers_checked: int = 0
    notices: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def lines(self) -> list[str]:
        sent = ", ".join(f"{kind} {n}" for kind, n in sorted(self.notices.items())) or "none"
        return [
            f"{self.day}: {self.marked_overdue} loans marked overdue, "
            f"{self.readers_checked} readers' blocks checked, notices sent: {sent}"
        ]


def circulation_daily(
    *, day: dt.date | None = None, sender: NoticeSender | None = None
) -> DailyReport:
    """Everything circulation does once a day, for ``day`` (today by default)."""
    report = DailyReport(day or clock.today())
    readers = loans_mark_overdue(day=report.day, report=report)
    for reader in Reader.objects.filter(pk__in=readers):
        overdue_follow(reader, None)
    report.readers_checked = len(readers)
    notices_send(day=report.day, sender=sender or notice_sender(), report=report)
    return report


def loans_mark_overdue(*, day: dt.date, report: DailyReport | None = None) -> set[int]:
    """Running loans due before ``day`` become overdue, ``BATCH`` a transaction. Returns the
    readers whose loans changed (for their blocks)."""
    readers: set[int] = set()
    due = Loan.objects.filter(status__in=(LoanStatus.ON_LOAN, LoanStatus.RENEWED),
                              due_on__lt=day).order_by("pk")  # fmt: skip
    while batch := list(due.values_list("pk", "status", "reader_id")[:BATCH]):
        with transaction.atomic():
            ids = [pk for pk, _status, _reader in batch]
            Loan.objects.filter(pk__in=ids, status__in=states.RUNNING).update(
                status=LoanStatus.OVERDUE
            )
            LoanHistory.objects.bulk_create(
                LoanHistory(loan_id=pk, action="loan_overdue", from_status=status,
                            to_status=LoanStatus.OVERDUE, details={"day": day.isoformat()})
                for pk, status, _reader in batch
            )  # fmt: skip
        readers.update(reader for _pk, _status, reader in batch if reader)
        if report is not None:
            report.marked_overdue += len(batch)
    return readers


def notices_send(*, day: dt.date, sender: NoticeSender, report: DailyReport | None = None) -> int:
    """One notice per reader and kind for the day: loans due soon, loans overdue."""
    sent = 0
    for kind, loans in (("due_soon", _due_soon(day)), ("overdue", _overdue_today(day))):
        for reader_id, barcodes in _by_reader(loans).items():
            if _notify(reader_id, kind, day, barcodes, sender):
                sent += 1
                if report is not None:
                    report.notices[kind] += 1
    return sent


def _due_soon(day: dt.date):
    return Loan.objects.filter(status__in=(LoanStatus.ON_LOAN, LoanStatus.RENEWED),
                               due_on=day + dt.timedelta(days=policies.DUE_SOON_DAYS))  # fmt: skip


def _overdue_today(day: dt.date):
    due_days = [day - dt.timedelta(days=late) for late in OVERDUE_NOTICE_DAYS]
    return Loan.objects.filter(status=LoanStatus.OVERDUE, due_on__in=due_days)


def _by_reader(loans) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)
    for reader_id, barcode in loans.exclude(reader=None).values_list("reader_id", "item__barcode"):
        found[reader_id].append(barcode)
    return found


def _notify(reader_id: int, kind: str, day: dt.date, barcodes: list[str],
            sender: NoticeSender) -> bool:  # fmt: skip
    """Write the notice row first (the unique row is the "sent once" guarantee), then send;
    a failed send rolls the row back so tomorrow's run does not skip it."""
    reader = Reader.objects.get(pk=reader_id)
    with override("zh-hans"):
        subject, body = _words(kind, reader, day, sorted(barcodes))
    try:
        with transaction.atomic():
            Notice.objects.create(reader=reader, kind=kind, channel=sender.channel, on=day,
                                  sent_at=clock.now(), body=body)  # fmt: skip
            if not sender.send(reader, subject, body):
                transaction.set_rollback(True)
                return False
    except IntegrityError:
        return False  # already sent today
    return True


def _words(kind: str, reader: Reader, day: dt.date, barcodes: list[str]) -> tuple[str, str]:
    items = ", ".join(barcodes)
    if kind == "due_soon":
        due = day + dt.timedelta(days=policies.DUE_SOON_DAYS)
        return (
            _("Loans due soon"),
            _(
                "%(name)s, %(n)d loan(s) are due on %(date)s: %(items)s. Renew online or "
                "return at any library."
            )
            % {"name": reader.name, "n": len(barcodes), "date": due.isoformat(), "items": items},
        )
    return (
        _("Overdue loans"),
        _(
            "%(name)s, %(n)d loan(s) are overdue: %(items)s. Please return them at any "
            "library; late days lower your credit."
        )
        % {"name": reader.name, "n": len(barcodes), "items": items},
    )
