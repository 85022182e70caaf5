"""The record PDF with its outcome reviews (docs/decisions/0029): the record as issued, then the
reviews as a later section; the stored PDF untouched and carried byte for byte."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
from pathlib import Path
from typing import Any

import pypdf
import pytest
from django.urls import reverse

from decisions.audit.models import AuditEvent
from decisions.engine.hashable import canonical_json
from decisions.integrity.verification import audit_verify
from decisions.records.models import DecisionRecord
from decisions.records.outcomes import outcome_record
from decisions.review.services import review_decide
from sourcing.models import User
from tests.factories import submitted_case

pytestmark = pytest.mark.usefixtures("media")

OUTCOME = {
    "delivered": True,
    "on_time": False,
    "months_late": 3,
    "actual_cost_gbp": 950_000,
    "benefits_realised": "partly",
    "lock_in": "moderate",
    "same_again": False,
    "comment": 'Late go-live <script>alert(1)</script> & "partly" realised.',
}


def text_of(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "download.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


@pytest.fixture
def decided(
    users: dict[str, User], eager: None, django_capture_on_commit_callbacks: Any
) -> DecisionRecord:
    """An approved record whose PDF is rendered and stored."""
    with django_capture_on_commit_callbacks(execute=True):
        record = review_decide(
            case=submitted_case(users["commercial"]), by=users["reviewer"], action="approve"
        )
    assert record is not None
    return DecisionRecord.objects.select_related("pdf").get(pk=record.pk)


def test_the_download_shows_the_outcome_reviews_after_the_untouched_record(
    decided: DecisionRecord, users: dict[str, User], client_as: Any, media: Path, tmp_path: Path
) -> None:
    stored = media / decided.pdf.path
    issued = stored.read_bytes()
    chained = AuditEvent.objects.get(action="pdf.rendered").payload["pdf_sha256"]
    assert hashlib.sha256(issued).hexdigest() == chained
    outcome = outcome_record(record=decided, by=users["commercial"], data=OUTCOME)
    events = AuditEvent.objects.count()
    page = (
        client_as(users["auditor"])
        .get(reverse("record_detail", args=[decided.pk]))
        .content.decode()
    )
    assert "Download the record with its outcome reviews (PDF)" in page
    assert f"{reverse('record_pdf', args=[decided.pk])}?as=issued" in page

    response = client_as(users["auditor"]).get(reverse("record_pdf", args=[decided.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "with-outcomes.pdf" in response["Content-Disposition"]
    data = response.content
    text = text_of(data, tmp_path)
    # The record first, as issued, then the later, headed section.
    assert text.index("Review by and publication") < text.index(
        "Outcome reviews, recorded after the decision"
    )
    assert "Everything above is the decision record as issued" in text
    assert "No, 3 months late" in text
    assert "£950,000 against an estimate of £800,000 (£150,000 over)" in text
    # Users' text is text: printed as typed, never markup.
    assert 'Late go-live <script>alert(1)</script> & "partly" realised.' in text
    assert outcome.sha256 in text.replace("\n", "").replace("\u200b", "")

    reader = pypdf.PdfReader(io.BytesIO(data))
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"]) and root["/Lang"] == "en-GB"
    assert b"pdfuaid:part" in root["/Metadata"].get_data()
    # It carries the stored PDF byte for byte, and the outcome events as their hashes cover them.
    attachments = reader.attachments
    assert set(attachments) == {"record-as-issued.pdf", "outcome-reviews.json"}
    (carried,) = attachments["record-as-issued.pdf"]
    assert carried == issued
    (events_json,) = attachments["outcome-reviews.json"]
    (carried_event,) = json.loads(events_json)["events"]
    assert carried_event["sha256"] == outcome.sha256
    assert hashlib.sha256(canonical_json(carried_event["content"])).hexdigest() == outcome.sha256

    # The stored PDF is untouched, still what the chain says, and still served as issued.
    assert stored.read_bytes() == issued
    as_issued = client_as(users["auditor"]).get(
        reverse("record_pdf", args=[decided.pk]), {"as": "issued"}
    )
    assert b"".join(as_issued.streaming_content) == issued
    # A download changes nothing; the chain and the PDFs verify.
    assert AuditEvent.objects.count() == events
    report = audit_verify()
    assert report.valid, report.problems


def test_without_outcome_reviews_the_download_is_the_stored_pdf(
    decided: DecisionRecord, users: dict[str, User], client_as: Any, media: Path
) -> None:
    response = client_as(users["commercial"]).get(reverse("record_pdf", args=[decided.pk]))
    assert b"".join(response.streaming_content) == (media / decided.pdf.path).read_bytes()


def test_a_second_download_is_the_same_file_and_a_new_review_makes_a_new_one(
    decided: DecisionRecord, users: dict[str, User], client_as: Any, tmp_path: Path
) -> None:
    outcome_record(record=decided, by=users["commercial"], data=OUTCOME)
    auditor = client_as(users["auditor"])
    url = reverse("record_pdf", args=[decided.pk])
    first = auditor.get(url).content
    assert auditor.get(url).content == first  # kept after the first render

    later = {**OUTCOME, "comment": "Second review: benefits now realised in full."}
    second = outcome_record(record=decided, by=users["commercial"], data=later)
    data = auditor.get(url).content
    assert data != first
    text = text_of(data, tmp_path)
    assert "Second review: benefits now realised in full." in text
    assert second.sha256 in text.replace("\n", "").replace("\u200b", "")
    (events_json,) = pypdf.PdfReader(io.BytesIO(data)).attachments["outcome-reviews.json"]
    assert len(json.loads(events_json)["events"]) == 2
    report = audit_verify()
    assert report.valid, report.problems
