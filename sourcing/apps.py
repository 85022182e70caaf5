"""App configuration for the project package and case domain."""

from __future__ import annotations

from django.apps import AppConfig


class SourcingConfig(AppConfig):
    name = "sourcing"
    verbose_name = "Sourcing cases and people"

    def ready(self) -> None:
        from sourcing import signals  # noqa: F401  (connects sign-in failure logging)
