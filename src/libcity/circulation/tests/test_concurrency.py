"""Races, on SQLite and PostgreSQL: many kiosks at once must never break a rule.

Each test starts its threads together on a barrier; every thread has its own database
connection (Django's per-thread connections), closed when the thread ends.
"""

import threading
from collections import Counter

import pytest
from django.db import close_old_connections, connection

from libcity.catalogue.models import Item
from libcity.circulation.models import Loan, LoanHistory, LoanStatus
from libcity.circulation.services import (
    RuleData,
    loan_checkin,
    loan_checkout,
    loan_renew,
    rule_save,
)
from libcity.core.exceptions import DomainError

pytestmark = pytest.mark.django_db(transaction=True)


def race(jobs):
    """Run the callables at once; each one's result or the DomainError code it raised."""
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def run(n, job):
        try:
            barrier.wait(timeout=30)
            results[n] = job()
        except DomainError as error:
            results[n] = error.code
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n, job)) for n, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    close_old_connections()
    return results


def test_fifty_kiosks_checking_out_one_copy_make_exactly_one_loan(library):
    copy = library.copy("C0001")
    readers = [library.reader() for _ in range(50)]
    unit = library.city.b1
    jobs = [lambda r=r: loan_checkout(item=copy, reader=r, unit=unit, actor=None) for r in readers]
    results = race(jobs)
    outcomes = Counter("loan" if isinstance(r, Loan) else r for r in results)
    assert outcomes == {"loan": 1, "item_not_available": 49}
    assert Loan.objects.filter(item=copy).count() == 1
    assert Item.objects.get(pk=copy.pk).status == "on_loan"


def test_a_reader_at_29_of_30_checking_out_ten_at_once_ends_with_30(library):
    reader, unit = library.reader(), library.city.b1
    rule_save(data=RuleData(name="b1 limit", unit=unit, max_items=30), actor=None)
    for n in range(29):
        loan_checkout(item=library.copy(f"H{n:04d}"), reader=reader, unit=unit, actor=None)
    copies = [library.copy(f"N{n:04d}") for n in range(10)]
    jobs = [lambda c=c: loan_checkout(item=c, reader=reader, unit=unit, actor=None) for c in copies]
    results = race(jobs)
    outcomes = Counter("loan" if isinstance(r, Loan) else r for r in results)
    assert outcomes == {"loan": 1, "loan_limit_reached": 9}
    assert Loan.objects.filter(reader=reader, status=LoanStatus.ON_LOAN).count() == 30
    assert Item.objects.filter(barcode__startswith="N", status="on_loan").count() == 1


def test_a_return_racing_a_renewal_leaves_one_consistent_state(library):
    for round_ in range(5):
        copy = library.copy(f"R{round_:04d}")
        loan = loan_checkout(item=copy, reader=library.reader(), unit=library.city.b1, actor=None)
        results = race([
            lambda loan=loan: loan_renew(loan=loan, actor=None),
            lambda copy=copy: loan_checkin(item=copy, unit=library.city.b2, actor=None),
        ])  # fmt: skip
        loan.refresh_from_db()
        assert loan.status == LoanStatus.RETURNED
        actions = list(LoanHistory.objects.filter(loan=loan).values_list("action", flat=True))
        assert actions[-1] == "loan_returned" and actions.count("loan_returned") == 1
        renewed = results[0] != "renewal_refused"
        assert loan.renewals == (1 if renewed else 0)
        assert ("loan_renewed" in actions) == renewed
        assert Item.objects.get(pk=copy.pk).status == "available"
