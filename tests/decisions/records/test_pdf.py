"""Decision record PDFs: content, accessibility, safe rendering, the outbox task and downloads."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import http.server
import io
import json
import os
import re
import signal
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import psycopg
import pypdf
import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from decisions.audit.models import AuditEvent
from decisions.audit.services import _LOCK_KEY as APPEND_LOCK_KEY  # the chain's append lock
from decisions.cases.services import case_submit
from decisions.integrity.checks import pdfs_verify
from decisions.integrity.models import SignedHead
from decisions.integrity.proofs import record_pdf_render
from decisions.integrity.tasks import render_record_pdf
from decisions.integrity.verification import audit_verify
from decisions.presenter import public_interest
from decisions.records import pdf as pdf_sweep_module
from decisions.records.models import DecisionRecord, RecordPdf, RecordPdfHash
from decisions.records.pdf import (
    BREAK_EVERY,
    CLAIM_GRACE,
    ZERO_WIDTH_SPACE,
    breakable,
    html_to_pdf,
    pdf_dispatch_deferred,
    pdf_retry,
    pdf_sweep,
    safe_url_fetcher,
    static_path_for,
)
from decisions.review.services import review_decide
from sourcing.celery import app as celery_app
from sourcing.errors import TransitionRefused
from sourcing.jobs import JobStatus
from sourcing.models import User
from sourcing.questionnaire import LABELS, display_value
from sourcing.tasks import ping
from tests.conftest import service_missing
from tests.factories import (
    LONGEST_TEXTS,
    UNUSUAL,
    approved_record,
    golden_answers,
    longest_text_record,
    pdf_case,
    pdf_record,
)
from tests.workers import celery_worker, require_real_worker

ROOT = Path(__file__).resolve().parents[3]


pytestmark = pytest.mark.usefixtures("media")


# --- Helpers ----------------------------------------------------------------------------------


def pdf_text(path: Path, *, raw: bool = False) -> str:
    """The PDF's text; raw: in the order it was drawn (a table cell's lines together)."""
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", *(["-raw"] if raw else []), str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def other_option(record: DecisionRecord) -> str:
    return next(o for o in ("build", "partner", "procure", "buy") if o != record.recommended)


@pytest.fixture
def overridden(
    users: dict[str, User], eager: None, django_capture_on_commit_callbacks: Any
) -> DecisionRecord:
    """An approved, overridden record whose rationale holds markup and unusual characters."""
    case = pdf_case(users["commercial"], summary=f"Appeals casework. {UNUSUAL}")
    recommended = case.assessments.get().result["recommended"]
    option = "build" if recommended != "build" else "procure"
    with django_capture_on_commit_callbacks(execute=True):
        record = review_decide(
            case=case,
            by=users["reviewer"],
            action="approve",
            option=option,
            rationale=f"Strategic capability <script>alert(1)</script> & more. {UNUSUAL}",
        )
    assert record is not None
    return DecisionRecord.objects.select_related("pdf").get(pk=record.pk)


# --- Content and accessibility ------------------------------------------------------------


def test_approval_renders_the_pdf_before_it_returns_in_eager_mode(
    overridden: DecisionRecord, media: Path
) -> None:
    pdf = overridden.pdf
    assert pdf.status == JobStatus.DONE and pdf.attempts == 1
    assert pdf.path == f"records/{overridden.reference}-{overridden.record_sha256[:12]}.pdf"
    data = (media / pdf.path).read_bytes()
    assert hashlib.sha256(data).hexdigest() == pdf.sha256 and len(data) == pdf.size
    event = AuditEvent.objects.get(action="pdf.rendered")
    assert event.payload["pdf_sha256"] == pdf.sha256
    assert event.payload["record_sha256"] == overridden.record_sha256
    assert pdfs_verify() == []


def test_pdfs_made_while_dispatch_is_deferred_wait_in_the_outbox_for_the_sweep(
    users: dict[str, User], eager: None, django_capture_on_commit_callbacks: Any, media: Path
) -> None:
    with pdf_dispatch_deferred():
        record = pdf_record(
            users["commercial"], users["reviewer"], django_capture_on_commit_callbacks
        )
    pdf = RecordPdf.objects.get(record=record)
    assert (pdf.status, pdf.dispatched_at, pdf.attempts) == (JobStatus.PENDING, None, 0)
    with django_capture_on_commit_callbacks(execute=True):
        assert pdf_sweep(older_than=timedelta(0)) == [pdf.pk]
    pdf.refresh_from_db()
    assert pdf.status == JobStatus.DONE and (media / pdf.path).is_file()
    assert pdfs_verify() == []


def test_a_row_written_while_deferred_is_not_queued_by_a_commit_after_the_block(
    users: dict[str, User], django_capture_on_commit_callbacks: Any
) -> None:
    with patch_dispatch() as queued:
        with django_capture_on_commit_callbacks(execute=True):  # commits after the block
            with pdf_dispatch_deferred():
                record = _pending_record(users)
        pdf = RecordPdf.objects.get(record=record)
        assert (pdf.dispatched_at, queued) == (None, [])  # the row and the commit agree
        with django_capture_on_commit_callbacks(execute=True):
            outside = _pending_record(users)
    assert queued == [RecordPdf.objects.get(record=outside).pk]


def test_the_pdf_shows_the_cover_every_section_and_escaped_user_text(
    overridden: DecisionRecord, media: Path
) -> None:
    text = pdf_text(media / overridden.pdf.path)
    flat = re.sub(r"\s+", " ", text)
    for expected in (
        f"Decision record {overridden.reference}",
        "Department A (dept-a)",
        "Overridden:",
        "Yes: the decision differs from the recommendation",
        overridden.record_sha256,
        overridden.content["identity"]["ruleset"]["sha256"],
        "version 2026.1"
        if overridden.content["identity"]["ruleset"]["version"] == "2026.1"
        else "",
        "None: the first record",
        "1. The need",
        "2. The five options",
        "3. Evidence",
        "4. Scoring trail",
        "Every rule evaluated",
        "5. Policy checks",
        "Conditions",
        "Risk and exit",
        "Accountability",
        "Sign-offs by discipline",
        "no account on this service",  # typed names (schema version 3 says how each was given)
        "Reviewer's rationale",
        "Review by and publication",
        "<script>alert(1)</script>",  # printed as text, never markup
        "Page 1 of",
        "ŵ ŷ â",
        "שם עברי",
    ):
        assert expected in flat, expected
    # Every rule of the trace is there, with its contribution.
    for entry in overridden.content["scoring"]["trace"]:
        assert entry["rule"] in flat
    pages = len(pypdf.PdfReader(media / overridden.pdf.path).pages)
    assert f"Page {pages} of {pages}" in flat


def test_the_pdf_is_tagged_pdf_ua_with_language_title_and_embedded_fonts(
    overridden: DecisionRecord, media: Path
) -> None:
    reader = pypdf.PdfReader(media / overridden.pdf.path)
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en-GB"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert (
        reader.metadata.title == f"Decision record {overridden.reference}: Case management system"
    )
    assert b"pdfuaid:part" in root["/Metadata"].get_data()
    tags: set[str] = set()

    def walk(node: Any, depth: int = 0) -> None:
        node = node.get_object()
        if isinstance(node, pypdf.generic.DictionaryObject):
            if "/S" in node:
                tags.add(str(node["/S"]))
            kids = node.get("/K")
            if kids is not None:
                walk(kids, depth + 1)
        elif isinstance(node, pypdf.generic.ArrayObject):
            for kid in node:
                walk(kid, depth + 1)

    walk(root["/StructTreeRoot"])
    assert {"/H1", "/H2", "/Table", "/TR", "/TH", "/TD", "/P", "/L", "/LI"} <= tags, tags
    fonts = []
    for page in reader.pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            for descendant in font.get("/DescendantFonts", [font]):
                descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                fonts.append((str(descendant.get_object()["/BaseFont"]), descriptor))
    assert fonts and all(
        {"/FontFile", "/FontFile2", "/FontFile3"} & set(d.keys()) for _, d in fonts
    )
    assert any("Liberation-Sans" in name for name, _ in fonts)
    # The one embedded file is the record proof (nothing the markup could ask to attach).
    assert set(reader.attachments) == {"record-proof.json"}


def test_a_record_with_very_long_text_and_many_returns_still_renders(
    users: dict[str, User], eager: None, django_capture_on_commit_callbacks: Any, media: Path
) -> None:

    case = pdf_case(users["commercial"])
    for round_ in range(4):
        review_decide(
            case=case,
            by=users["reviewer"],
            action="return",
            rationale=f"Return {round_}: " + "x" * 3000,
        )
        case.refresh_from_db()
        case = case_submit(case=case, by=users["commercial"])
    rationale = ("Long reasons without spaces:" + "ŵ" * 400 + " ") + ("word " * 1900) + UNUSUAL
    with django_capture_on_commit_callbacks(execute=True):
        record = review_decide(
            case=case, by=users["reviewer"], action="approve", rationale=rationale[:10000]
        )
    pdf = RecordPdf.objects.get(record=record)
    assert pdf.status == JobStatus.DONE, pdf.last_error
    flat = re.sub(r"\s+", " ", pdf_text(media / pdf.path))
    assert "Return 3:" in flat and "Every return to the department" in flat


def test_every_free_text_at_its_longest_without_a_space_wraps_inside_the_page_in_full(
    users: dict[str, User], eager: None, django_capture_on_commit_callbacks: Any, media: Path
) -> None:
    record = longest_text_record(
        users["commercial"], users["reviewer"], django_capture_on_commit_callbacks
    )
    assert record.pdf.status == JobStatus.DONE, record.pdf.last_error
    path = media / record.pdf.path
    text = pdf_text(path)
    explained = sum(1 for c in record.content["policy_checks"] if c["result"] == "explain")
    copies = {"explanation": explained, "signoff_name": 4, "signoff_role": 4}
    copies["signoff_comment"] = 4
    for field, (letter, length) in LONGEST_TEXTS.items():
        # Nothing cut off: every letter of every copy is in the text.
        assert text.count(letter) >= length * copies.get(field, 1), field
    # Nothing overflows: every word drawn lies inside its page.
    boxes = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = re.findall(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', boxes, re.S)
    assert len(pages) > 5
    for width, height, words in pages:
        for x_min, y_min, x_max, y_max in re.findall(
            r'<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" yMax="([\d.-]+)"', words
        ):
            assert 0 <= float(x_min) and float(x_max) <= float(width), (x_min, x_max, width)
            assert 0 <= float(y_min) and float(y_max) <= float(height), (y_min, y_max, height)


def test_long_words_get_break_opportunities_and_short_ones_none() -> None:
    assert breakable("a short sentence") == "a short sentence"
    long = "https://example.org/" + "x" * 100
    broken = breakable({"items": [long, 3], "pair": ("y" * 41,)})
    parts = broken["items"][0].split(ZERO_WIDTH_SPACE)
    assert "".join(parts) == long and max(len(p) for p in parts) == BREAK_EVERY
    assert broken["items"][1] == 3 and broken["pair"] == ("y" * 40 + ZERO_WIDTH_SPACE + "y",)


def test_services_of_a_million_or_more_show_the_public_interest_test(
    users: dict[str, User], eager: None, django_capture_on_commit_callbacks: Any, media: Path
) -> None:
    record = pdf_record(
        users["commercial"],
        users["reviewer"],
        django_capture_on_commit_callbacks,
        whole_life_budget_gbp=1_200_000,
        in_house_capability="strong",
        team_capacity_fte=6,
    )
    pit = public_interest(record.content["policy_checks"], record.content["answers"])
    assert pit is not None and pit["ready"] is True and pit["budget_text"] == "£1,200,000"
    flat = re.sub(r"\s+", " ", pdf_text(media / record.pdf.path))
    assert "6. Public Interest Test" in flat
    assert "Is this a good candidate for insourcing?" in flat
    assert "Is the department ready to insource? Yes" in flat
    assert "Explained for public_interest_test." in flat


def test_the_pdf_says_why_a_close_call_and_the_decided_option_s_conditions(
    users: dict[str, User], eager: None, django_capture_on_commit_callbacks: Any, media: Path
) -> None:
    record = pdf_record(
        users["commercial"],
        users["reviewer"],
        django_capture_on_commit_callbacks,
        option="procure",
        rationale="Procure: the team is needed elsewhere.",
        **golden_answers("G41"),
    )
    assert record.overridden and record.content["conditions"]
    flat = re.sub(r"\s+", " ", pdf_text(media / record.pdf.path))
    assert "Why this option" in flat and "The strongest reasons for Build" in flat
    assert "Too close to call between Build and Procure." in flat
    assert "Fragile." in flat and "Points by factor, as they count" in flat
    assert "The conditions attached to the decided option, Procure" in flat
    for condition in record.content["conditions"]:
        assert condition["text"] in flat, condition
    assert "How unusual is the need? (differentiation)" in flat  # the trace, label and key
    assert "Why this weight:" in flat


def test_the_pdf_says_options_rules_and_policy_reasons_in_words(
    users: dict[str, User], eager: None, django_capture_on_commit_callbacks: Any, media: Path
) -> None:
    record = pdf_record(
        users["commercial"],
        users["reviewer"],
        django_capture_on_commit_callbacks,
        **golden_answers("G29"),  # innovate: no market rules buy out, no supplier procure
    )
    scoring = record.content["scoring"]
    assert scoring["recommended"] == "innovate" and not scoring["viable"]["buy"]
    flat = re.sub(r"\s+", " ", pdf_text(media / record.pdf.path, raw=True))
    assert "Buy is ruled out by rule R11: No market for the need" in flat
    assert "Rules out: Buy" in flat and "['buy']" not in flat
    assert "Innovate keeps the code and data under government control." in flat
    assert "innovate scores" not in flat  # the engine's own sentence, with keys, is not shown
    summary = record.content["publishable"]["reasons_summary"]
    assert summary[0].startswith("Innovate scores 55 points, ")


def test_the_later_questions_are_in_the_record_and_its_pdf(
    users: dict[str, User],
    eager: None,
    django_capture_on_commit_callbacks: Any,
    media: Path,
    client_as: Any,
) -> None:
    later = {
        "process_change": "will_adapt",
        "existing_service_team": True,
        "service_integration_capability": "adequate",
        "depends_on_platform_not_live": False,
        "delivery_approach": "single_cutover",
    }
    record = pdf_record(
        users["commercial"], users["reviewer"], django_capture_on_commit_callbacks, **later
    )
    kept = {**record.content["need"]["answers"], **record.content["evidence"]}
    assert {k: kept[k] for k in later} == later
    flat = re.sub(r"\s+", " ", pdf_text(media / record.pdf.path, raw=True))
    page = " ".join(
        client_as(users["auditor"])
        .get(reverse("record_detail", args=[record.pk]))
        .content.decode()
        .split()
    )
    for key, value in later.items():
        label, shown = LABELS[key][0], display_value(key, value)
        assert f"{label} {shown}" in flat, key
        assert escape(label) in page and escape(shown) in page, key


def test_the_public_interest_test_is_absent_under_a_million() -> None:
    content = {
        "policy_checks": [{"check": "public_interest_test", "result": "n/a", "reason": ""}],
        "answers": {"whole_life_budget_gbp": 900_000},
    }
    assert public_interest(content["policy_checks"], content["answers"]) is None


# --- Safe rendering ---------------------------------------------------------------------------


class _Canary(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:
        type(self).hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.end_headers()
        self.wfile.write(b"body { color: red }")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def canary() -> Iterator[tuple[int, list[str]]]:
    _Canary.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Canary)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], _Canary.hits
    server.shutdown()
    server.server_close()


def _attacks(port: int) -> str:
    base = f"http://127.0.0.1:{port}"
    return (
        f'<img src={base}/img.png> <img src="file:///etc/passwd">'
        f'<style>@import url("{base}/import.css");</style>'
        f'<link rel=stylesheet href="{base}/style.css">'
        f'<link rel=attachment href="{base}/attach.txt"><link rel=attachment href="file:///etc/passwd">'
        f'<a rel=attachment href="file:///etc/passwd">passwd</a>'
        f'<div style="background: url({base}/bg.png)">x</div>'
        f'<img src="https://sourcing.invalid/static/../../sourcing/settings.py">'
    )


def test_user_text_cannot_reach_the_network_or_the_disk(
    users: dict[str, User],
    eager: None,
    django_capture_on_commit_callbacks: Any,
    canary: tuple[int, list[str]],
    media: Path,
) -> None:
    port, hits = canary
    case = pdf_case(users["commercial"])
    with django_capture_on_commit_callbacks(execute=True):
        record = review_decide(
            case=case, by=users["reviewer"], action="approve", rationale=_attacks(port)
        )
    pdf = RecordPdf.objects.get(record=record)
    assert pdf.status == JobStatus.DONE
    reader = pypdf.PdfReader(media / pdf.path)
    # Nothing the markup asked to attach: the one embedded file is our record proof.
    assert list(reader.attachments) == ["record-proof.json"]
    proof = json.loads(reader.attachments["record-proof.json"][0])
    assert proof["record"]["record_sha256"] == record.record_sha256
    assert "file:///etc/passwd" in pdf_text(media / pdf.path)  # shown as text
    assert hits == []


def test_the_fetcher_refuses_everything_but_our_static_files_and_data_urls(
    canary: tuple[int, list[str]], tmp_path: Path
) -> None:
    port, hits = canary
    # Even raw, unescaped markup (a template bug) loads nothing from outside.
    html = (
        '<html lang="en-GB"><head><title>t</title>'
        '<link rel=stylesheet href="/static/css/print.css"></head><body><h1>Canary</h1>'
        + _attacks(port)
        + '<img alt="dot" src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
        + "</body></html>"
    )
    fetcher = safe_url_fetcher()
    data = html_to_pdf(html, fetcher=fetcher)
    assert hits == []
    assert any(url.startswith(f"http://127.0.0.1:{port}") for url in fetcher.refused)
    assert "file:///etc/passwd" in fetcher.refused
    reader = pypdf.PdfReader(__import__("io").BytesIO(data))
    assert reader.attachments == {}
    path = tmp_path / "canary.pdf"
    path.write_bytes(data)
    assert "root:" not in pdf_text(path)
    assert static_path_for("https://sourcing.invalid/static/css/print.css") is not None
    for refused in (
        "https://sourcing.invalid/static/../sourcing/settings.py",
        "https://sourcing.invalid/static/%2e%2e/%2e%2e/etc/passwd",
        "https://sourcing.invalid/static//etc/passwd",
        "https://sourcing.invalid:8443/static/css/print.css",
        "https://user@sourcing.invalid/static/css/print.css",
        "http://sourcing.invalid/static/css/print.css",
        "file:///work/main/static/css/print.css",
    ):
        assert static_path_for(refused) is None, refused


# --- The task: idempotent, bounded, never lost ----------------------------------------------


def test_a_redelivered_task_renders_nothing_twice(overridden: DecisionRecord, media: Path) -> None:
    path = media / overridden.pdf.path
    before = (path.stat().st_mtime_ns, overridden.pdf.sha256)
    assert render_record_pdf.delay(overridden.pdf.pk).get() == "done"
    assert record_pdf_render(pdf_id=overridden.pdf.pk).status == JobStatus.DONE  # type: ignore[union-attr]
    assert (path.stat().st_mtime_ns, RecordPdf.objects.get().sha256) == before
    assert AuditEvent.objects.filter(action="pdf.rendered").count() == 1
    assert RecordPdf.objects.get().attempts == 1


@contextlib.contextmanager
def patch_dispatch(*, refuse: bool = False) -> Iterator[list[int]]:
    """Record the render tasks queued (the broker refuses them all when `refuse`); nothing
    waits in the broker's queue unless the test patched `queued_tasks` itself."""
    queued: list[int] = []

    def dispatch(name: str, pdf_id: int) -> None:
        queued.append(pdf_id)
        if refuse:
            raise ConnectionRefusedError("the broker is down")

    with mock.patch("decisions.records.pdf.dispatch", dispatch):
        if isinstance(pdf_sweep_module.queued_tasks, mock.Mock):
            yield queued  # the test says what waits in the queue
            return
        with mock.patch("decisions.records.pdf.queued_tasks", return_value=0):  # none queued
            yield queued


