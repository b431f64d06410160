"""``libcity export_marc --flavour marc21|cnmarc --format iso2709|marcxml``."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from libcity.catalogue.marc.exporting import FLAVOURS, FORMATS, marc_export
from libcity.network.models import Unit


class Command(BaseCommand):
    help = (
        "Export the catalogue as MARC (UTF-8). A record catalogued from a MARC source in the "
        "same flavour is written from that source, every field as it came; any other record "
        "is built from its columns, with its copies as holdings (MARC21 852, CNMARC 905)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--flavour", choices=FLAVOURS, required=True)
        parser.add_argument("--format", choices=FORMATS, default="iso2709", dest="fmt")
        parser.add_argument("--output", type=Path, default=None,
                            help="File to write; standard output when left out.")  # fmt: skip
        parser.add_argument(
            "--unit",
            default=None,
            help="Only records with copies this unit owns, with those copies.",
        )

    def handle(self, *args, flavour: str, fmt: str, output: Path | None, unit, **options):
        owner = None
        if unit is not None:
            owner = Unit.objects.filter(code=unit).first()
            if owner is None:
                raise CommandError(f"There is no unit with the code {unit!r}.")
        if output is None:
            report = marc_export(out=sys.stdout.buffer, flavour=flavour, fmt=fmt, unit=owner)
            sys.stdout.buffer.flush()
        else:
            with output.open("wb") as out:
                report = marc_export(out=out, flavour=flavour, fmt=fmt, unit=owner)
        self.stderr.write(report.summary())
        for line in report.skipped:
            self.stderr.write(f"skipped {line}")
