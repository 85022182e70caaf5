"""App configuration for the project package and case domain."""

from __future__ import annotations

from django.apps import AppConfig


class SourcingConfig(AppConfig):
    name = "sourcing"
    verbose_name = "Sourcing cases and people"

    def ready(self) -> None:
        # Connect sign-in failure logging, and register the project's tasks with Celery (in the
        # web process and the worker alike; services queue tasks by name).
        # The API's operations share their response models (ADR 0037): before any router is
        # imported (the URLconf's), which is after every app is ready.
        from django.core import checks

        from sourcing import api_operations, notifications, tasks  # noqa: F401 (tasks: registered)
        from sourcing.people import signals  # noqa: F401

        checks.register(notifications.notify_settings_check, deploy=True)
        api_operations.share_response_models()
