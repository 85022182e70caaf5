"""Background tasks of bulk exports: build one, sweep those never dispatched, delete the expired."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from decisions.exports.services import export_build, export_cleanup, export_sweep
from sourcing.celery import ReliableTask


@shared_task(
    base=ReliableTask,
    name="decisions.export_build",
    soft_time_limit=settings.EXPORT_SOFT_TIME_LIMIT,
    time_limit=settings.EXPORT_TIME_LIMIT,
)
def export_build_task(export_id: int) -> str:
    """Build a bulk export's zip (PDFs, records.csv, records.json, manifest.json)."""
    return str(export_build(export_id=export_id).status)


@shared_task(base=ReliableTask, name="decisions.export_cleanup")
def export_cleanup_task() -> int:
    """Delete exports past their expiry time."""
    return export_cleanup()


@shared_task(base=ReliableTask, name="decisions.export_sweep")
def export_sweep_task() -> int:
    """Dispatch again exports still pending (their dispatch was lost)."""
    return len(export_sweep())
