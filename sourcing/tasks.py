"""Background tasks of the project package."""

from __future__ import annotations

from celery import shared_task

from sourcing.celery import ReliableTask


@shared_task(base=ReliableTask, name="sourcing.ping")
def ping(value: str) -> str:
    """Answer with the value it was given: proves a worker is consuming tasks."""
    return f"pong:{value}"
