"""Exports of decision records: the filter, bulk zip jobs with a manifest, CSV and OCDS 1.1."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import zipfile
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from decisions.audit.services import audit_append
from decisions.engine import OPTIONS
from decisions.models import AuditEvent, DecisionRecord, ExportJob, JobStatus, RecordPdf
from decisions.pdf import pdf_path, pdf_render
from sourcing.models import Department, User
from sourcing.questionnaire import OPTION_LABELS

log = logging.getLogger(__name__)

OCDS_SCHEMA_PATH = Path(__file__).resolve().parent / "data" / "ocds-release-schema-1__1__4.json"
# A registered OCDS publisher prefix replaces this in production (settings.OCDS_OCID_PREFIX).
DEFAULT_OCID_PREFIX = "ocds-sourcing"
# The columns of records.csv and of the CSV download, in order (documented in docs/pdf.md).
CSV_COLUMNS = (
    "record_id",
    "seq",
    "reference",
    "title",
    "department_code",
    "department_name",
    "action",
    "recommended",
    "decided_option",
    "overridden",
    "decided_at",
    "decided_by",
    "review_by",
    "ruleset_version",
    "ruleset_sha256",
    "whole_life_budget_gbp",
    "whole_life_years",
    "public_interest_test",
    "rationale",
    "record_sha256",
    "previous_sha256",
    "supersedes",
    "pdf_status",
    "pdf_sha256",
)
# Spreadsheet formula triggers: a cell starting with one is prefixed with a quote (OWASP).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# --- The filter -----------------------------------------------------------------------------


class ExportFilterForm(forms.Form):
    """Department, decision date range (GOV.UK date inputs) and option; all optional."""

    department = forms.CharField(required=False)
    option = forms.ChoiceField(required=False, choices=[("", "Any"), *[(o, o) for o in OPTIONS]])
    from_day = forms.CharField(required=False, max_length=2)
    from_month = forms.CharField(required=False, max_length=2)
    from_year = forms.CharField(required=False, max_length=4)
    to_day = forms.CharField(required=False, max_length=2)
    to_month = forms.CharField(required=False, max_length=2)
    to_year = forms.CharField(required=False, max_length=4)

    LABELS = {"from": "Decided from", "to": "Decided to"}

    def clean_department(self) -> str:
        code = self.cleaned_data["department"].strip()
        if code and not Department.objects.filter(code=code).exists():
            raise forms.ValidationError("Choose a department from the list")
        return code

    def _date(self, prefix: str) -> date | None:
        parts = [
            self.cleaned_data.get(f"{prefix}_{p}", "").strip() for p in ("day", "month", "year")
        ]
        label = self.LABELS[prefix]
        if not any(parts):
            return None
        if not all(parts):
            self.add_error(f"{prefix}_day", f"{label} must include a day, month and year")
            return None
        try:
            day, month, year = (int(p) for p in parts)
            if year < 1000:
                raise ValueError
            return date(year, month, day)
        except ValueError:
            self.add_error(f"{prefix}_day", f"{label} must be a real date")
            return None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = self._date("from"), self._date("to")
        if start and end and end < start:
            self.add_error(
                "to_day", "Decided to must be the same as or after the decided from date"
            )
        if end and end > timezone.now().date() + timedelta(days=1):
            self.add_error("to_day", "Decided to must be today or in the past")
        cleaned["date_from"], cleaned["date_to"] = start, end
        return cleaned

    def filters(self) -> dict[str, str]:
        """The validated filter as plain JSON (stored on the export job)."""
        data = self.cleaned_data
        out = {
            "department": data.get("department", ""),
            "option": data.get("option", ""),
            "date_from": data["date_from"].isoformat() if data.get("date_from") else "",
            "date_to": data["date_to"].isoformat() if data.get("date_to") else "",
        }
        return {k: v for k, v in out.items() if v}

    def error_links(self) -> list[tuple[str, str]]:
        """(message, #anchor) pairs for the GOV.UK error summary."""
        anchors = {"to_day": "#to-day", "from_day": "#from-day"}
        return [
            (message, anchors.get(name, f"#{name}"))
            for name in self.fields
            for message in self.errors.get(name, [])
        ]


def export_records(filters: dict[str, Any]) -> QuerySet[DecisionRecord]:
    """The records an export filter selects, in chain order."""
    records = DecisionRecord.objects.select_related(
        "department", "decided_by", "pdf", "supersedes", "superseded_by"
    ).order_by("seq")
    if filters.get("department"):
        records = records.filter(department__code=filters["department"])
    if filters.get("option"):
        records = records.filter(decided_option=filters["option"])
    zone = timezone.get_current_timezone()
    if filters.get("date_from"):
        start = datetime.combine(date.fromisoformat(filters["date_from"]), time.min, zone)
        records = records.filter(decided_at__gte=start)
    if filters.get("date_to"):
        end = datetime.combine(date.fromisoformat(filters["date_to"]), time.min, zone)
        records = records.filter(decided_at__lt=end + timedelta(days=1))
    return records


# --- CSV and JSON ---------------------------------------------------------------------------


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _pdf_of(record: DecisionRecord) -> RecordPdf | None:
    try:
        return record.pdf
    except RecordPdf.DoesNotExist:
        return None


def csv_row(record: DecisionRecord) -> dict[str, str]:
    """One record as a CSV row (see CSV_COLUMNS)."""
    content = record.content
    identity = content["identity"]
    answers = content.get("answers", {})
    pit = next(
        (
            c["result"]
            for c in content.get("policy_checks", [])
            if c["check"] == "public_interest_test"
        ),
        "",
    )
    pdf = _pdf_of(record)
    row = {
        "record_id": record.pk,
        "seq": record.seq,
        "reference": record.reference,
        "title": identity.get("title", ""),
        "department_code": record.department.code,
        "department_name": record.department.name,
        "action": record.action,
        "recommended": record.recommended,
        "decided_option": record.decided_option,
        "overridden": record.overridden,
        "decided_at": record.decided_at.isoformat(),
        "decided_by": record.decided_by.get_username(),
        "review_by": record.review_by.isoformat(),
        "ruleset_version": identity["ruleset"]["version"],
        "ruleset_sha256": identity["ruleset"]["sha256"],
        "whole_life_budget_gbp": answers.get("whole_life_budget_gbp"),
        "whole_life_years": answers.get("whole_life_years"),
        "public_interest_test": pit,
        "rationale": content["accountability"].get("rationale", ""),
        "record_sha256": record.record_sha256,
        "previous_sha256": record.previous_sha256,
        "supersedes": identity.get("supersedes"),
        "pdf_status": pdf.status if pdf else "",
        "pdf_sha256": pdf.sha256 if pdf and pdf.status == JobStatus.DONE else "",
    }
    return {column: _cell(row[column]) for column in CSV_COLUMNS}


def records_csv(records: QuerySet[DecisionRecord] | list[DecisionRecord]) -> str:
    """The CSV of records: a header row of CSV_COLUMNS, then one row per record."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for record in records:
        writer.writerow(csv_row(record))
    return out.getvalue()


def records_json(records: QuerySet[DecisionRecord] | list[DecisionRecord]) -> list[dict[str, Any]]:
    """Whole records as the API gives them (decisions/{id})."""
    from decisions.api import record_full

    return [record_full(record) for record in records]


# --- OCDS 1.1 planning releases -------------------------------------------------------------


def _ocid(record: DecisionRecord) -> str:
    prefix = getattr(settings, "OCDS_OCID_PREFIX", DEFAULT_OCID_PREFIX)
    return f"{prefix}-{record.reference}"


def ocds_release(record: DecisionRecord) -> dict[str, Any]:
    """An OCDS 1.1 planning release for an approved decision (no tender has started)."""
    content = record.content
    identity = content["identity"]
    answers = content.get("answers", {})
    department = identity["department"]
    route = OPTION_LABELS.get(record.decided_option, record.decided_option)
    reasons = content["publishable"].get("reasons_summary", [])
    rationale = f"Delivery route chosen: {route}. " + " ".join(reasons)
    if content["accountability"].get("rationale"):
        rationale += f" Reviewer's reasons: {content['accountability']['rationale']}"
    party = {"id": f"GB-DEPT-{department['code']}", "name": department["name"], "roles": ["buyer"]}
    release: dict[str, Any] = {
        "ocid": _ocid(record),
        "id": f"{record.reference}-planning-{record.record_sha256[:12]}",
        "date": record.decided_at.isoformat(),
        "tag": ["planning"],
        "initiationType": "tender",
        "language": "en",
        "parties": [party],
        "buyer": {"id": party["id"], "name": party["name"]},
        "planning": {
            "rationale": rationale.strip(),
            "budget": {
                "id": f"{record.reference}-budget",
                "description": (
                    f"Whole-life value over {answers.get('whole_life_years') or '?'} years"
                ),
            },
        },
        "tender": {
            "id": f"{record.reference}-tender",
            "title": identity["title"],
            "description": f"Planned delivery route: {route}.",
            "status": "planning",
        },
    }
    budget = answers.get("whole_life_budget_gbp")
    if isinstance(budget, int):
        release["planning"]["budget"]["amount"] = {"amount": budget, "currency": "GBP"}
    return release


def ocds_package(
    records: QuerySet[DecisionRecord] | list[DecisionRecord], uri: str
) -> dict[str, Any]:
    """A release package of planning releases for the approved decisions among records."""
    releases = [ocds_release(r) for r in records if r.action == "approve"]
    return {
        "uri": uri,
        "version": "1.1",
        "publishedDate": timezone.now().isoformat(),
        "publisher": {"name": "Sourcing decisions, Centre of Excellence"},
        "license": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
        "publicationPolicy": "https://www.gov.uk/government/publications/the-sourcing-playbook",
        "releases": releases,
    }


# --- Bulk export jobs -----------------------------------------------------------------------


def export_dispatch(export_id: int) -> bool:
    """Queue an export's build; a broker failure is logged (the sweep dispatches it again)."""
    from decisions.tasks import export_build_task

    try:
        export_build_task.apply_async(
            args=[export_id],
            retry=True,
            retry_policy={"max_retries": 2, "interval_start": 0.1, "interval_step": 0.2},
        )
    except Exception:
        log.warning("export dispatch failed; the sweep will retry", exc_info=True)
        return False
    return True


def export_start(*, by: User, filters: dict[str, str]) -> ExportJob:
    """Start a bulk export of the records the filter selects (built by a task)."""
    with transaction.atomic():
        job = ExportJob.objects.create(
            requested_by=by, filters=filters, total=export_records(filters).count()
        )
        audit_append(
            action="export.requested",
            actor=by,
            object_type="export",
            object_id=job.pk,
            payload={"filters": filters, "records": job.total},
        )
        transaction.on_commit(lambda: export_dispatch(job.pk))
    return job


def _chain_head() -> dict[str, Any]:
    head = AuditEvent.objects.order_by("-seq").only("seq", "sha256").first()
    return {"seq": head.seq if head else 0, "sha256": head.sha256 if head else "0" * 64}


def export_build(*, export_id: int) -> ExportJob:
    """Build the zip: every PDF (rendering missing ones), records.csv/.json and manifest.json."""
    with transaction.atomic():
        job = ExportJob.objects.select_for_update(skip_locked=True).filter(pk=export_id).first()
        if job is None:
            return ExportJob.objects.get(pk=export_id)  # another worker is building it
        if job.status in (JobStatus.DONE, JobStatus.FAILED):
            return job
        job.status = JobStatus.RUNNING
        job.done = 0
        job.save(update_fields=["status", "done"])
    try:
        return _build(job)
    except Exception as exc:
        log.exception("export failed", extra={"export": job.pk})
        ExportJob.objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:2000],
            finished_at=timezone.now(),
        )
        job.refresh_from_db()
        return job


