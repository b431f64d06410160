"""Desk flows that span rooms."""

from libcity.circulation.models import Loan
from libcity.circulation.services import loan_checkin, loan_checkout
from libcity.desk.services import desk_set_consent


def test_withdrawing_consent_forgets_the_ended_loans_at_once(library):
    reader = library.reader()
    desk_set_consent(reader=reader, keeps_reading_history=True, actor=None)
    first, second = library.copy("C0001"), library.copy("C0002")
    for copy in (first, second):
        loan_checkout(item=copy, reader=reader, unit=library.city.b1, actor=None)
    loan_checkin(item=first, unit=library.city.b1, actor=None)
    assert Loan.objects.filter(reader=reader).count() == 2
    desk_set_consent(reader=reader, keeps_reading_history=False, actor=None)
    assert list(Loan.objects.filter(reader=reader).values_list("item__barcode", flat=True)) == [
        "C0002"  # still out: the loan keeps its reader until the copy is back
    ]
