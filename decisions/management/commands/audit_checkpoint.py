"""manage.py audit_checkpoint: publish the audit chain's current head as a checkpoint and a
signed head (what the worker's beat does every AUDIT_CHECKPOINT_SECONDS)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from decisions.integrity.heads import head_sign


class Command(BaseCommand):
    help = "Publish the current head of the audit chain as a checkpoint and a signed head."

    def handle(self, *args: Any, **options: Any) -> None:
        head = head_sign()
        if head is None:
            self.stdout.write("The audit chain is empty.")
        else:
            self.stdout.write(
                f"Checkpoint at event {head.seq}: {head.head_sha256}; signed with key "
                f"{head.key_id} over {head.records} record(s), Merkle root {head.records_root}"
            )
