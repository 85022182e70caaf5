"""Exports: bulk zip with progress and a verifiable manifest, CSV columns, OCDS, expiry."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from decisions.audit.models import AuditEvent
from decisions.exports import services
from decisions.exports.formats import CSV_COLUMNS, OCDS_SCHEMA_PATH, records_csv, records_json
from decisions.exports.models import ExportJob
from decisions.exports.selectors import export_records
from decisions.exports.services import export_build, export_cleanup, export_start, export_verify
from decisions.records.models import DecisionRecord, RecordPdf
from decisions.review.services import review_decide
from sourcing.jobs import JobStatus
from sourcing.models import User
from tests.factories import pdf_case, pdf_record

pytestmark = pytest.mark.usefixtures("media")


@pytest.fixture
def records(
    users: dict[str, User],
    eager: None,
    django_capture_on_commit_callbacks: Any,
) -> list[DecisionRecord]:
    """An approved record (A), an overridden one (B, formula-like rationale) and a rejection."""
    first = pdf_record(users["commercial"], users["reviewer"], django_capture_on_commit_callbacks)
    option = "build" if first.recommended != "build" else "procure"
    second = pdf_record(
        users["outsider"],
        users["reviewer"],
        django_capture_on_commit_callbacks,
        option=option,
        rationale='=HYPERLINK("http://evil.example","click") and a, comma',
    )
    case = pdf_case(users["commercial"])
    third = review_decide(case=case, by=users["reviewer"], action="reject", rationale="No.")
    # The rejection's PDF is left pending: the export renders it.
    assert RecordPdf.objects.get(record=third).status == JobStatus.PENDING
    return [first, second, third]  # type: ignore[list-item]


def test_a_bulk_export_builds_a_zip_whose_manifest_verifies(
    records: list[DecisionRecord],
    users: dict[str, User],
    client_as: Any,
    django_capture_on_commit_callbacks: Any,
    media: Path,
) -> None:
    auditor = client_as(users["auditor"])
    assert auditor.get(reverse("export_start")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = auditor.post(reverse("export_start"), data={})
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "export_detail", args=[job.pk]
    )
    assert job.status == JobStatus.DONE and job.done == job.total == 3
    assert job.expires_at is not None and job.expires_at > timezone.now()
    page = auditor.get(reverse("export_detail", args=[job.pk])).content.decode()
    assert "<progress" in page and 'value="3"' in page and "Download the export" in page
    poll = auditor.get(reverse("export_detail", args=[job.pk]), headers={"HX-Request": "true"})
    assert poll.status_code == 286  # htmx stops polling
    download = auditor.get(reverse("export_download", args=[job.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    data = b"".join(download.streaming_content)
    assert hashlib.sha256(data).hexdigest() == job.sha256
    path = media / "check.zip"
    path.write_bytes(data)
    assert export_verify(path) == []
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        manifest = json.loads(archive.read("manifest.json"))
        assert {"records.csv", "records.json", "manifest.json"} <= names
        pdfs = sorted(n for n in names if n.startswith("pdfs/"))
        assert len(pdfs) == 3 and manifest["missing_pdfs"] == []
        for record in records:
            stored = RecordPdf.objects.get(record=record)
            assert (
                archive.read(f"pdfs/{Path(stored.path).name}") == (media / stored.path).read_bytes()
            )
        body = json.loads(archive.read("records.json"))
        assert [r["record_sha256"] for r in body] == [r.record_sha256 for r in records]
        assert all(r["pdf_sha256"] for r in body)
    head = manifest["audit_chain_head"]
    assert AuditEvent.objects.get(seq=head["seq"]).sha256 == head["sha256"]
    assert AuditEvent.objects.filter(action="export.finished").count() == 1
    # A file changed inside the zip is caught.
    tampered = media / "tampered.zip"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tampered, "w") as dst:
        for name in src.namelist():
            dst.writestr(name, b"changed" if name == "records.csv" else src.read(name))
    assert export_verify(tampered) == ["records.csv: sha256 does not match the manifest"]


def test_the_export_streams_records_in_chunks_writing_exactly_what_the_formats_give(
    records: list[DecisionRecord],
    users: dict[str, User],
    django_capture_on_commit_callbacks: Any,
    media: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(services, "CHUNK", 2)  # three records: two chunks
    with django_capture_on_commit_callbacks(execute=True):
        job = export_start(by=users["auditor"], filters={})
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.done == job.total == 3
    fresh = list(export_records({}))
    whole_json = json.dumps(records_json(fresh), ensure_ascii=False, indent=1).encode()
    with zipfile.ZipFile(media / job.path) as archive:
        assert archive.read("records.json") == whole_json
        assert archive.read("records.csv") == records_csv(fresh).encode()
        manifest = json.loads(archive.read("manifest.json"))
    sizes = {entry["name"]: entry["size"] for entry in manifest["files"]}
    assert sizes["records.json"] == len(whole_json) and manifest["records"] == 3
    assert export_verify(media / job.path) == []


@pytest.mark.parametrize(
    "items",
    [[], [{}], [{"a": [1, {"b": "line\nbreak"}], "c": "é ✓"}, {"d": None}, {"e": []}]],
)
def test_the_streamed_json_is_the_text_of_the_whole_list(items: list[Any]) -> None:
    streamed = "".join(services._json_items(iter(items)))
    assert streamed == json.dumps(items, ensure_ascii=False, indent=1)


def test_the_progress_page_polls_until_the_export_is_done(
    records: list[DecisionRecord], users: dict[str, User], client_as: Any
) -> None:
    job = export_start(by=users["auditor"], filters={"department": "dept-a"})  # not dispatched
    client = client_as(users["reviewer"])
    page = client.get(reverse("export_detail", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in page and f'hx-get="/exports/{job.pk}/"' in page
    assert "Refresh" in page and "Waiting to start: 2 records." in page
    poll = client.get(reverse("export_detail", args=[job.pk]), headers={"HX-Request": "true"})
    assert poll.status_code == 200 and "<html" not in poll.content.decode()
    export_build(export_id=job.pk)
    poll = client.get(reverse("export_detail", args=[job.pk]), headers={"HX-Request": "true"})
    assert poll.status_code == 286 and "every 2s" not in poll.content.decode()
    assert "Finished: 2 of 2 records (100%)" in poll.content.decode()


@pytest.mark.parametrize(
    ("data", "message", "anchor"),
    [
        (
            {
                "from_day": "10",
                "from_month": "5",
                "from_year": "2026",
                "to_day": "1",
                "to_month": "5",
                "to_year": "2026",
            },
            "Decided to must be the same as or after the decided from date",
            "#to-day",
        ),
        (
            {"from_day": "31", "from_month": "2", "from_year": "2026"},
            "Decided from must be a real date",
            "#from-day",
        ),
        (
            {"to_day": "3", "to_year": "2026"},
            "Decided to must include a month",  # only the missing part, linked
            "#to-month",
        ),
        ({"department": "no-such"}, "Choose a department from the list", "#department"),
    ],
)
def test_an_impossible_filter_is_a_clear_error_naming_the_field(
    data: dict[str, str], message: str, anchor: str, users: dict[str, User], client_as: Any
) -> None:
    response = client_as(users["auditor"]).post(reverse("export_start"), data=data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html and f'<a href="{anchor}">{message}</a>' in html
    assert "<title>Error:" in html
    assert not ExportJob.objects.exists()


def test_filters_select_by_department_date_and_option(records: list[DecisionRecord]) -> None:
    first, second, _third = records
    today = timezone.localdate().isoformat()
    assert list(export_records({"department": "dept-b"})) == [second]
    assert list(export_records({"option": first.decided_option})) == [first]
    assert len(export_records({"date_from": today, "date_to": today})) == 3
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert list(export_records({"date_from": tomorrow})) == []


def test_the_csv_has_the_documented_columns_one_row_per_record(
    records: list[DecisionRecord], users: dict[str, User], client_as: Any
) -> None:
    response = client_as(users["auditor"]).get(reverse("export_csv"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert tuple(rows[0]) == CSV_COLUMNS
    body = [dict(zip(CSV_COLUMNS, row, strict=True)) for row in rows[1:]]
    assert [r["reference"] for r in body] == [r.reference for r in records]
    assert [r["record_sha256"] for r in body] == [r.record_sha256 for r in records]
    assert body[1]["overridden"] == "yes" and body[0]["overridden"] == "no"
    assert body[1]["rationale"].startswith("'=HYPERLINK")  # no spreadsheet formula
    assert body[2]["action"] == "reject" and body[2]["pdf_status"] == "pending"
    assert body[0]["pdf_sha256"] == RecordPdf.objects.get(record=records[0]).sha256
    filtered = client_as(users["auditor"]).get(reverse("export_csv"), {"department": "dept-b"})
    assert len(filtered.content.decode("utf-8-sig").strip().splitlines()) == 2
    assert (
        client_as(users["auditor"]).get(reverse("export_csv"), {"to_day": "40"}).status_code == 400
    )


def test_ocds_planning_releases_validate_against_the_release_schema(
    records: list[DecisionRecord], users: dict[str, User], client_as: Any
) -> None:
    jsonschema = pytest.importorskip("jsonschema", reason="add jsonschema to the dev dependencies")
    schema = json.loads(OCDS_SCHEMA_PATH.read_text())
    assert schema["id"].endswith("/1__1__4/release-schema.json")
    response = client_as(users["auditor"]).get(reverse("export_ocds"))
    package = response.json()
    assert response.status_code == 200 and package["version"] == "1.1"
    releases = package["releases"]
    assert [r["ocid"] for r in releases] == [f"ocds-sourcing-{r.reference}" for r in records[:2]]
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())
    for release in releases:
        errors = sorted(validator.iter_errors(release), key=lambda e: list(e.path))
        assert errors == [], [f"{list(e.path)}: {e.message}" for e in errors]
        assert release["tag"] == ["planning"] and release["tender"]["status"] == "planning"
        assert release["planning"]["budget"]["amount"]["currency"] == "GBP"
    assert "Delivery route chosen: " in releases[1]["planning"]["rationale"]
    assert "=HYPERLINK" in releases[1]["planning"]["rationale"]


def test_exports_expire_and_are_deleted(
    records: list[DecisionRecord],
    users: dict[str, User],
    client_as: Any,
    media: Path,
) -> None:
    job = export_build(export_id=export_start(by=users["auditor"], filters={}).pk)
    zip_path = media / job.path
    assert zip_path.is_file()
    client = client_as(users["auditor"])
    assert client.get(reverse("export_download", args=[job.pk])).status_code == 200
    assert export_cleanup() == 0
    ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(reverse("export_download", args=[job.pk])).status_code == 404
    call_command("export_cleanup", stdout=io.StringIO())
    assert not zip_path.exists() and ExportJob.objects.get(pk=job.pk).path == ""
    assert "expired" in client.get(reverse("export_detail", args=[job.pk])).content.decode()
