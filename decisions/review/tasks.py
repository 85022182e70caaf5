"""Background task of the review: remind owners of decisions due for review (the beat, hourly)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from decisions.review.reminders import REMINDER_TASK, review_due_notify
from sourcing.celery import ReliableTask


@shared_task(base=ReliableTask, name=REMINDER_TASK)
def review_due_notify_task() -> int:
    """Email the owners of decisions whose review-by date is near, once per record."""
    return len(review_due_notify(today=timezone.localdate()))