def _build(job: ExportJob) -> ExportJob:
    records = list(export_records(job.filters))
    ExportJob.objects.filter(pk=job.pk).update(total=len(records))
    relative = f"exports/export-{job.pk}-{timezone.now():%Y%m%dT%H%M%S}.zip"
    target = Path(settings.MEDIA_ROOT) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    files: list[dict[str, Any]] = []
    missing: list[dict[str, str]] = []
    partial = target.with_suffix(".part")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:

        def add(name: str, data: bytes) -> None:
            archive.writestr(name, data)
            files.append(
                {"name": name, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
            )

        for index, record in enumerate(records, start=1):
            pdf = _pdf_of(record) or RecordPdf.objects.create(record=record)
            if pdf.status != JobStatus.DONE:
                pdf = pdf_render(pdf_id=pdf.pk) or pdf
            if pdf.status == JobStatus.DONE:
                data = pdf_path(pdf).read_bytes()
                if hashlib.sha256(data).hexdigest() != pdf.sha256:
                    missing.append({"reference": record.reference, "reason": "hash mismatch"})
                else:
                    add(f"pdfs/{Path(pdf.path).name}", data)
            else:
                reason = pdf.last_error or f"PDF {pdf.status}"
                missing.append({"reference": record.reference, "reason": reason})
            if index % 10 == 0 or index == len(records):
                ExportJob.objects.filter(pk=job.pk).update(done=index)
        fresh = list(export_records(job.filters))  # with the PDFs just rendered
        add("records.csv", records_csv(fresh).encode("utf-8"))
        add(
            "records.json",
            json.dumps(records_json(fresh), ensure_ascii=False, indent=1).encode("utf-8"),
        )
        manifest = {
            "export_id": job.pk,
            "created_at": timezone.now().isoformat(),
            "requested_by": job.requested_by.get_username(),
            "filters": job.filters,
            "records": len(records),
            "audit_chain_head": _chain_head(),
            "files": files,
            "missing_pdfs": missing,
        }
        archive.writestr("manifest.json", json.dumps(manifest, indent=1).encode("utf-8"))
    partial.replace(target)
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    now = timezone.now()
    with transaction.atomic():
        ExportJob.objects.filter(pk=job.pk).update(
            status=JobStatus.DONE,
            done=len(records),
            path=relative,
            sha256=digest,
            size=target.stat().st_size,
            finished_at=now,
            expires_at=now + timedelta(hours=settings.EXPORT_EXPIRY_HOURS),
        )
        audit_append(
            action="export.finished",
            actor=job.requested_by,
            object_type="export",
            object_id=job.pk,
            payload={
                "zip_sha256": digest,
                "records": len(records),
                "missing_pdfs": len(missing),
                "audit_chain_head": manifest["audit_chain_head"],
            },
        )
    job.refresh_from_db()
    return job


def export_verify(path: Path) -> list[str]:
    """Problems with an export zip: any file whose sha256 differs from its manifest entry."""
    problems = []
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        names = set(archive.namelist()) - {"manifest.json"}
        listed = {entry["name"] for entry in manifest["files"]}
        problems.extend(f"{name}: not in the manifest" for name in sorted(names - listed))
        for entry in manifest["files"]:
            if entry["name"] not in names:
                problems.append(f"{entry['name']}: missing")
            elif hashlib.sha256(archive.read(entry["name"])).hexdigest() != entry["sha256"]:
                problems.append(f"{entry['name']}: sha256 does not match the manifest")
    return problems


def export_path(job: ExportJob) -> Path | None:
    """The zip of a finished, unexpired export."""
    if job.status != JobStatus.DONE or not job.path:
        return None
    if job.expires_at and job.expires_at <= timezone.now():
        return None
    path = Path(settings.MEDIA_ROOT) / job.path
    return path if path.is_file() else None


def export_cleanup() -> int:
    """Delete the zips of expired exports; returns how many were deleted."""
    count = 0
    for job in ExportJob.objects.filter(expires_at__lte=timezone.now()).exclude(path=""):
        (Path(settings.MEDIA_ROOT) / job.path).unlink(missing_ok=True)
        ExportJob.objects.filter(pk=job.pk).update(path="")
        count += 1
    return count


def export_sweep(*, older_than: timedelta | None = None) -> list[int]:
    """Dispatch again exports still pending (their dispatch was lost)."""
    wait = (
        older_than
        if older_than is not None
        else timedelta(seconds=settings.PDF_SWEEP_AFTER_SECONDS)
    )
    ids = list(
        ExportJob.objects.filter(
            status=JobStatus.PENDING, created_at__lt=timezone.now() - wait
        ).values_list("pk", flat=True)[:50]
    )
    for export_id in ids:
        export_dispatch(export_id)
    return ids
