"""Every write of bulk exports: start one, build its zip (PDFs, CSV, JSON, manifest), sweep
those never dispatched, delete the expired; and check a zip against its manifest."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import zipfile
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from decisions.audit.models import AuditEvent
from decisions.audit.services import audit_append
from decisions.exports.formats import CSV_COLUMNS, csv_row
from decisions.exports.models import ExportJob
from decisions.exports.selectors import export_records
from decisions.integrity.heads import head_data, head_sign
from decisions.integrity.keys import published_keys
from decisions.integrity.proofs import record_pdf_render
from decisions.records.content import record_full
from decisions.records.models import DecisionRecord
from decisions.records.pdf import pdf_path, pdf_row
from sourcing.jobs import JobStatus
from sourcing.models import User
from sourcing.tasks import dispatch

log = logging.getLogger(__name__)
BUILD_TASK = "decisions.export_build"  # decisions.exports.tasks.export_build_task


def export_dispatch(export_id: int) -> bool:
    """Queue an export's build once, with a short broker timeout; a broker failure is logged (the
    sweep dispatches it again)."""
    try:
        dispatch(BUILD_TASK, export_id)
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


CHUNK = 50  # records read at a time: the build holds one chunk, never the whole export


def _chunks(filters: dict[str, Any], *, content: bool) -> Iterator[list[DecisionRecord]]:
    """The records the filter selects, in chain order, CHUNK at a time (keyset on seq)."""
    records = export_records(filters)
    if not content:
        records = records.defer("content")
    last = 0
    while chunk := list(records.filter(seq__gt=last)[:CHUNK]):
        yield chunk
        last = chunk[-1].seq


class _Hashing(io.RawIOBase):
    """A writable that passes bytes to `target` while counting them and taking their sha256."""

    def __init__(self, target: IO[bytes]) -> None:
        self.target = target
        self.sha256 = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        self.target.write(view)
        self.sha256.update(view)
        self.size += len(view)
        return len(view)


def partial_write(data: bytes) -> Callable[[_Hashing], None]:
    """A writer of `data` for add()."""

    def write(out: _Hashing) -> None:
        out.write(data)

    return write


def _json_items(items: Iterator[dict[str, Any]]) -> Iterator[str]:
    """json.dumps(list(items), ensure_ascii=False, indent=1) piece by piece (the same text)."""
    first = True
    for item in items:
        text = json.dumps(item, ensure_ascii=False, indent=1).replace("\n", "\n ")
        yield ("[\n " if first else ",\n ") + text
        first = False
    yield "[]" if first else "\n]"


def _build(job: ExportJob) -> ExportJob:
    """Stream the export into its zip: one chunk of records at a time, each file hashed as it is
    written, so the memory used does not grow with the number of records."""
    total = export_records(job.filters).count()
    ExportJob.objects.filter(pk=job.pk).update(total=total)
    relative = f"exports/export-{job.pk}-{timezone.now():%Y%m%dT%H%M%S}.zip"
    target = Path(settings.MEDIA_ROOT) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    files: list[dict[str, Any]] = []
    missing: list[dict[str, str]] = []
    partial = target.with_suffix(".part")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:

        def add(name: str, write: Callable[[_Hashing], None]) -> None:
            with archive.open(name, "w", force_zip64=True) as entry:
                hashing = _Hashing(entry)
                write(hashing)
            files.append({"name": name, "sha256": hashing.sha256.hexdigest(), "size": hashing.size})

        index = 0
        for chunk in _chunks(job.filters, content=False):
            for record in chunk:
                index += 1
                pdf = pdf_row(record)
                if pdf.status != JobStatus.DONE:
                    pdf = record_pdf_render(pdf_id=pdf.pk) or pdf
                if pdf.status == JobStatus.DONE:
                    data = pdf_path(pdf).read_bytes()  # one PDF at a time
                    if hashlib.sha256(data).hexdigest() != pdf.sha256:
                        missing.append({"reference": record.reference, "reason": "hash mismatch"})
                    else:
                        add(f"pdfs/{Path(pdf.path).name}", partial_write(data))
                else:
                    reason = pdf.last_error or f"PDF {pdf.status}"
                    missing.append({"reference": record.reference, "reason": reason})
                if index % 10 == 0 or index == total:
                    ExportJob.objects.filter(pk=job.pk).update(done=index)

        # The records again, with the PDFs just rendered.
        def write_csv(out: _Hashing) -> None:
            text = io.StringIO()  # one chunk's rows at a time
            writer = csv.DictWriter(text, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
            writer.writeheader()
            for chunk in _chunks(job.filters, content=True):
                writer.writerows(csv_row(r) for r in chunk)
                out.write(text.getvalue().encode("utf-8"))
                text.seek(0)
                text.truncate()
            out.write(text.getvalue().encode("utf-8"))

        def write_json(out: _Hashing) -> None:
            items = (record_full(r) for chunk in _chunks(job.filters, content=True) for r in chunk)
            for piece in _json_items(items):
                out.write(piece.encode("utf-8"))

        add("records.csv", write_csv)
        add("records.json", write_json)
        manifest = {
            "export_id": job.pk,
            "created_at": timezone.now().isoformat(),
            "requested_by": job.requested_by.get_username(),
            "filters": job.filters,
            "records": index,
            "audit_chain_head": _chain_head(),
            # A head signed now: it covers every exported record (keep it, and check the
            # service against it later with `manage.py verify_audit --head manifest.json`).
            "signed_head": _signed_head(),
            "keys": published_keys(),
            "files": files,
            "missing_pdfs": missing,
        }
        archive.writestr("manifest.json", json.dumps(manifest, indent=1).encode("utf-8"))
    partial.replace(target)
    with target.open("rb") as stored:
        digest = hashlib.file_digest(stored, "sha256").hexdigest()
    now = timezone.now()
    with transaction.atomic():
        ExportJob.objects.filter(pk=job.pk).update(
            status=JobStatus.DONE,
            done=index,
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
                "records": index,
                "missing_pdfs": len(missing),
                "audit_chain_head": manifest["audit_chain_head"],
            },
        )
    job.refresh_from_db()
    return job


def _signed_head() -> dict[str, Any] | None:
    head = head_sign()
    return head_data(head).to_dict() if head is not None else None


def export_verify(path: Path) -> list[str]:
    """Problems with an export zip: any file whose sha256 differs from its manifest entry."""
    problems: list[str] = []
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        names = set(archive.namelist()) - {"manifest.json"}
        listed = {entry["name"] for entry in manifest["files"]}
        problems.extend(f"{name}: not in the manifest" for name in sorted(names - listed))
        for entry in manifest["files"]:
            if entry["name"] not in names:
                problems.append(f"{entry['name']}: missing")
            else:
                digest = hashlib.sha256()
                with archive.open(entry["name"]) as member:  # streamed, never read whole
                    while block := member.read(1 << 20):
                        digest.update(block)
                if digest.hexdigest() != entry["sha256"]:
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
