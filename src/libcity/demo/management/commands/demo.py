"""``libcity demo``: build the synthetic Guangzhou into an empty database."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from libcity.demo.build import CityNotEmpty, DemoSummary, city_is_empty, demo_build
from libcity.demo.plan import SCALES


class Command(BaseCommand):
    help = (
        "Build a synthetic Guangzhou library city (units, opening hours, partners, staff, "
        "readers, books and a year of loans), the same for the same seed. Logins: admin, "
        "desk, cataloguer, logistics, manager-<district>, partner and reader, all with the "
        "password 'demo'; self-service terminals kiosk, kiosk-gbk, sorter and gate, all with "
        "the secret 'demo'."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale", choices=list(SCALES), default="small",
            help="small: ~200 units, 2,000 readers; district: ~300 units, 100,000 readers; "
            "city: ~3,000 units, 1,000,000 readers.",
        )  # fmt: skip
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--if-empty", action="store_true",
            help="Do nothing when the database already holds units (for `make run`).",
        )  # fmt: skip
        parser.add_argument(
            "--readers", type=int, default=None,
            help="Override the number of readers of the scale.",
        )  # fmt: skip
        parser.add_argument(
            "--records", type=int, default=None,
            help="Override the number of generated records (editions) of the scale.",
        )  # fmt: skip
        parser.add_argument(
            "--items", type=int, default=None,
            help="Override the number of generated copies. --records 0 builds no catalogue at all "
            "(not even the real MARC files) and no loans.",
        )  # fmt: skip
        parser.add_argument(
            "--loans", type=int, default=None,
            help="Override the number of loans over the last 365 days (small: 30,000; district: "
            "500,000; city: 5,000,000). 0: no circulation at all.",
        )  # fmt: skip

    def handle(self, *args, scale: str, seed: int, if_empty: bool, readers, records=None,
               items=None, loans=None, **options):  # fmt: skip
        if not city_is_empty():
            if if_empty:
                self.stdout.write("The database already holds a network: demo city not loaded.")
                return
            raise CommandError(
                "The database already holds a network; the demo city is only built into an "
                "empty database. Use a fresh LIBCITY_HOME or DATABASE_URL (or --if-empty)."
            )
        if readers is not None and readers < 1:
            raise CommandError("--readers must be at least 1 (the demo reader).")
        if any(n is not None and n < 0 for n in (records, items, loans)):
            raise CommandError("--records, --items and --loans cannot be negative.")
        if records == 0 and items is None:
            items = 0  # no records: no copies and no catalogue at all
        if records == 0 and items:
            raise CommandError("--items needs records to put the copies on: use --records > 0.")
        try:
            summary = demo_build(
                scale=scale,
                seed=seed,
                readers=readers,
                records=records,
                items=items,
                loans=loans,
                progress=self._progress,
            )
        except CityNotEmpty as error:
            raise CommandError(str(error)) from None
        self._summary(summary)

    def _progress(self, line: str) -> None:
        self.stderr.write(line)
        self.stderr.flush()

    def _summary(self, summary: DemoSummary) -> None:
        write = self.stdout.write
        write(self.style.SUCCESS(
            f"Demo city built: scale {summary.scale}, seed {summary.seed}, "
            f"{summary.seconds:.1f} s."
        ))  # fmt: skip
        write(f"  units: {summary.units}")
        for kind, count in sorted(summary.units_by_kind.items(), key=lambda kv: -kv[1]):
            write(f"    {kind:<16} {count:>6}")
        tiers = ", ".join(f"{tier} {count}" for tier, count in summary.units_by_tier.items())
        write(f"  by tier: {tiers}")
        write(f"  operators: {summary.operators}")
        write(f"  readers: {summary.readers}")
        write(f"  staff: {summary.staff}")
        write(f"  records: {summary.records}")
        statuses = ", ".join(f"{status} {n}" for status, n in summary.items_by_status.items())
        write(f"  items: {summary.items}" + (f" ({statuses})" if statuses else ""))
        for note in summary.catalogue_notes:
            write(f"  note: {note}")
        write(f"  loans in the year: {summary.loans}")
        write(f"  loans open now: {summary.loans_open} ({summary.loans_overdue} overdue now)")
        holds = ", ".join(f"{status} {n}" for status, n in summary.holds_by_status.items())
        waiting = sum(summary.holds_by_status.values())
        write(f"  holds: {waiting}" + (f" ({holds})" if holds else ""))
        write(f"  transits on their way: {summary.transits_open}")
        write("  logins (password 'demo'): admin, desk, cataloguer, logistics, partner, "
              "manager-<district> (manager-yuexiu...), reader")  # fmt: skip
        write("  terminals (SIP2 secret 'demo'): kiosk (central, UTF-8), kiosk-gbk (Yuexiu, "
              "GB18030, lenient checksum), sorter (central; bins 1 shelve, 2 hold shelf, "
              "3 transit, 9 other), gate (a 24-hour study room)")  # fmt: skip
