"""Sending notices to readers through a pluggable sender (``settings.LIBCITY_NOTICE_SENDER``,
a dotted path): the console in the demo, e-mail, or an SMS gateway over HTTP."""

from __future__ import annotations

import json
import logging
import sys
import urllib.request
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


def notice_sender() -> NoticeSender:
    return import_string(settings.LIBCITY_NOTICE_SENDER)()
