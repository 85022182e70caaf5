"""The record with its outcome reviews (ADR 0033) verifies through its attachments: the record
as issued as before, each outcome review against the audit chain; on the auditor's page and
with `manage.py verify_record` alike."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from decisions.integrity.verification import audit_verify
from decisions.records.models import DecisionRecord
from decisions.records.outcome_pdf import outcomes_pdf_bytes
from decisions.records.outcomes import outcome_record, outcomes_of
from sourcing.models import User

pytestmark = pytest.mark.usefixtures("media")

OUTCOME = {
    "delivered": True,
    "on_time": True,
    "actual_cost_gbp": 700_000,
    "benefits_realised": "fully",
    "lock_in": "none",
    "same_again": True,
    "comment": "Went well.",
}


def _download(client: Client, record: DecisionRecord, **query: str) -> bytes:
    response = client.get(reverse("record_pdf", args=[record.pk]), query)
    assert response.status_code == 200
    if response.streaming:
        return b"".join(response.streaming_content)  # type: ignore[attr-defined]
    return response.content


def _command(tmp_path: Path, data: bytes) -> tuple[int, dict[str, Any]]:
    path = tmp_path / "download.pdf"
    path.write_bytes(data)
    out = io.StringIO()
    try:
        call_command("verify_record", str(path), stdout=out)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, json.loads(out.getvalue())


def _page(client: Client, data: bytes) -> str:
    upload = SimpleUploadedFile("r.pdf", data, "application/pdf")
    response = client.post(reverse("audit_verify_pdf"), {"pdf": upload})
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def reviewed(
    decide: Callable[..., DecisionRecord], users: dict[str, User]
) -> tuple[DecisionRecord, list[int]]:
    """An approved record (PDF rendered and stored) with two outcome reviews."""
    record = decide()
    seqs = [
        outcome_record(record=record, by=users["commercial"], data=OUTCOME).seq,
        outcome_record(record=record, by=users["commercial"], data=OUTCOME).seq,
    ]
    return DecisionRecord.objects.select_related("pdf").get(pk=record.pk), seqs


def test_the_download_with_outcome_reviews_verifies_on_the_page_and_with_the_command(
    reviewed: tuple[DecisionRecord, list[int]],
    users: dict[str, User],
    client_as: Callable[..., Client],
    tmp_path: Path,
) -> None:
    record, seqs = reviewed
    auditor = client_as(users["auditor"])
    data = _download(auditor, record)
    issued = _download(auditor, record, **{"as": "issued"})
    summary = (
        f"Record as issued: verified; 2 outcome reviews: verified against the audit chain "
        f"(events #{seqs[0]}, #{seqs[1]})"
    )
    page = _page(auditor, data)
    assert "Problems found" not in page and summary in page
    assert hashlib.sha256(issued).hexdigest() in page and "The PDF the service rendered" in page

    code, report = _command(tmp_path, data)
    assert code == 0 and report["valid"] and report["summary"] == summary
    assert report["reference"] == record.reference
    assert report["record_as_issued"]["sha256"] == hashlib.sha256(issued).hexdigest()
    assert report["outcome_reviews"] == {
        "attachment": "outcome-reviews.json",
        "events": seqs,
        "valid": True,
        "problems": [],
    }
    assert audit_verify().valid


def test_a_changed_outcome_review_inside_fails_naming_the_attachment(
    reviewed: tuple[DecisionRecord, list[int]],
    users: dict[str, User],
    client_as: Callable[..., Client],
    tmp_path: Path,
) -> None:
    record, seqs = reviewed
    auditor = client_as(users["auditor"])
    issued = _download(auditor, record, **{"as": "issued"})
    events = outcomes_of(record)
    events[0].payload["actual_cost_gbp"] = 1  # in memory only: the chain keeps the real one
    forged = outcomes_pdf_bytes(
        record, events, issued=issued, issued_sha256=hashlib.sha256(issued).hexdigest()
    )
    named = f"outcome-reviews.json: outcome review 1 (event #{seqs[0]}) does not match its sha256"
    code, report = _command(tmp_path, forged)
    assert code == 1 and not report["valid"]
    assert report["record_as_issued"]["valid"] and report["problems"] == []
    assert report["outcome_reviews"]["events"] == [seqs[1]]
    assert any(p.startswith(named) for p in report["outcome_reviews"]["problems"])
    page = _page(auditor, forged)
    assert "Problems found" in page and named in page

    # A changed record as issued inside is reported as a plain PDF's would be, on that part.
    tampered = issued + b"% changed after it was issued\n"
    outer = outcomes_pdf_bytes(record, outcomes_of(record), issued=tampered, issued_sha256="0" * 64)
    page = _page(auditor, outer)
    assert "Problems found" in page and "not the PDF the service rendered" in page
    assert audit_verify().valid


def test_a_record_without_outcome_reviews_verifies_as_before(
    decide: Callable[..., DecisionRecord],
    users: dict[str, User],
    client_as: Callable[..., Client],
    tmp_path: Path,
) -> None:
    record = decide()
    auditor = client_as(users["auditor"])
    data = _download(auditor, record)
    code, report = _command(tmp_path, data)
    assert code == 0 and report["valid"]
    assert set(report) == {
        "valid",
        "reference",
        "record_sha256",
        "head",
        "compared_with_published",
        "problems",
    }
    page = _page(auditor, data)
    assert "This is the record the signed head covers, and the PDF the service rendered" in page
    assert "Outcome reviews (the attached" not in page
    assert audit_verify().valid
