"""Races, on SQLite and PostgreSQL: two receivers scanning one code make exactly one loan."""

from collections import Counter

import pytest

from libcity.circulation.models import Loan, LoanStatus
from libcity.circulation.tests.test_concurrency import race
from libcity.sharing.models import Transfer, TransferStatus
from libcity.sharing.services import transfer_accept, transfer_offer

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_receivers_accepting_one_code_at_once_make_exactly_one_loan(reader, lent):
    for round_ in range(3):
        loan = lent(reader(), barcode=f"RACE{round_}")
        transfer = transfer_offer(loan=loan, actor=loan.reader.user)
        receivers = [reader(), reader()]
        code = transfer.code
        jobs = [lambda r=r, c=code: transfer_accept(code=c, actor=r.user) for r in receivers]
        outcomes = Counter("accepted" if isinstance(r, Transfer) else r for r in race(jobs))
        assert outcomes == {"accepted": 1, "transfer_code_used": 1}
        running = Loan.objects.filter(item=loan.item, status=LoanStatus.ON_LOAN)
        assert running.count() == 1 and running.get().reader in receivers
        assert Loan.objects.get(pk=loan.pk).status == LoanStatus.TRANSFERRED
        done = Transfer.objects.get(pk=transfer.pk)
        assert done.status == TransferStatus.ACCEPTED and done.new_loan == running.get()
