"""manage.py migrate, connecting as the database owner when MIGRATE_DATABASE_URL names one.

The application's role (DATABASE_URL) may not create or alter tables; migrations run as the
owner, through the `migrate` database alias that settings define from MIGRATE_DATABASE_URL.
`--database` still chooses explicitly (the test runner passes `default`).
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import CommandParser
from django.core.management.commands.migrate import Command as DjangoMigrate


class Command(DjangoMigrate):
    help = DjangoMigrate.help + " Connects as the owner (MIGRATE_DATABASE_URL) when one is set."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        if settings.MIGRATE_DATABASE_ALIAS in settings.DATABASES:
            parser.set_defaults(database=settings.MIGRATE_DATABASE_ALIAS)
