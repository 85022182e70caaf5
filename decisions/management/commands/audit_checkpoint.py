"""manage.py audit_checkpoint: publish the audit chain's current head as a checkpoint."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from decisions.audit.services import audit_checkpoint


class Command(BaseCommand):
    help = "Publish the current head of the audit chain as a checkpoint."

    def handle(self, *args: Any, **options: Any) -> None:
        checkpoint = audit_checkpoint()
        if checkpoint is None:
            self.stdout.write("The audit chain is empty.")
        else:
            self.stdout.write(f"Checkpoint at event {checkpoint.seq}: {checkpoint.head_sha256}")
