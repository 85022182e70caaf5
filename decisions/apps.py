"""App configuration for decisions."""

from __future__ import annotations

from django.apps import AppConfig


class DecisionsConfig(AppConfig):
    name = "decisions"
    verbose_name = "Decisions"
