"""The Celery app: eager (in-process) without REDIS_URL, a real Redis broker with it.

Task modules are registered by each app's AppConfig.ready() (Django starts in the worker too,
through Celery's Django fixup), and services queue tasks by name (sourcing.tasks.enqueue).
"""

from __future__ import annotations

import os
from typing import Any

from celery import Celery, Task
from celery.signals import worker_init
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sourcing.settings")

app = Celery("sourcing")
app.config_from_object("django.conf:settings", namespace="CELERY")


@worker_init.connect
def _load_the_pdf_renderer(**_: Any) -> None:
    """A worker renders PDFs: WeasyPrint and pypdf are loaded once as it starts (before its
    pool forks); web processes and commands load them on first use (decisions.records.pdf)."""
    import pypdf  # noqa: F401, PLC0415 (ADR 0024)
    import weasyprint  # noqa: F401, PLC0415


class ReliableTask(Task[Any, Any]):
    """Base for our tasks: acks late, retries transient failures a capped number of times."""

    acks_late = True
    reject_on_worker_lost = True
    autoretry_for = (ConnectionError, TimeoutError)
    retry_backoff = True
    retry_backoff_max = 300
    retry_jitter = True

    # Read from settings when a task runs; Task declares a plain attribute, hence the override.
    @property
    def max_retries(self) -> int:  # type: ignore[override]
        return int(settings.CELERY_TASK_MAX_RETRIES)
