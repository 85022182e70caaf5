"""manage.py notify_sweep: queue again the emails left waiting (the beat does it every minute)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from sourcing.notifications import notification_sweep


class Command(BaseCommand):
    help = (
        "Queue again the emails still waiting after their back-off: a failed try under "
        "NOTIFY_MAX_ATTEMPTS, or a task lost with the broker."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"Queued {len(notification_sweep())} email(s) again.")
