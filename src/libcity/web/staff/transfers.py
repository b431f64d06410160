"""The staff page of transfers (转借, ``/staff/transfers/``): who passed which copy to whom,
where and when, at the units in the staff member's scope (and by hand, of copies those units
own); found by a copy's barcode or a reader's card number. Readers' names are masked: staff
see the card numbers."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from libcity.selfservice.services.gates import masked_name
from libcity.sharing.selectors import transfers_in_scope
from libcity.staff.policies import CIRCULATION_LEND
from libcity.staff.selectors import has_any_scope
from libcity.web.staff.views import staff_page

PER_PAGE = 50


@staff_page
def transfers_page(request: HttpRequest) -> HttpResponse:
    if not has_any_scope(request.user, CIRCULATION_LEND):
        raise PermissionDenied(_("This page is for staff who lend."))
    query = (request.GET.get("q") or "").strip()[:40]
    transfers = transfers_in_scope(request.user, CIRCULATION_LEND, query=query)
    page = Paginator(transfers, PER_PAGE).get_page(request.GET.get("page"))
    for transfer in page.object_list:
        transfer.giver_masked = masked_name(transfer.giver.name) if transfer.giver_id else ""
        transfer.receiver_masked = (masked_name(transfer.receiver.name)
                                    if transfer.receiver_id else "")  # fmt: skip
    return render(request, "web/staff/transfers.html", {"page": page, "q": query})
