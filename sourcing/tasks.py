"""Background tasks: queue one by name, and the ping task that proves a worker consumes.

Services queue work by task name through `enqueue` (or `enqueue_on_commit`) instead of
importing the task module, which would import the service back: a task module sits above the
services it calls. Every task module is imported at start-up by its app's AppConfig.ready(), in
the web process and in the worker alike, so the registry knows every name (a test checks it).
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.db import transaction

from sourcing.celery import ReliableTask, app

# Publishing to a broker that is briefly away: retry a little, then fail (the caller's sweep
# or outbox row makes sure the work is queued again later).
PUBLISH_RETRY = {"max_retries": 2, "interval_start": 0.1, "interval_step": 0.2}


def enqueue(name: str, *args: Any) -> None:
    """Queue the registered task `name` with `args`; in eager mode it runs here and now.

    The task is looked up in the Celery app's registry and sent with `apply_async`, which
    honours task_always_eager (the embedded default and the tests); `send_task` would not.
    Raises celery.exceptions.NotRegistered for an unknown name, and the broker's error when
    publishing fails after the retries.
    """
    app.tasks[name].apply_async(args=args, retry=True, retry_policy=PUBLISH_RETRY)


def enqueue_on_commit(name: str, *args: Any) -> None:
    """Queue the task once the current transaction commits (never for work rolled back)."""
    transaction.on_commit(lambda: enqueue(name, *args))


@shared_task(base=ReliableTask, name="sourcing.ping")
def ping(value: str) -> str:
    """Answer with the value it was given: proves a worker is consuming tasks."""
    return f"pong:{value}"
