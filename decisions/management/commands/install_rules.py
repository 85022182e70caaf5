"""manage.py install_rules: publish the shipped default ruleset and store the shipped golden
cases (safe to run on every deploy, production included)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from decisions.rulesets.services import ruleset_install_shipped
from sourcing.errors import TransitionRefused


class Command(BaseCommand):
    help = (
        "Publish the shipped default ruleset (when its version is new) and store the shipped "
        "golden cases: missing ones added, those still as shipped updated to this release, "
        "those a steward edited kept. Safe to run again."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            shipped = ruleset_install_shipped()
        except TransitionRefused as refused:
            raise CommandError(str(refused)) from refused
        if shipped.refused:
            self.stderr.write(self.style.WARNING(shipped.refused))
        self.stdout.write(f"Golden cases: {shipped.golden}.")
