"""Fixtures of the decisions tests: a media folder of the test's own, tasks run in-process, and
records approved with their PDF rendered."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from decisions.cases.services import case_create
from decisions.records.models import DecisionRecord
from sourcing.celery import app as celery_app
from sourcing.models import Case, User
from tests.factories import pdf_record, submitted_case


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def eager(settings: Any) -> Iterator[None]:
    """Tasks run in-process (the embedded default), even when REDIS_URL is set."""
    saved = celery_app.conf.task_always_eager
    settings.CELERY_TASK_ALWAYS_EAGER = True
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = saved


@pytest.fixture
def case(users: dict[str, User]) -> Case:
    """A draft case of users["commercial"], no answers yet."""
    return case_create(by=users["commercial"], title="Case management for appeals")


@pytest.fixture
def submitted(users: dict[str, User]) -> Case:
    """A case of users["commercial"] submitted to the Centre of Excellence (published ruleset,
    assessed, explained, signed off)."""
    return submitted_case(users["commercial"])


@pytest.fixture
def approved_record(
    users: dict[str, User], eager: None, django_capture_on_commit_callbacks: Any
) -> Callable[..., DecisionRecord]:
    """Approves a new case of users["commercial"] by users["reviewer"] and renders its PDF
    in-process (tests.factories.pdf_record): `approved_record(option=..., **answers)`. Asked
    for with `named_users`, the two are named people."""

    def approve(**decision: Any) -> DecisionRecord:
        return pdf_record(
            users["commercial"], users["reviewer"], django_capture_on_commit_callbacks, **decision
        )

    return approve
