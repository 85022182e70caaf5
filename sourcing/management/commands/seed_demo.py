"""manage.py seed_demo: idempotent demo data for a first run; refused in production."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from sourcing.demo import (
    DEMO_PASSWORD,
    USERS,
    seed_cases,
    seed_golden_cases,
    seed_people,
    seed_suppliers,
)


class Command(BaseCommand):
    help = "Load demo departments, users and cases (idempotent). Refused in production."

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("seed_demo refuses to run when DJANGO_ENV=production.")
        seed_people()
        seed_cases()
        seed_golden_cases()
        seed_suppliers()
        names = ", ".join(f"{u[0]} ({u[1]})" for u in USERS)
        self.stdout.write(f"Demo data ready. Users: {names}; password: {DEMO_PASSWORD}")