def _pending_record(users: dict[str, User]) -> DecisionRecord:
    """An approved record whose PDF is not rendered yet (its transaction never commits)."""
    record = review_decide(
        case=pdf_case(users["commercial"]), by=users["reviewer"], action="approve"
    )
    assert record is not None
    return record


def test_a_row_claimed_by_a_live_worker_is_left_as_it_is(users: dict[str, User]) -> None:
    record = _pending_record(users)
    claimed = timezone.now() - timedelta(seconds=1)
    RecordPdf.objects.filter(record=record).update(
        status=JobStatus.RUNNING, attempts=1, claimed_at=claimed
    )
    pdf = RecordPdf.objects.get(record=record)
    assert record_pdf_render(pdf_id=pdf.pk) is None  # busy: another worker is about to render it
    assert render_record_pdf.apply(args=[pdf.pk]).get() == "busy"
    pdf.refresh_from_db()
    assert (pdf.status, pdf.attempts, pdf.claimed_at) == (JobStatus.RUNNING, 1, claimed)
    assert pdf_sweep(older_than=timedelta(0)) == []  # not lost: nothing queued again


def test_a_row_lost_with_its_worker_is_claimed_again_and_rendered_once(
    users: dict[str, User], media: Path
) -> None:
    record = _pending_record(users)
    lost = timezone.now() - CLAIM_GRACE - timedelta(seconds=1)
    RecordPdf.objects.filter(record=record).update(
        status=JobStatus.RUNNING, attempts=1, claimed_at=lost, dispatched_at=lost - timedelta(1)
    )
    pdf = RecordPdf.objects.get(record=record)
    with patch_dispatch() as queued:
        assert pdf_sweep() == [pdf.pk] and queued == [pdf.pk]
    done = record_pdf_render(pdf_id=pdf.pk)
    assert done is not None and (done.status, done.attempts) == (JobStatus.DONE, 2)
    assert record_pdf_render(pdf_id=pdf.pk).attempts == 2  # type: ignore[union-attr]
    assert AuditEvent.objects.filter(action="pdf.rendered").count() == 1


