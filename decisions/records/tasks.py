"""Background task of decision record PDFs: sweep the outbox. The render task itself is
decisions.integrity.tasks.render_record_pdf (it adds the record proof the PDF carries)."""

from __future__ import annotations

from celery import shared_task

from decisions.records.pdf import pdf_sweep
from sourcing.celery import ReliableTask


@shared_task(base=ReliableTask, name="decisions.pdf_sweep")
def pdf_sweep_task() -> int:
    """Dispatch outbox rows left pending (a broker outage, a lost worker) and retry failures."""
    return len(pdf_sweep())
