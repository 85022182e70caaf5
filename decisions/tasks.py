"""Background tasks of decisions."""

from __future__ import annotations

from celery import shared_task

from decisions.audit import audit_checkpoint
from sourcing.celery import ReliableTask


@shared_task(base=ReliableTask, name="decisions.audit_checkpoint")
def publish_audit_checkpoint() -> int | None:
    """Publish the audit chain's head (run by the beat every few minutes)."""
    checkpoint = audit_checkpoint()
    return checkpoint.seq if checkpoint else None


@shared_task(base=ReliableTask, name="decisions.ruleset_run")
def ruleset_run_task(run_id: int) -> str:
    """Carry out a ruleset run (impact preview of a draft, or replay of approved decisions)."""
    from decisions.rulesets import ruleset_run_execute

    return ruleset_run_execute(run_id=run_id).status
