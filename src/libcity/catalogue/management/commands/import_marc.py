"""``libcity import_marc PATH --unit CODE``: copy cataloguing from a MARC file."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from libcity.catalogue.marc.importing import ImportReport, marc_import
from libcity.network.models import Unit


class Command(BaseCommand):
    help = (
        "Import a MARC file (MARC21 or CNMARC; ISO 2709, MARCXML or MARC-in-JSON; UTF-8, "
        "MARC-8 or GB18030, told per record) into the union catalogue. A record whose ISBN "
        "(or, without one, title/author/year) is already catalogued is merged: its copies are "
        "attached to the existing record. Prints 'imported N, merged M, rejected K', then one "
        "line per rejected record."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--unit", required=True,
            help="Code of the unit that owns copies whose holdings name no unit of ours.",
        )  # fmt: skip
        parser.add_argument("--dry-run", action="store_true",
                            help="Do everything, then roll it back.")  # fmt: skip
        parser.add_argument("--report", type=Path, default=None,
                            help="Also write the report (with notes) to this file.")  # fmt: skip
        parser.add_argument("--progress-every", type=int, default=1000, metavar="N",
                            help="A progress line on stderr every N records.")  # fmt: skip

    def handle(self, *args, path: Path, unit: str, dry_run: bool, report, **options):
        owner = Unit.objects.filter(code=unit).first()
        if owner is None:
            raise CommandError(f"There is no unit with the code {unit!r}.")
        if not path.is_file():
            raise CommandError(f"There is no file {path}.")
        result = marc_import(
            source=path, unit=owner, dry_run=dry_run, progress=self._progress,
            progress_every=max(1, options["progress_every"]), read_ahead=True,
        )  # fmt: skip
        self._finish(result, path, report, dry_run)

    def _progress(self, records: int, rate: float) -> None:
        self.stderr.write(f"{records} records, {rate:,.0f}/s")
        self.stderr.flush()

    def _finish(self, result: ImportReport, path: Path, report: Path | None, dry_run: bool):
        lines = result.lines()
        self.stdout.write("\n".join(lines))
        self.stderr.write(
            f"{path.name}: {result.records} records in {result.seconds:.2f} s "
            f"({result.rate:,.0f}/s){' - dry run, nothing kept' if dry_run else ''}"
        )
        if report is not None:
            notes = ["", "notes:", *result.notes] if result.notes else []
            report.write_text("\n".join([*lines, *notes]) + "\n", encoding="utf-8")
