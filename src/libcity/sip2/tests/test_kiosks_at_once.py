"""Many kiosks at once over TCP: the loan limit holds, every kiosk gets its answer."""

from __future__ import annotations

import threading
from collections import Counter

import pysip2
import pytest

from libcity.circulation.models import Loan, LoanStatus
from libcity.sip2.tests.conftest import Kiosk, stamp

pytestmark = pytest.mark.django_db(transaction=True)
KIOSKS = 200


def test_two_hundred_kiosks_checking_out_on_one_card_stop_at_its_limit(sip_server, terminal,
                                                                       library):  # fmt: skip
    reader = library.reader()
    barcodes = [f"AT{n:04d}" for n in range(KIOSKS)]
    for barcode in barcodes:
        library.copy(barcode)
    kiosks = [Kiosk(sip_server.port) for _ in range(KIOSKS)]
    for kiosk in kiosks:
        assert kiosk.login().ok == "1"
    barrier = threading.Barrier(KIOSKS)
    answers: list[str | None] = [None] * KIOSKS

    def lend(n: int) -> None:
        request = pysip2.CheckoutRequest(
            sc_renewal_policy="Y", no_block="N", transaction_date=stamp(), nb_due_date=stamp(),
            institution_id="", patron_identifier=reader.card_number,
            item_identifier=barcodes[n], terminal_password="",
        )  # fmt: skip
        barrier.wait(timeout=60)
        answers[n] = kiosks[n].send(request).ok

    threads = [threading.Thread(target=lend, args=(n,)) for n in range(KIOSKS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    for kiosk in kiosks:
        kiosk.close()
    assert Counter(answers) == {"1": 30, "0": KIOSKS - 30}  # the default limit is 30
    assert Loan.objects.filter(reader=reader, status=LoanStatus.ON_LOAN).count() == 30