def test_a_row_lost_at_the_last_attempt_fails_for_good_with_its_reason(
    users: dict[str, User], settings: Any
) -> None:
    record = _pending_record(users)
    lost = timezone.now() - CLAIM_GRACE - timedelta(seconds=1)
    RecordPdf.objects.filter(record=record).update(
        status=JobStatus.RUNNING, attempts=settings.PDF_MAX_ATTEMPTS, claimed_at=lost
    )
    pdf = record_pdf_render(pdf_id=RecordPdf.objects.get(record=record).pk)
    assert pdf is not None and pdf.status == JobStatus.FAILED
    assert pdf.attempts == settings.PDF_MAX_ATTEMPTS
    assert "The worker stopped while rendering" in pdf.last_error
    event = AuditEvent.objects.get(action="pdf.failed")
    assert event.payload["attempts"] == settings.PDF_MAX_ATTEMPTS
    assert event.payload["last_error"] == pdf.last_error
    assert record_pdf_render(pdf_id=pdf.pk).status == JobStatus.FAILED  # type: ignore[union-attr]
    assert AuditEvent.objects.filter(action="pdf.failed").count() == 1  # chained once
    assert not audit_verify().valid  # "approved record without its PDF" until tried again
    pdf_retry(record=record, by=users["admin"])  # queued once committed (never, here)
    assert RecordPdf.objects.get(pk=pdf.pk).status == JobStatus.PENDING
    assert audit_verify().valid


