"""Home delivery for readers: a basket of titles (kept in the session) and the order form."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from libcity.catalogue.models import Record
from libcity.core.exceptions import DomainError
from libcity.desk.holds import desk_delivery_order
from libcity.logistics.models import DeliveryOrder
from libcity.logistics.policies import delivery_policy
from libcity.readers import selectors as readers
from libcity.web.feedback import show_error

BASKET = "delivery_basket"


class DeliveryForm(forms.Form):
    address = forms.CharField(label=gettext_lazy("Address"), max_length=300,
                              widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip
    phone = forms.CharField(label=gettext_lazy("Phone the courier can call"), max_length=20)


@login_required
@require_POST
def basket_add(request: HttpRequest, record_id: int) -> HttpResponse:
    basket = request.session.get(BASKET, [])
    most = delivery_policy().max_items
    if record_id in basket:
        messages.info(request, _("That title is in your delivery already."))
    elif len(basket) >= most:
        messages.error(request, _("One delivery takes at most %(n)d titles.") % {"n": most})
    elif Record.objects.filter(pk=record_id).exists():
        request.session[BASKET] = [*basket, record_id]
        messages.success(request, _("Added to your home delivery."))
    return redirect("web:delivery")


@login_required
@require_http_methods(["GET", "POST"])
def delivery_page(request: HttpRequest) -> HttpResponse:
    reader = readers.reader_of_user(request.user)
    if reader is None:
        raise Http404("no reader card")
    basket = request.session.get(BASKET, [])
    form = DeliveryForm(request.POST or None, initial={"phone": reader.phone})
    if request.method == "POST":
        if request.POST.get("action") == "remove":
            request.session[BASKET] = [r for r in basket if str(r) != request.POST.get("record")]
            return redirect("web:delivery")
        if form.is_valid() and _order(request, basket, form.cleaned_data):
            return redirect("web:delivery")
    titles = {r.pk: r for r in Record.objects.filter(pk__in=basket)}
    return render(request, "web/delivery.html", {
        "form": form, "basket": [titles[pk] for pk in basket if pk in titles],
        "policy": delivery_policy(),
        "orders": DeliveryOrder.objects.filter(reader=reader).prefetch_related(
            "items__hold__record")[:10],
    })  # fmt: skip


def _order(request: HttpRequest, basket: list[int], data: dict) -> bool:
    try:
        order = desk_delivery_order(record_ids=basket, address=data["address"],
                                    phone=data["phone"], actor=request.user)  # fmt: skip
    except DomainError as error:
        show_error(request, error)
        return False
    request.session[BASKET] = []
    messages.success(request, _("Delivery ordered: order %(n)s. We will tell you when it is "
                                "posted.") % {"n": order.pk})  # fmt: skip
    return True
