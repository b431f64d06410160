"""The daily work: overdue marking, the overdue block, notices once a day, the worker command."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from libcity.circulation.models import LoanHistory, LoanStatus, Notice
from libcity.circulation.notices import ConsoleSender
from libcity.circulation.services import (
    circulation_daily,
    loan_checkin,
    loan_checkout,
    loans_mark_overdue,
    notices_send,
)
from libcity.circulation.services.daily import OVERDUE_NOTICE_DAYS
from libcity.readers.selectors import reader_active_blocks

from .test_loans import THURSDAY, at


class RefusingSender:
    channel = "sms"

    def send(self, reader, subject, body):
        return False


def test_running_loans_past_their_due_date_become_overdue_once(library):
    reader = library.reader()
    with at(THURSDAY.date()):
        loans = [loan_checkout(item=library.copy(f"C000{n}"), reader=reader,
                               unit=library.city.b1, actor=None) for n in range(2)]  # fmt: skip
    due = loans[0].due_on
    assert loans_mark_overdue(day=due) == set()  # due today is not overdue yet
    assert loans_mark_overdue(day=due + dt.timedelta(days=1)) == {reader.pk}
    assert loans_mark_overdue(day=due + dt.timedelta(days=2)) == set()  # not twice
    statuses = set(type(loans[0]).objects.values_list("status", flat=True))
    assert statuses == {LoanStatus.OVERDUE}
    assert LoanHistory.objects.filter(action="loan_overdue").count() == 2


def test_three_overdue_loans_block_the_reader_until_one_comes_back(library):
    reader = library.reader()
    with at(THURSDAY.date()):
        copies = [library.copy(f"C000{n}") for n in range(3)]
        loans = [loan_checkout(item=c, reader=reader, unit=library.city.b1, actor=None)
                 for c in copies]  # fmt: skip
    later = loans[0].due_on + dt.timedelta(days=2)
    with at(later):
        circulation_daily(sender=ConsoleSender(io.StringIO()))
    assert list(reader_active_blocks(reader).values_list("reason", flat=True)) == ["overdue"]
    with at(later):
        loan_checkin(item=copies[0], unit=library.city.b1, actor=None)
    assert not reader_active_blocks(reader).exists()


def test_notices_go_out_once_a_day_for_due_soon_and_overdue(library):
    reader = library.reader()
    with at(THURSDAY.date()):
        loan = loan_checkout(item=library.copy("C0001"), reader=reader, unit=library.city.b1,
                             actor=None)  # fmt: skip
    out = io.StringIO()
    soon = loan.due_on - dt.timedelta(days=3)
    assert notices_send(day=soon, sender=ConsoleSender(out)) == 1
    assert notices_send(day=soon, sender=ConsoleSender(out)) == 0  # the same day: not again
    assert "C0001" in out.getvalue() and reader.card_number in out.getvalue()
    late = loan.due_on + dt.timedelta(days=OVERDUE_NOTICE_DAYS[0])
    loans_mark_overdue(day=late)
    assert notices_send(day=late, sender=ConsoleSender(out)) == 1
    assert notices_send(day=late + dt.timedelta(days=1), sender=ConsoleSender(out)) == 0
    assert set(Notice.objects.values_list("kind", flat=True)) == {"due_soon", "overdue"}
    assert "已逾期" in Notice.objects.get(kind="overdue").body  # readers get Chinese


def test_a_notice_that_could_not_be_sent_is_not_recorded(library):
    reader = library.reader()
    with at(THURSDAY.date()):
        loan = loan_checkout(item=library.copy("C0001"), reader=reader, unit=library.city.b1,
                             actor=None)  # fmt: skip
    soon = loan.due_on - dt.timedelta(days=3)
    assert notices_send(day=soon, sender=RefusingSender()) == 0
    assert not Notice.objects.exists()
    assert notices_send(day=soon, sender=ConsoleSender(io.StringIO())) == 1


def test_the_worker_runs_the_day_once_and_says_what_it_did(library, settings):
    settings.LIBCITY_NOTICE_SENDER = "libcity.circulation.notices.ConsoleSender"
    with at(THURSDAY.date()):
        loan = loan_checkout(item=library.copy("C0001"), reader=library.reader(),
                             unit=library.city.b1, actor=None)  # fmt: skip
    out = io.StringIO()
    day = (loan.due_on + dt.timedelta(days=1)).isoformat()
    call_command("worker", once=True, day=day, stdout=out)
    assert "1 loans marked overdue" in out.getvalue() and "overdue 1" in out.getvalue()
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("worker", once=True, day="tomorrow", stdout=io.StringIO())
