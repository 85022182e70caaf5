"""manage.py notify_review_due: email the owners of decisions whose review-by date is near."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from decisions.review.reminders import review_due_notify


class Command(BaseCommand):
    help = (
        "Email the owner of each current approved decision whose review-by date is "
        "REVIEW_DUE_NOTICE_DAYS away or fewer, once per decision record (the worker's beat runs "
        "this hourly)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        written = review_due_notify(today=timezone.localdate())
        days = settings.REVIEW_DUE_NOTICE_DAYS
        self.stdout.write(f"Reminded {len(written)} decision(s) due within {days} days.")
