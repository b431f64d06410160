"""``libcity reindex``: rebuild the whole search index from the catalogue, with progress."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from libcity.catalogue.indexing import reindex_all


class Command(BaseCommand):
    help = (
        "Rebuild the search index from every catalogue record (in batches, one transaction "
        "each), then drop entries whose record is gone."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch", type=int, default=2000, help="Records per transaction (default 2000)."
        )
        parser.add_argument(
            "--clear",
            action="store_true",
            help="Empty the index first (searches see a partial index until the end).",
        )

    def handle(self, *args, batch: int, clear: bool, **options):
        if batch < 1:
            raise CommandError("--batch must be at least 1.")
        started = time.monotonic()

        def progress(done: int, total: int) -> None:
            rate = done / max(time.monotonic() - started, 1e-6)
            self.stderr.write(f"{done}/{total} records ({rate:.0f}/s)")

        done = reindex_all(batch=batch, clear=clear, progress=progress)
        seconds = time.monotonic() - started
        self.stdout.write(f"Indexed {done} records in {seconds:.1f} s.")