def test_the_sweep_queues_rows_left_behind_and_only_those(users: dict[str, User]) -> None:
    now = timezone.now()
    old = now - timedelta(minutes=5)
    rows = {}
    for name, values in {
        "pending, queued long ago": {"status": JobStatus.PENDING, "dispatched_at": old},
        "pending, queued just now": {"status": JobStatus.PENDING, "dispatched_at": now},
        "failed, attempts left": {"status": JobStatus.FAILED, "attempts": 1, "dispatched_at": old},
        "failed for good": {"status": JobStatus.FAILED, "attempts": 5, "dispatched_at": old},
        "running, lost": {"status": JobStatus.RUNNING, "claimed_at": old, "dispatched_at": old},
        "running, live": {"status": JobStatus.RUNNING, "claimed_at": now, "dispatched_at": old},
    }.items():
        record = _pending_record(users)
        RecordPdf.objects.filter(record=record).update(**values)
        rows[name] = RecordPdf.objects.get(record=record).pk
    # "Just now" as the sweep runs (making the rows above takes seconds on a loaded machine).
    RecordPdf.objects.filter(pk=rows["pending, queued just now"]).update(
        dispatched_at=timezone.now()
    )
    RecordPdf.objects.filter(pk=rows["running, live"]).update(claimed_at=timezone.now())
    with patch_dispatch() as queued:
        swept = pdf_sweep()
    expected = [
        rows[n] for n in ("pending, queued long ago", "failed, attempts left", "running, lost")
    ]
    assert swept == queued == sorted(expected)
    assert RecordPdf.objects.filter(pk__in=expected, dispatched_at__gte=now).count() == 3
    with patch_dispatch() as queued:
        assert pdf_sweep() == []  # just queued: not again before PDF_SWEEP_AFTER_SECONDS
    gave_up = RecordPdf.objects.get(pk=rows["failed for good"]).record
    pdf_retry(record=gave_up, by=users["admin"])  # verification reports it until then


