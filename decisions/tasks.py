"""Background tasks of decisions."""

from __future__ import annotations

from celery import Task, shared_task
from django.conf import settings

from sourcing.celery import ReliableTask

# --- Decision record PDFs and exports (issue 7) ---


@shared_task(
    base=ReliableTask,
    bind=True,
    name="decisions.render_record_pdf",
    soft_time_limit=settings.PDF_RENDER_SOFT_TIME_LIMIT,
    time_limit=settings.PDF_RENDER_TIME_LIMIT,
)
def render_record_pdf(self: Task, pdf_id: int) -> str:
    """Render one record's PDF from its outbox row (idempotent); retry a failure, capped."""
    from decisions.pdf import pdf_render

    pdf = pdf_render(pdf_id=pdf_id)
    if pdf is None:
        return "busy"
    if (
        pdf.status == "failed"
        and pdf.attempts < settings.PDF_MAX_ATTEMPTS
        and not self.request.is_eager
    ):
        # In-process (eager) runs leave retries to the sweep, so a request never loops.
        raise self.retry(countdown=min(300, 10 * 2**pdf.attempts), max_retries=None)
    return str(pdf.status)


@shared_task(base=ReliableTask, name="decisions.pdf_sweep")
def pdf_sweep_task() -> int:
    """Dispatch outbox rows left pending (a broker outage, a lost worker) and retry failures."""
    from decisions.exports import export_sweep
    from decisions.pdf import pdf_sweep

    return len(pdf_sweep()) + len(export_sweep())


@shared_task(
    base=ReliableTask,
    name="decisions.export_build",
    soft_time_limit=settings.EXPORT_SOFT_TIME_LIMIT,
    time_limit=settings.EXPORT_TIME_LIMIT,
)
def export_build_task(export_id: int) -> str:
    """Build a bulk export's zip (PDFs, records.csv, records.json, manifest.json)."""
    from decisions.exports import export_build

    return str(export_build(export_id=export_id).status)


@shared_task(base=ReliableTask, name="decisions.export_cleanup")
def export_cleanup_task() -> int:
    """Delete exports past their expiry time."""
    from decisions.exports import export_cleanup

    return export_cleanup()
