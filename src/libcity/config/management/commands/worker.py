"""``libcity worker``: the platform's daily work, on one machine without a broker.

It runs every room's daily work at start (so a restarted worker catches up), then each day at
``--at`` (local time). The work is idempotent for a day (a loan is marked overdue once, a
notice is kept per reader, kind and day), so two workers or a restart do no harm. ``--once``
runs it one time and exits (cron, tests); ``--day`` runs it for another day (catching up).
"""

from __future__ import annotations

import datetime as dt
import signal
import time

from django.core.management.base import BaseCommand, CommandError

from libcity.circulation.services import circulation_daily
from libcity.core import clock
from libcity.logistics.services import logistics_daily
from libcity.sharing.services import sharing_daily


class Command(BaseCommand):
    help = (
        "Run the daily work (overdue loans, reader blocks, notices; hold shelf expiry, "
        "targeting, overdue transits; transfer offers expired, old transfers unlinked from "
        "their readers) now and then every day at "
        "--at; --once to run once and exit."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run once and exit.")
        parser.add_argument("--day", help="The day to run for, YYYY-MM-DD (default: today).")
        parser.add_argument("--at", default="01:00", help="Local time of the daily run (HH:MM).")

    def handle(self, *args, once: bool, day: str | None, at: str, **options):
        when = _time(at)
        chosen = _day(day) if day else None
        self._run(chosen)
        if once:
            return
        self._stop = False
        signal.signal(signal.SIGTERM, self._on_term)
        while not self._stop:
            wait = _seconds_until(when)
            self.stderr.write(f"worker: next run in {wait / 3600:.1f} h")
            if self._sleep(wait):
                self._run(None)

    def _run(self, day: dt.date | None) -> None:
        started = time.monotonic()
        for daily in (circulation_daily, logistics_daily, sharing_daily):
            for line in daily(day=day).lines():
                self.stdout.write(f"{line} ({time.monotonic() - started:.1f} s)")
        self.stdout.flush()

    def _sleep(self, seconds: float) -> bool:
        """Sleep in short steps so SIGTERM stops the worker quickly; False when stopped."""
        end = time.monotonic() + seconds
        while not self._stop and time.monotonic() < end:
            time.sleep(min(5.0, end - time.monotonic()))
        return not self._stop

    def _on_term(self, *_args) -> None:
        self._stop = True


def _time(text: str) -> dt.time:
    try:
        return dt.time.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--at must be HH:MM, not {text!r}.") from None


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--day must be YYYY-MM-DD, not {text!r}.") from None


def _seconds_until(when: dt.time) -> float:
    now = clock.local_now()
    target = now.replace(hour=when.hour, minute=when.minute, second=0, microsecond=0)
    if target <= now:
        target += dt.timedelta(days=1)
    return (target - now).total_seconds()