def test_behind_a_backlog_the_sweep_queues_only_rows_lost_with_their_worker(
    users: dict[str, User],
) -> None:
    old = timezone.now() - timedelta(minutes=5)
    waiting = _pending_record(users)
    RecordPdf.objects.filter(record=waiting).update(dispatched_at=old)
    lost = _pending_record(users)
    RecordPdf.objects.filter(record=lost).update(
        status=JobStatus.RUNNING, attempts=1, claimed_at=old, dispatched_at=old
    )
    with mock.patch("decisions.records.pdf.queued_tasks", return_value=40):
        with patch_dispatch() as queued:
            assert pdf_sweep() == [RecordPdf.objects.get(record=lost).pk] == queued
    with mock.patch("decisions.records.pdf.queued_tasks", return_value=0):
        with patch_dispatch() as queued:  # drained: the waiting row's task was lost
            assert pdf_sweep() == [RecordPdf.objects.get(record=waiting).pk] == queued


def test_the_sweep_stops_at_the_first_dispatch_the_broker_refuses(users: dict[str, User]) -> None:
    old = timezone.now() - timedelta(minutes=5)
    for _ in range(3):
        RecordPdf.objects.filter(record=_pending_record(users)).update(dispatched_at=old)
    with patch_dispatch(refuse=True) as queued:
        assert pdf_sweep() == [] and len(queued) == 1


def test_a_failure_is_recorded_retried_a_bounded_number_of_times_and_shown(
    users: dict[str, User],
    eager: None,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
    client_as: Any,
) -> None:
    settings.PDF_MAX_ATTEMPTS = 2

    def broken(record: DecisionRecord, prove: Any = None) -> bytes:
        raise RuntimeError("font cache exploded")

    monkeypatch.setattr("decisions.records.pdf.record_pdf_bytes", broken)
    record = pdf_record(users["commercial"], users["reviewer"], django_capture_on_commit_callbacks)
    pdf = RecordPdf.objects.get(record=record)
    assert (pdf.status, pdf.attempts) == (JobStatus.FAILED, 1)
    assert "font cache exploded" in pdf.last_error
    api = client_as(users["auditor"]).get(reverse("api:decision_pdf", args=[record.pk]))
    assert api.status_code == 202  # a retry is still to come
    assert not AuditEvent.objects.filter(action="pdf.failed").exists()
    assert audit_verify().valid  # not failed for good yet, not overdue
    assert pdf_sweep(older_than=timedelta(0)) == [pdf.pk]  # eager: the retry runs now
    pdf.refresh_from_db()
    assert (pdf.status, pdf.attempts) == (JobStatus.FAILED, 2)
    failed = AuditEvent.objects.get(action="pdf.failed")
    assert failed.payload["attempts"] == 2
    assert "font cache exploded" in failed.payload["last_error"]
    assert pdf_sweep(older_than=timedelta(0)) == []  # the cap is reached: no more tries
    api = client_as(users["auditor"]).get(reverse("api:decision_pdf", args=[record.pk]))
    assert api.status_code == 503 and api.json()["status"] == "failed"
    page = client_as(users["auditor"]).get(reverse("export_start"))
    assert (
        record.reference in page.content.decode() and "font cache exploded" in page.content.decode()
    )
    assert not audit_verify().valid  # reported until an administrator gets it rendered
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        pdf_retry(record=record, by=users["admin"])
    assert RecordPdf.objects.get(record=record).status == JobStatus.DONE


