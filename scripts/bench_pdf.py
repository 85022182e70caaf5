"""Benchmark: a typical decision record PDF against a bare WeasyPrint render of a plain
document with the same page count (target <= 1.3x); the worst allowed input (every free text at
its longest without a space, tests.factories.longest_text_record) against the same record's HTML
without the break opportunities of decisions.records.pdf.breakable; and a bulk export of 1,000
records.

Runs on a throwaway SQLite database and media folder: `python scripts/bench_pdf.py`.
"""

from __future__ import annotations

import hashlib
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="bench-pdf-"))
os.environ["VAR_DIR"] = str(WORK)
os.environ["MEDIA_ROOT"] = str(WORK / "media")
os.environ.pop("DATABASE_URL", None)
os.environ.pop("REDIS_URL", None)
os.environ.setdefault("LOG_LEVEL", "ERROR")
# Emails are written to their outbox; the dummy backend sends nothing (no console output).
os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.dummy.EmailBackend"
os.environ["DJANGO_SETTINGS_MODULE"] = "sourcing.settings"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

RUNS = 5
EXPORT_RECORDS = 1000


def _median(fn: Callable[[], object], runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _plain_html(pages: int) -> str:
    text = " ".join(["The quick brown fox jumps over the lazy dog."] * 15)
    body = "".join(
        f'<h1 style="break-before: page">Page {n}</h1><p>{text}</p>' for n in range(1, pages + 1)
    )
    return f'<html lang="en-GB"><head><title>Plain</title></head><body>{body}</body></html>'


def bench_render() -> bytes:
    """Median render time of the demo's overridden record vs a bare render; returns the PDF."""
    import pypdf
    from weasyprint import HTML

    from decisions.records.models import DecisionRecord
    from decisions.records.pdf import PDF_ORIGIN, pdf_html, record_pdf_bytes, safe_url_fetcher

    record = DecisionRecord.objects.get(overridden=True)
    data = record_pdf_bytes(record)  # warm the fonts and the template
    pages = len(pypdf.PdfReader(__import__("io").BytesIO(data)).pages)
    plain = _plain_html(pages)
    plain_pages = len(HTML(string=plain).render().pages)
    html = pdf_html(record)
    ours = _median(lambda: record_pdf_bytes(record))
    same = _median(
        lambda: (
            HTML(string=html, base_url=PDF_ORIGIN + "/", url_fetcher=safe_url_fetcher())
            .render()
            .write_pdf()
        )
    )
    bare = _median(lambda: HTML(string=plain).write_pdf())
    print(f"record PDF, {pages} pages (template, safe fetcher, PDF/UA-1): {ours * 1000:6.0f} ms")
    print(f"  the same HTML, bare WeasyPrint render (untagged):    {same * 1000:6.0f} ms")
    print(f"  a plain {plain_pages}-page document (headings, text), bare:  {bare * 1000:6.0f} ms")
    print(f"ratio to the same HTML rendered bare: {ours / same:.2f}x (target <= 1.3x)")
    print(f"ratio to a plain document of the same page count: {ours / bare:.2f}x")
    return data


def bench_worst_case() -> None:
    """The worst allowed input: render time with the break opportunities, and without them."""
    import pypdf
    from django.template.loader import render_to_string

    from decisions.records import pdf as record_pdf
    from decisions.records.models import DecisionRecord
    from sourcing.models import User
    from tests.factories import longest_text_record

    class Capture:  # the on-commit callbacks run as they would after a real commit
        def __call__(self, execute: bool = True) -> Capture:
            return self

        def __enter__(self) -> None:
            return None

        def __exit__(self, *exc: object) -> None:
            return None

    owner = User.objects.get(username="alice")
    reviewer = User.objects.get(username="carol")
    record = longest_text_record(owner, reviewer, Capture())
    record = DecisionRecord.objects.get(pk=record.pk)
    data = record_pdf.record_pdf_bytes(record)
    pages = len(pypdf.PdfReader(__import__("io").BytesIO(data)).pages)
    took = _median(lambda: record_pdf.record_pdf_bytes(record), runs=3)
    print(f"worst allowed input, {pages} pages, with break opportunities: {took * 1000:6.0f} ms")
    unbroken = record_pdf.breakable
    try:
        record_pdf.breakable = lambda value: value
        html = render_to_string("decisions/pdf_record.html", record_pdf.pdf_context(record))
    finally:
        record_pdf.breakable = unbroken
    start = time.perf_counter()
    record_pdf.html_to_pdf(html)
    without = time.perf_counter() - start
    print(f"  the same without them (once):                  {without * 1000:6.0f} ms")


def bench_export(pdf: bytes) -> None:
    """Issue 1,000 records with rendered PDFs, then time one bulk export of them all."""
    from django.conf import settings

    from decisions.assessments.models import Assessment
    from decisions.exports.services import export_build, export_start
    from decisions.records.content import Decision
    from decisions.records.models import DecisionRecord, RecordPdf
    from decisions.records.pdf import pdf_relative_path
    from decisions.records.services import record_issue
    from sourcing.jobs import JobStatus
    from sourcing.models import User

    template = DecisionRecord.objects.get(overridden=True)
    assessment = Assessment.objects.filter(case=template.case).latest("created_at")
    reviewer = User.objects.get(username="carol")
    digest = hashlib.sha256(pdf).hexdigest()
    start = time.perf_counter()
    with transaction.atomic():
        for _ in range(EXPORT_RECORDS):
            record = record_issue(
                Decision(
                    case=template.case,
                    assessment=assessment,
                    reviewer=reviewer,
                    action="approve",
                    decided_option=template.decided_option,
                    rationale="Benchmark record.",
                    decided_at=timezone.now(),
                    review_by=template.review_by,
                )
            )
            relative = pdf_relative_path(record)
            path = Path(settings.MEDIA_ROOT) / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(pdf)
            RecordPdf.objects.create(
                record=record, status=JobStatus.DONE, path=relative, sha256=digest, size=len(pdf)
            )
    print(f"setup: issued {EXPORT_RECORDS} records in {time.perf_counter() - start:.1f} s")
    auditor = User.objects.get(username="dave")
    start = time.perf_counter()
    # Eager (no REDIS_URL): the build runs when export_start's transaction commits.
    job = export_start(by=auditor, filters={"option": template.decided_option})
    job = export_build(export_id=job.pk)
    took = time.perf_counter() - start
    print(
        f"bulk export of {job.total} records (zip of PDFs, CSV, JSON, manifest; "
        f"{(job.size or 0) / 1e6:.1f} MB): {took:.1f} s"
    )


def main() -> None:
    call_command("migrate", verbosity=0)
    from decisions.records.models import RecordPdf
    from sourcing.demo import seed_cases, seed_people

    seed_people()
    seed_cases()
    print(f"demo records with PDFs: {RecordPdf.objects.filter(status='done').count()}")
    pdf = bench_render()
    bench_export(pdf)
    bench_worst_case()


if __name__ == "__main__":
    main()
