"""Background tasks of integrity: sign the audit chain's head and the records' Merkle root;
render a decision record's PDF with the record proof it carries."""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task
from django.conf import settings

from decisions.integrity.heads import head_sign
from decisions.integrity.proofs import record_pdf_render
from sourcing.celery import ReliableTask
from sourcing.jobs import JobStatus


@shared_task(base=ReliableTask, name="decisions.head_sign")
def sign_head() -> int | None:
    """Sign and publish the current head (the beat, every AUDIT_CHECKPOINT_SECONDS); returns
    the event it covers, or None while the chain is empty."""
    head = head_sign()
    return head.seq if head else None


@shared_task(
    base=ReliableTask,
    bind=True,
    name="decisions.render_record_pdf",  # queued by name: decisions.records.pdf.RENDER_TASK
    soft_time_limit=settings.PDF_RENDER_SOFT_TIME_LIMIT,
    time_limit=settings.PDF_RENDER_TIME_LIMIT,
)
def render_record_pdf(self: Task[Any, Any], pdf_id: int) -> str:
    """Render one record's PDF from its outbox row (idempotent), with its record proof; retry
    a failure, capped. Returns the row's status, or "busy" when another worker is rendering
    it (nothing changed)."""
    pdf = record_pdf_render(pdf_id=pdf_id)
    if pdf is None:
        return "busy"
    if (
        pdf.status == JobStatus.FAILED
        and pdf.attempts < settings.PDF_MAX_ATTEMPTS
        and not self.request.is_eager
    ):
        # In-process (eager) runs leave retries to the sweep, so a request never loops.
        raise self.retry(countdown=min(300, 10 * 2**pdf.attempts), max_retries=None)
    return str(pdf.status)
