"""manage.py export_cleanup: delete bulk exports past their expiry time."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from decisions.exports.services import export_cleanup


class Command(BaseCommand):
    help = "Delete the zips of bulk exports older than EXPORT_EXPIRY_HOURS."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"Deleted {export_cleanup()} expired export(s).")
