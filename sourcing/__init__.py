"""Sourcing decisions: the project package and the case domain."""

from __future__ import annotations

from sourcing.celery import app as celery_app

__all__ = ["celery_app"]
