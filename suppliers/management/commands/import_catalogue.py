"""manage.py import_catalogue FILE --by USERNAME: import a supplier catalogue CSV."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sourcing.errors import ValidationFailed
from sourcing.models import User
from suppliers.catalogue import CatalogueInvalid, catalogue_import, notes_summary


class Command(BaseCommand):
    help = "Import a supplier catalogue CSV as a Centre of Excellence reviewer or admin."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--by", required=True, help="Username of a reviewer or admin.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["by"], is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {options['by']!r}.")
        path: Path = options["file"]
        try:
            result = catalogue_import(by=user, raw=path.read_bytes(), filename=path.name)
        except CatalogueInvalid as invalid:
            for note in notes_summary(invalid.notes):
                self.stderr.write(note)
            for problem in invalid.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"{len(invalid.problems)} problems: nothing was imported.") from None
        except ValidationFailed as failed:
            raise CommandError(str(failed)) from None
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}") from None
        for note in notes_summary(result.notes):
            self.stdout.write(note)
        self.stdout.write(
            f"Imported {path.name}: {len(result.created)} created, {len(result.updated)} updated, "
            f"{len(result.unchanged)} unchanged."
        )
