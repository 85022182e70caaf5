"""manage.py seed_demo: idempotent demo data for a first run; refused in production."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from decisions.integrity.heads import head_sign
from decisions.rulesets.services import ruleset_install_shipped
from sourcing.demo import (
    DEMO_PASSWORD,
    DEMO_START,
    USERS,
    demo_is_current,
    demo_seeded_record,
    seed_cases,
    seed_history,
    seed_people,
    seed_suppliers,
)
from sourcing.demo_history import demo_clock


class Command(BaseCommand):
    help = (
        "Load demo departments, users and cases (idempotent; nothing is done when the demo data "
        "is there and its definitions are unchanged). Refused in production."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--force", action="store_true", help="load even when the demo data looks current"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("seed_demo refuses to run when DJANGO_ENV=production.")
        users = ", ".join(f"{u[0]} ({u[1]})" for u in USERS)
        if not options["force"] and demo_is_current():
            self.stdout.write(
                f"Demo data already loaded. Users: {users}; password: {DEMO_PASSWORD}"
            )
            return
        with demo_clock(DEMO_START):  # the people predate the past year
            seed_people()
        # The rules of 2026.1, then the default published by the stewards in April (the past
        # year's decisions under each); installing the shipped rules then finds them there.
        seed_history()
        shipped = ruleset_install_shipped()
        if shipped.refused:
            self.stderr.write(self.style.WARNING(shipped.refused))
        self.stdout.write(f"Golden cases: {shipped.golden}.")
        seed_cases()
        seed_suppliers()
        demo_seeded_record()
        head_sign()  # the register's feed of signed heads has one from the first run
        self.stdout.write(f"Demo data ready. Users: {users}; password: {DEMO_PASSWORD}")
