"""How a page shows a domain error: on the form when there is one, as a message otherwise."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest

from libcity.core.exceptions import DomainError


def show_error(request: HttpRequest, error: DomainError, form: forms.Form | None = None) -> None:
    if form is not None:
        form.add_error(None, error.message)
    else:
        messages.error(request, error.message)
