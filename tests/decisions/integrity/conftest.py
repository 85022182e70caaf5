"""Fixtures for the integrity tests: PDFs under a temporary MEDIA_ROOT, and decisions made
through the real services (their PDFs rendered in-process)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from decisions.cases.services import case_submit
from decisions.records.models import DecisionRecord
from decisions.review.services import review_decide
from decisions.rulesets.services import ruleset_publish_default
from sourcing.models import User
from tests.factories import ready_case


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def decide(
    users: dict[str, User], eager_tasks: None, django_capture_on_commit_callbacks: Any
) -> Callable[..., DecisionRecord]:
    """Submit a ready case of department A and have the reviewer decide it (PDF rendered)."""
    ruleset_publish_default()

    def make(action: str = "approve", *, render: bool = True, **kwargs: Any) -> DecisionRecord:
        """`render=False` leaves the PDF waiting in its outbox (quicker, when it is not needed)."""
        case = case_submit(case=ready_case(users["commercial"]), by=users["commercial"])
        with django_capture_on_commit_callbacks(execute=render):
            record = review_decide(
                case=case, by=users["reviewer"], action=action, rationale="Because.", **kwargs
            )
        assert record is not None
        return DecisionRecord.objects.select_related("department", "decided_by").get(pk=record.pk)

    return make
