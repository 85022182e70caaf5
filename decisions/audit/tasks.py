"""Background task of the audit chain: publish its head as a checkpoint."""

from __future__ import annotations

from celery import shared_task

from decisions.audit.services import audit_checkpoint
from sourcing.celery import ReliableTask


@shared_task(base=ReliableTask, name="decisions.audit_checkpoint")
def publish_audit_checkpoint() -> int | None:
    """Publish the audit chain's head (run by the beat every few minutes)."""
    checkpoint = audit_checkpoint()
    return checkpoint.seq if checkpoint else None
