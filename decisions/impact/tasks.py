"""Background task of the impact preview and the replay of decisions."""

from __future__ import annotations

from celery import shared_task

from decisions.impact.services import ruleset_run_execute
from sourcing.celery import ReliableTask


@shared_task(base=ReliableTask, name="decisions.ruleset_run")
def ruleset_run_task(run_id: int) -> str:
    """Carry out a ruleset run (impact preview of a draft, or replay of approved decisions)."""
    return ruleset_run_execute(run_id=run_id).status
