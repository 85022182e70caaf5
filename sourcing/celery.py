"""The Celery app: eager (in-process) without REDIS_URL, a real Redis broker with it.

Task modules are registered by each app's AppConfig.ready() (Django starts in the worker too,
through Celery's Django fixup), and services queue tasks by name (sourcing.tasks.enqueue).
"""

from __future__ import annotations

import os
from typing import Any

from celery import Celery, Task
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sourcing.settings")

app = Celery("sourcing")
app.config_from_object("django.conf:settings", namespace="CELERY")


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
