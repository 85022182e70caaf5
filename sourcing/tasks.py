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
from kombu.exceptions import ChannelError

from sourcing.celery import ReliableTask, app

# Publishing to a broker that is briefly away: retry a little, then fail (the caller's sweep
# or outbox row makes sure the work is queued again later).
PUBLISH_RETRY = {"max_retries": 2, "interval_start": 0.1, "interval_step": 0.2}
# A web request queues work once, on a fresh connection, giving up after this many seconds
# (connecting and each read or write); an outbox row and its sweep do the rest.
DISPATCH_TIMEOUT_SECONDS = 0.5


def enqueue(name: str, *args: Any) -> None:
    """Queue the registered task `name` with `args`; in eager mode it runs here and now.

    The task is looked up in the Celery app's registry and sent with `apply_async`, which
    honours task_always_eager (the embedded default and the tests); `send_task` would not.
    Raises celery.exceptions.NotRegistered for an unknown name, and the broker's error when
    publishing fails after the retries.
    """
    app.tasks[name].apply_async(args=args, retry=True, retry_policy=PUBLISH_RETRY)


def dispatch(name: str, *args: Any) -> None:
    """Queue the registered task `name` once, now, for a web request: no publish retry, a
    connection of its own with DISPATCH_TIMEOUT_SECONDS to connect and to send, and no result
    kept (so the result backend is not touched). A broker that is down or hangs costs the
    request at most about a second, never the ~20 s of the pooled connection's retries.

    For work that an outbox row and its sweep also deliver (the caller logs the failure).
    Raises NotRegistered for an unknown name and the broker's error (kombu's OperationalError,
    redis' ConnectionError or TimeoutError) when publishing fails. In eager mode the task runs
    here and now, like `enqueue`.
    """
    task = app.tasks[name]
    if app.conf.task_always_eager:
        task.apply_async(args=args)
        return
    with _short_connection() as connection:
        # celery-types lists no **options on apply_async; Celery hands `connection` to send_task.
        task.apply_async(  # type: ignore[call-arg]
            args=args, connection=connection, retry=False, ignore_result=True
        )


def _short_connection() -> Any:
    """A broker connection of its own that gives up after DISPATCH_TIMEOUT_SECONDS."""
    options = {
        "socket_connect_timeout": DISPATCH_TIMEOUT_SECONDS,
        "socket_timeout": DISPATCH_TIMEOUT_SECONDS,
        "retry_on_timeout": False,
        "max_retries": 0,  # kombu's connection retries (2 s apart by default): none
    }
    return app.connection_for_write(
        connect_timeout=DISPATCH_TIMEOUT_SECONDS, transport_options=options
    )


def queued_tasks() -> int | None:
    """How many tasks wait in the default queue for a worker to take them (0 for a queue the
    broker does not know yet); None in eager mode or when the broker does not answer.

    A sweep uses it to tell a row whose task is still queued from one whose task was lost.
    """
    if app.conf.task_always_eager:
        return None
    try:
        with _short_connection() as connection:
            declared = connection.default_channel.queue_declare(
                queue=app.conf.task_default_queue, passive=True
            )
            return int(declared.message_count)
    except ChannelError:
        return 0  # never declared (a broker started afresh): nothing is queued
    except Exception:
        return None


def enqueue_on_commit(name: str, *args: Any) -> None:
    """Queue the task once the current transaction commits (never for work rolled back), the
    way a request does (`dispatch`: a short broker timeout, no retry)."""
    transaction.on_commit(lambda: dispatch(name, *args))


@shared_task(base=ReliableTask, name="sourcing.ping")
def ping(value: str) -> str:
    """Answer with the value it was given: proves a worker is consuming tasks."""
    return f"pong:{value}"
