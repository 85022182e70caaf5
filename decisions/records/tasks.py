"""Background tasks of decision record PDFs: render one from its outbox row, sweep the outbox."""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task
from django.conf import settings

from decisions.records.pdf import pdf_render, pdf_sweep
from sourcing.celery import ReliableTask
from sourcing.jobs import JobStatus


@shared_task(
    base=ReliableTask,
    bind=True,
    name="decisions.render_record_pdf",
    soft_time_limit=settings.PDF_RENDER_SOFT_TIME_LIMIT,
    time_limit=settings.PDF_RENDER_TIME_LIMIT,
)
def render_record_pdf(self: Task[Any, Any], pdf_id: int) -> str:
    """Render one record's PDF from its outbox row (idempotent); retry a failure, capped.

    Returns the row's status, or "busy" when another worker is rendering it (nothing changed).
    """
    pdf = pdf_render(pdf_id=pdf_id)
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


@shared_task(base=ReliableTask, name="decisions.pdf_sweep")
def pdf_sweep_task() -> int:
    """Dispatch outbox rows left pending (a broker outage, a lost worker) and retry failures."""
    return len(pdf_sweep())
