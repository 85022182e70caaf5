"""manage.py pdf_sweep: dispatch again the PDF outbox rows and exports left waiting."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from decisions.exports.services import export_sweep
from decisions.records.pdf import pdf_sweep


class Command(BaseCommand):
    help = (
        "Dispatch again decision record PDFs left pending (e.g. the broker was down at approval) "
        "and failed ones under the attempt cap, and exports whose build was never dispatched."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--now",
            action="store_true",
            help="Include rows younger than PDF_SWEEP_AFTER_SECONDS.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        older_than = timedelta(0) if options["now"] else None
        pdfs = pdf_sweep(older_than=older_than)
        exports = export_sweep(older_than=older_than)
        self.stdout.write(f"Dispatched {len(pdfs)} PDF(s) and {len(exports)} export(s).")
