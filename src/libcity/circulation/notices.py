"""Sending notices to readers through a pluggable sender (``settings.LIBCITY_NOTICE_SENDER``,
a dotted path): the console in the demo, e-mail, or an SMS gateway over HTTP."""

from __future__ import annotations

import json
import logging
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

from libcity.readers.models import Reader

log = logging.getLogger(__name__)


class NoticeSender(Protocol):
    channel: str

    def send(self, reader: Reader, subject: str, body: str) -> bool:
        """Deliver the notice; False when this reader cannot be reached this way."""


class ConsoleSender:
    """Prints the notice (the demo and development)."""

    channel = "console"

    def __init__(self, stream=None) -> None:
        self.stream = stream or sys.stdout

    def send(self, reader: Reader, subject: str, body: str) -> bool:
        self.stream.write(f"[notice to {reader.card_number}] {subject}\n{body}\n")
        return True


class EmailSender:
    """Django's mail (``EMAIL_*`` settings); readers without an address are skipped."""

    channel = "email"

    def send(self, reader: Reader, subject: str, body: str) -> bool:
        if not reader.email:
            return False
        send_mail(subject, body, None, [reader.email])
        return True


class SmsGatewaySender:
    """POSTs ``{"phone", "text"}`` as JSON to ``settings.LIBCITY_SMS_URL`` (the city's SMS
    gateway); readers without a phone are skipped."""

    channel = "sms"

    def send(self, reader: Reader, subject: str, body: str) -> bool:
        if not reader.phone:
            return False
        payload = json.dumps({"phone": reader.phone, "text": f"{subject}: {body}"}).encode()
        request = urllib.request.Request(
            settings.LIBCITY_SMS_URL, data=payload, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return 200 <= response.status < 300


class KeptSender:
    """Sends nothing: the notice is only written down (``Notice``). What the demo build uses
    for the day it makes up: its readers are made up too."""

    channel = "kept"

    def send(self, reader: Reader, subject: str, body: str) -> bool:
        return True


_kept_only: ContextVar[bool] = ContextVar("libcity_notices_kept_only", default=False)


@contextmanager
def notices_kept_only() -> Iterator[None]:
    """Within this block every notice goes to ``KeptSender``, whatever the settings say."""
    token = _kept_only.set(True)
    try:
        yield
    finally:
        _kept_only.reset(token)


def notice_sender() -> NoticeSender:
    if _kept_only.get():
        return KeptSender()
    return import_string(settings.LIBCITY_NOTICE_SENDER)()
