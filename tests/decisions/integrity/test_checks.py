"""Verification that does not take the database's word: record columns against the hashed
content, PDFs against the chain, heads against the chain and the records (any database)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from decisions.integrity.checks import pdfs_verify, record_columns_differing
from decisions.integrity.verification import audit_verify
from decisions.records.models import DecisionRecord
from sourcing.jobs import JobStatus
from sourcing.models import Department, User

# Each column that pages, the register or access checks read, and a different value for it.
COLUMN_CHANGES: dict[str, Callable[[DecisionRecord], Any]] = {
    "reference": lambda r: setattr(r, "reference", "SRC-2026-9999"),
    "case": lambda r: setattr(r, "case_id", r.case_id + 1),
    "department": lambda r: setattr(r, "department", Department(code="dept-b", name="B")),
    "action": lambda r: setattr(r, "action", "reject" if r.action == "approve" else "approve"),
    "recommended": lambda r: setattr(r, "recommended", "innovate"),
    "decided_option": lambda r: setattr(r, "decided_option", "innovate"),
    "overridden": lambda r: setattr(r, "overridden", not r.overridden),
    "decided_by": lambda r: setattr(r, "decided_by", User(username="mallory")),
    "decided_at": lambda r: setattr(r, "decided_at", r.decided_at - timedelta(days=1)),
    "review_by": lambda r: setattr(r, "review_by", date(2099, 1, 1)),
    "supersedes": lambda r: None,  # checked with the sha256 of another record, below
}


@pytest.fixture
def record(decide: Callable[..., DecisionRecord]) -> DecisionRecord:
    return decide(render=False)


def test_untouched_columns_agree_with_the_content(record: DecisionRecord) -> None:
    assert record_columns_differing(record, None) == []


@pytest.mark.parametrize("column", sorted(COLUMN_CHANGES))
def test_each_column_that_differs_from_the_content_is_named(
    record: DecisionRecord, column: str
) -> None:
    COLUMN_CHANGES[column](record)
    supersedes = "f" * 64 if column == "supersedes" else None
    assert record_columns_differing(record, supersedes) == [column]


def test_pdfs_waiting_are_reported_once_overdue_never_skipped(
    record: DecisionRecord, settings: Any
) -> None:
    assert pdfs_verify() == []  # just decided: the PDF is on its way
    later = timezone.now() + timedelta(minutes=settings.PDF_OVERDUE_MINUTES + 1)
    [problem] = pdfs_verify(now=later)
    assert f"record {record.reference}: no PDF has been rendered" in problem
    assert f"({JobStatus.PENDING})" in problem


def test_rendered_pdfs_of_untouched_data_raise_no_alarm(
    decide: Callable[..., DecisionRecord],
) -> None:
    decide()
    decide("reject")
    assert pdfs_verify(now=timezone.now() + timedelta(days=1)) == []
    assert audit_verify().valid
