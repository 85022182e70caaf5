"""manage.py verify_audit: check the audit chain, checkpoints and records; exit 1 on a problem."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand

from decisions.records.verification import audit_verify


class Command(BaseCommand):
    help = "Verify the audit chain, its checkpoints and the decision records (JSON output)."

    def handle(self, *args: Any, **options: Any) -> None:
        report = audit_verify()
        self.stdout.write(json.dumps(report.to_dict(), indent=2))
        if not report.valid:
            sys.exit(1)
