"""App configuration for decisions."""

from __future__ import annotations

from django.apps import AppConfig


class DecisionsConfig(AppConfig):
    name = "decisions"
    verbose_name = "Decisions"

    def ready(self) -> None:
        # Register every task module with Celery, in the web process and in the worker alike:
        # services queue tasks by name (sourcing.tasks.enqueue) and never import these modules.
        from decisions.audit import tasks as audit_tasks  # noqa: F401
        from decisions.exports import tasks as exports_tasks  # noqa: F401
        from decisions.impact import tasks as impact_tasks  # noqa: F401
        from decisions.records import tasks as records_tasks  # noqa: F401
