"""Background task of integrity: sign the audit chain's head and the records' Merkle root."""

from __future__ import annotations

from celery import shared_task

from decisions.integrity.heads import head_sign
from sourcing.celery import ReliableTask


@shared_task(base=ReliableTask, name="decisions.head_sign")
def sign_head() -> int | None:
    """Sign and publish the current head (the beat, every AUDIT_CHECKPOINT_SECONDS); returns
    the event it covers, or None while the chain is empty."""
    head = head_sign()
    return head.seq if head else None