@pytest.mark.parametrize("caller", ["reviewer", "auditor"])
def test_a_pdf_failed_for_good_is_shown_to_reviewers_and_auditors_and_reported(
    caller: str,
    users: dict[str, User],
    eager: None,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
    client_as: Any,
) -> None:
    settings.PDF_MAX_ATTEMPTS = 1
    monkeypatch.setattr(
        "decisions.records.pdf.record_pdf_bytes",
        lambda record, prove=None: (_ for _ in ()).throw(RuntimeError("font cache exploded")),
    )
    record = pdf_record(users["commercial"], users["reviewer"], django_capture_on_commit_callbacks)
    problem = (
        f"record {record.reference}: approved record without its PDF (rendering failed after 1 "
        "attempts: RuntimeError: font cache exploded; an administrator can try again)"
    )
    assert audit_verify().problems == (problem,)
    client = client_as(users[caller])
    detail = client.get(reverse("record_detail", args=[record.pk])).content.decode()
    assert "PDF failed" in detail and "font cache exploded" in detail
    assert reverse("record_pdf_retry", args=[record.pk]) not in detail  # administrators only
    listing = client.get(reverse("record_list")).content.decode()
    assert "PDF failed" in listing
    download = client.get(reverse("record_pdf", args=[record.pk]))
    assert download.status_code == 503 and "PDF failed" in download.content.decode()
    if caller == "auditor":
        chain = client.get(reverse("audit_chain")).content.decode()
        assert escape(problem) in chain
        stdout = io.StringIO()
        with pytest.raises(SystemExit) as exit_code:
            call_command("verify_audit", stdout=stdout)
        assert exit_code.value.code == 1
        assert problem in json.loads(stdout.getvalue())["problems"]
    # The department's own user sees it failed too (without the error's detail).
    own = client_as(users["commercial"]).get(reverse("record_detail", args=[record.pk]))
    assert "PDF failed" in own.content.decode()
    # An administrator tries again once the fault is fixed: rendered, audited, verified.
    monkeypatch.undo()
    admin = client_as(users["admin"])
    page = admin.get(reverse("record_detail", args=[record.pk])).content.decode()
    assert reverse("record_pdf_retry", args=[record.pk]) in page
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(reverse("record_pdf_retry", args=[record.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("record_detail", args=[record.pk])
    pdf = RecordPdf.objects.get(record=record)
    assert (pdf.status, pdf.attempts, pdf.last_error) == (JobStatus.DONE, 1, "")
    retried = AuditEvent.objects.get(action="pdf.retried")
    assert retried.actor == users["admin"].username
    assert retried.payload == {
        "reference": record.reference,
        "attempts": 1,
        "last_error": "RuntimeError: font cache exploded",
    }
    assert AuditEvent.objects.filter(action="pdf.rendered", object_id=str(record.pk)).count() == 1
    assert audit_verify().valid
    # The list's kept rows name whether the PDF failed: rendered now, not shown failed.
    listing = client.get(reverse("record_list")).content.decode()
    assert record.reference in listing and "PDF failed" not in listing
    # Nothing left to try again: refused, nothing changed.
    again = admin.post(reverse("record_pdf_retry", args=[record.pk]), follow=True)
    assert "has not failed" in again.content.decode()
    assert AuditEvent.objects.filter(action="pdf.retried").count() == 1


def test_a_disk_that_refuses_the_pdf_is_its_own_error_counted_as_an_attempt(
    users: dict[str, User], media: Path, settings: Any
) -> None:
    settings.PDF_MAX_ATTEMPTS = 2
    record = _pending_record(users)
    media.mkdir(parents=True)
    (media / "records").write_text("a file where the folder should be")  # mkdir: EEXIST
    pdf = record_pdf_render(pdf_id=RecordPdf.objects.get(record=record).pk)
    assert pdf is not None and (pdf.status, pdf.attempts) == (JobStatus.FAILED, 1)
    assert pdf.last_error.startswith("The PDF could not be stored: FileExistsError: [Errno 17]")
    assert "worker stopped" not in pdf.last_error
    assert not AuditEvent.objects.filter(action__in=["pdf.rendered", "pdf.failed"]).exists()
    pdf = record_pdf_render(pdf_id=pdf.pk)  # the second and last attempt: failed for good
    assert pdf is not None and (pdf.status, pdf.attempts) == (JobStatus.FAILED, 2)
    failed = AuditEvent.objects.get(action="pdf.failed")
    assert "FileExistsError" in failed.payload["last_error"]
    assert any("FileExistsError" in p for p in audit_verify().problems)
    (media / "records").unlink()  # the disk put right, an administrator tries again
    pdf_retry(record=record, by=users["admin"])
    done = record_pdf_render(pdf_id=pdf.pk)
    assert done is not None and (done.status, done.attempts) == (JobStatus.DONE, 1)
    assert (media / done.path).is_file() and audit_verify().valid


def test_a_full_disk_leaves_no_partial_file_and_names_the_oserror(
    users: dict[str, User], media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = _pending_record(users)

    def full(fd: int) -> None:  # the OS failure, as a full disk gives it at fsync
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("decisions.records.pdf.os.fsync", full)
    pdf = record_pdf_render(pdf_id=RecordPdf.objects.get(record=record).pk)
    assert pdf is not None and (pdf.status, pdf.attempts) == (JobStatus.FAILED, 1)
    assert pdf.last_error == (
        "The PDF could not be stored: OSError: [Errno 28] No space left on device"
    )
    assert list((media / "records").iterdir()) == []  # the partial file removed
    assert not RecordPdfHash.objects.exists()


@pytest.mark.services
def test_the_audit_chain_is_free_to_append_while_a_pdf_renders(
    users: dict[str, User],
    transactional_db: None,
    eager_tasks: None,
    media: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A render signs the head covering its record in a transaction of its own: an approval
    (which appends under the chain's lock) never waits for WeasyPrint."""
    if connection.vendor != "postgresql":
        service_missing("the chain's append lock is PostgreSQL's (DATABASE_URL)")
    monkeypatch.setattr("decisions.records.pdf.pdf_dispatch", lambda pdf_id: True)  # pending
    record = approved_record(users["commercial"], users["reviewer"])
    pdf = RecordPdf.objects.get(record=record)
    assert not SignedHead.objects.filter(records__gte=record.seq).exists()  # signed by the render
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    free_while_rendering: list[bool] = []
    render = pdf_sweep_module.html_to_pdf

    def rendering(*args: Any, **kwargs: Any) -> bytes:
        with psycopg.connect(**params, autocommit=False) as other:
            held = other.execute(
                "SELECT pg_try_advisory_xact_lock(%s)", [APPEND_LOCK_KEY]
            ).fetchone()
            free_while_rendering.append(bool(held and held[0]))
            other.rollback()
        return render(*args, **kwargs)

    monkeypatch.setattr("decisions.records.pdf.html_to_pdf", rendering)
    done = record_pdf_render(pdf_id=pdf.pk)
    assert done is not None and done.status == JobStatus.DONE
    assert free_while_rendering == [True]
    assert SignedHead.objects.filter(records__gte=record.seq).exists()
    assert audit_verify().valid


def test_only_an_administrator_may_try_a_failed_pdf_again(
    users: dict[str, User],
    eager: None,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
    client_as: Any,
) -> None:
    settings.PDF_MAX_ATTEMPTS = 1
    monkeypatch.setattr(
        "decisions.records.pdf.record_pdf_bytes",
        lambda record, prove=None: (_ for _ in ()).throw(RuntimeError("no fonts")),
    )
    record = pdf_record(users["commercial"], users["reviewer"], django_capture_on_commit_callbacks)
    with pytest.raises(TransitionRefused):
        pdf_retry(record=record, by=users["reviewer"])
    for role in ("reviewer", "auditor", "commercial", "steward"):
        assert (
            client_as(users[role]).post(reverse("record_pdf_retry", args=[record.pk])).status_code
            == 403
        )
        api = client_as(users[role]).post(
            reverse("api:decision_pdf_retry", args=[record.pk]), content_type="application/json"
        )
        assert api.status_code == 403
    monkeypatch.undo()
    admin = client_as(users["admin"])
    with django_capture_on_commit_callbacks(execute=True):
        api = admin.post(
            reverse("api:decision_pdf_retry", args=[record.pk]), content_type="application/json"
        )
    assert api.status_code == 202, api.content
    assert RecordPdf.objects.get(record=record).status == JobStatus.DONE
    again = admin.post(
        reverse("api:decision_pdf_retry", args=[record.pk]), content_type="application/json"
    )
    assert again.status_code == 409 and "has not failed" in again.json()["detail"]
    assert audit_verify().valid


def _use_broker(url: str, *, eager: bool) -> None:
    celery_app.conf.broker_url = url
    celery_app.conf.task_always_eager = eager
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def broker_down(settings: Any) -> Iterator[Any]:
    """Tasks go to a Redis broker on a closed port (an outage); call the result to end it."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    saved = (celery_app.conf.broker_url, celery_app.conf.task_always_eager)
    _use_broker(f"redis://127.0.0.1:{port}/0", eager=False)
    settings.CELERY_TASK_ALWAYS_EAGER = True
    yield lambda: _use_broker(saved[0], eager=True)  # back, and eager for the test
    _use_broker(saved[0], eager=saved[1])


def test_a_broker_outage_at_approval_delays_the_pdf_but_never_loses_it(
    users: dict[str, User],
    broker_down: Any,
    client_as: Any,
    django_capture_on_commit_callbacks: Any,
    media: Path,
) -> None:
    case = pdf_case(users["commercial"])
    reviewer = client_as(users["reviewer"])
    with django_capture_on_commit_callbacks(execute=True):
        response = reviewer.post(
            reverse("api:case_review", args=[case.pk]),
            data={"action": "approve"},
            content_type="application/json",
        )
    assert response.status_code == 201, response.content
    record_id = response.json()["record"]["id"]
    assert response.json()["record"]["pdf_sha256"] is None
    pdf = RecordPdf.objects.get(record_id=record_id)
    assert (pdf.status, pdf.attempts) == (JobStatus.PENDING, 0)  # queueing it was tried once
    pending = client_as(users["commercial"]).get(reverse("api:decision_pdf", args=[record_id]))
    assert pending.status_code == 202 and pending["Retry-After"] == "5"
    # The broker is back (eager here); the sweep the worker's beat runs delivers the PDF.
    broker_down()
    call_command("pdf_sweep", "--now", stdout=open(os.devnull, "w"))
    pdf.refresh_from_db()
    assert pdf.status == JobStatus.DONE and pdf.dispatched_at is not None
    body = client_as(users["commercial"]).get(reverse("api:decision", args=[record_id])).json()
    assert body["pdf_sha256"] == pdf.sha256


@pytest.mark.tampers_audit_chain
def test_pdfs_verify_finds_a_stored_pdf_changed_or_removed(
    overridden: DecisionRecord, media: Path
) -> None:
    path = media / overridden.pdf.path
    path.write_bytes(path.read_bytes() + b"%tampered")
    assert pdfs_verify() == [
        f"record {overridden.reference}: the stored PDF does not match its sha256 on the audit chain"
    ]
    path.unlink()
    assert pdfs_verify() == [f"record {overridden.reference}: the stored PDF is missing"]
    # The verifier reports it with the chain's other checks.
    assert audit_verify().problems == (f"record {overridden.reference}: the stored PDF is missing",)


# --- Downloads --------------------------------------------------------------------------------


@pytest.mark.parametrize("caller", ["steward"])
def test_the_pdf_is_refused_to_whoever_may_not_see_the_record_page(
    caller: str, overridden: DecisionRecord, users: dict[str, User], client_as: Any
) -> None:
    client = client_as(users[caller])
    assert client.get(reverse("record_detail", args=[overridden.pk])).status_code == 403
    assert client.get(reverse("record_pdf", args=[overridden.pk])).status_code == 403
    assert client.get(reverse("api:decision_pdf", args=[overridden.pk])).status_code == 403
    assert client.get(reverse("api:decision", args=[overridden.pk])).status_code == 403


@pytest.mark.parametrize("caller", ["commercial", "reviewer", "auditor", "admin"])
def test_the_stored_pdf_downloads_as_rendered_for_whoever_may_see_the_record(
    caller: str, overridden: DecisionRecord, users: dict[str, User], client_as: Any, media: Path
) -> None:
    client = client_as(users[caller])
    stored = (media / overridden.pdf.path).read_bytes()
    for url in (
        reverse("api:decision_pdf", args=[overridden.pk]),
        reverse("record_pdf", args=[overridden.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == (
            f'attachment; filename="{overridden.reference}-decision.pdf"'
        )
        assert b"".join(response.streaming_content) == stored


def test_another_departments_pdf_is_not_found(
    overridden: DecisionRecord, users: dict[str, User], client_as: Any
) -> None:
    client = client_as(users["outsider"])
    assert client.get(reverse("api:decision_pdf", args=[overridden.pk])).status_code == 404
    assert client.get(reverse("record_pdf", args=[overridden.pk])).status_code == 404


def test_a_pdf_still_rendering_answers_202_with_retry_after(
    users: dict[str, User], client_as: Any
) -> None:
    case = pdf_case(users["commercial"])
    record = review_decide(case=case, by=users["reviewer"], action="approve")  # not committed
    client = client_as(users["commercial"])
    api = client.get(reverse("api:decision_pdf", args=[record.pk]))  # type: ignore[union-attr]
    assert api.status_code == 202 and api["Retry-After"] == "5"
    assert api.json()["status"] == "pending"
    page = client.get(reverse("record_pdf", args=[record.pk]))  # type: ignore[union-attr]
    assert page.status_code == 202 and "being rendered" in page.content.decode()


def _pdf_rows() -> list[tuple[Any, ...]]:
    return list(
        RecordPdf.objects.order_by("pk").values_list(
            "pk", "record_id", "status", "attempts", "dispatched_at", "claimed_at", "last_error"
        )
    )


def test_viewing_a_record_and_its_pdf_writes_nothing_and_queues_nothing(
    users: dict[str, User], client_as: Any, django_capture_on_commit_callbacks: Any
) -> None:
    pending = _pending_record(users)  # its row written with it, not rendered
    missing = _pending_record(users)
    RecordPdf.objects.filter(record=missing).delete()  # an older record, from before the outbox
    rows, events = _pdf_rows(), AuditEvent.objects.count()
    pages = [
        reverse("record_list"),
        *(
            reverse(name, args=[record.pk])
            for record in (pending, missing)
            for name in ("record_detail", "record_pdf", "api:decision_pdf")
        ),
    ]
    with patch_dispatch() as queued, django_capture_on_commit_callbacks() as on_commit:
        for role in ("commercial", "reviewer", "auditor", "admin"):
            client = client_as(users[role])
            for url in pages:
                response = client.get(url)
                assert response.status_code in (200, 202), (role, url, response.status_code)
                if "pdf" in url:
                    assert response.status_code == 202 and response["Retry-After"] == "5"
    assert (queued, on_commit) == ([], [])
    assert _pdf_rows() == rows and AuditEvent.objects.count() == events
    # The sweep writes the missing row and queues it (and the pending one, when it is due).
    with patch_dispatch() as queued:
        swept = pdf_sweep(older_than=timedelta(0))
    made = RecordPdf.objects.get(record=missing)
    assert swept == queued == [RecordPdf.objects.get(record=pending).pk, made.pk]
    assert made.status == JobStatus.PENDING and made.dispatched_at is not None


def test_the_download_include_shows_each_state(
    overridden: DecisionRecord, users: dict[str, User], rf: Any
) -> None:

    html = render_to_string(
        "decisions/pdf_download.html",
        {"record": overridden, "pdf": overridden.pdf, "user": users["auditor"]},
    )
    assert (
        reverse("record_pdf", args=[overridden.pk]) in html and "Download the record (PDF" in html
    )
    RecordPdf.objects.filter(pk=overridden.pdf.pk).update(status="pending")
    overridden.refresh_from_db()
    pending = DecisionRecord.objects.select_related("pdf").get(pk=overridden.pk)
    assert "being rendered" in render_to_string(
        "decisions/pdf_download.html", {"record": pending, "pdf": pending.pdf}
    )
    RecordPdf.objects.filter(pk=overridden.pdf.pk).update(status="done")


# --- A real worker through Redis ------------------------------------------------------------


def _worker(queue: str, media: Path) -> subprocess.Popen[str]:
    return celery_worker(queue, MEDIA_ROOT=str(media))


def _ready(queue: str) -> None:
    """Wait until a worker consumes the queue (Redis drops messages for an unbound queue)."""
    assert ping.apply_async(args=["ready"], queue=queue).get(timeout=90) == "pong:ready"


def _locked(pdf_id: int) -> bool:
    """Whether a worker holds the PDF's row (it is rendering right now)."""
    try:
        with transaction.atomic():
            list(RecordPdf.objects.select_for_update(nowait=True).filter(pk=pdf_id))
    except DatabaseError:
        return True
    return False


def _wait(predicate: Any, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


@pytest.mark.services
def test_a_real_worker_killed_mid_render_still_delivers_the_pdf_once(
    settings: Any,
    users: dict[str, User],
    transactional_db: None,
    media: Path,
) -> None:
    require_real_worker()
    queue = f"test-pdf-{uuid.uuid4().hex[:12]}"
    saved_queue = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue
    worker = _worker(queue, media)
    try:
        _ready(queue)
        case = pdf_case(users["commercial"], summary="word " * 999)
        with transaction.atomic():  # committed: on_commit dispatches to the worker's queue
            record = review_decide(
                case=case, by=users["reviewer"], action="approve",
                rationale=("A long rationale. " * 550)[:10000],
            )  # fmt: skip
        pdf_id = RecordPdf.objects.get(record=record).pk
        claimed = RecordPdf.objects.filter(pk=pdf_id, status=JobStatus.RUNNING)
        rendering = lambda: claimed.exists() and _locked(pdf_id)  # noqa: E731 (claimed, locked)
        assert _wait(rendering, 90), "the worker never started rendering"
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=20)
        assert _wait(lambda: not _locked(pdf_id), 20)
        pdf = RecordPdf.objects.get(pk=pdf_id)
        assert pdf.status == JobStatus.RUNNING and not pdf.path  # nothing stored, nothing lost
        worker = _worker(queue, media)
        _ready(queue)
        # Claimed moments ago, the sweep leaves it to its worker; once the claim is older than
        # the grace and no render holds the row, it was lost: the sweep queues it again.
        RecordPdf.objects.filter(pk=pdf_id).update(claimed_at=timezone.now())
        assert pdf_sweep(older_than=timedelta(0)) == []
        lost = timezone.now() - CLAIM_GRACE - timedelta(seconds=1)
        RecordPdf.objects.filter(pk=pdf_id).update(claimed_at=lost)
        assert pdf_sweep(older_than=timedelta(0)) == [pdf_id]
        assert _wait(
            lambda: RecordPdf.objects.filter(pk=pdf_id, status=JobStatus.DONE).exists(), 90
        ), RecordPdf.objects.get(pk=pdf_id).last_error
        # A late redelivery of the killed task finds the PDF done and changes nothing.

        assert render_record_pdf.apply_async(args=[pdf_id]).get(timeout=60) == "done"
        pdf = RecordPdf.objects.get(pk=pdf_id)
        assert AuditEvent.objects.filter(action="pdf.rendered").count() == 1
        assert list((media / "records").glob("*.pdf")) == [media / pdf.path]
        assert hashlib.sha256((media / pdf.path).read_bytes()).hexdigest() == pdf.sha256
        assert pdf.attempts == 2
    finally:
        celery_app.conf.task_default_queue = saved_queue
        worker.kill()
        worker.wait(timeout=20)
