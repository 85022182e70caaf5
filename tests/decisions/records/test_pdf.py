"""Decision record PDFs: content, accessibility, safe rendering, the outbox task and downloads."""

from __future__ import annotations

import hashlib
import http.server
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pypdf
import pytest
import redis
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape

from decisions.audit.models import AuditEvent
from decisions.cases.services import case_submit
from decisions.integrity.checks import pdfs_verify
from decisions.integrity.verification import audit_verify
from decisions.presenter import public_interest
from decisions.records.models import DecisionRecord, RecordPdf
from decisions.records.pdf import (
    html_to_pdf,
    pdf_render,
    pdf_sweep,
    safe_url_fetcher,
    static_path_for,
)
from decisions.records.tasks import render_record_pdf
from decisions.review.services import review_decide
from sourcing.celery import app as celery_app
from sourcing.jobs import JobStatus
from sourcing.models import User
from sourcing.questionnaire import LABELS, display_value
from sourcing.tasks import ping
from tests.conftest import service_missing
from tests.factories import UNUSUAL, golden_answers, pdf_case, pdf_record

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
    assert "/EmbeddedFiles" not in root.get("/Names", {})


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
    assert pit is not None and pit["ready"] is True and pit["budget_text"] == "1,200,000"
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
    assert reader.attachments == {}
    assert "/EmbeddedFiles" not in reader.trailer["/Root"].get("/Names", {})
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
    assert pdf_render(pdf_id=overridden.pdf.pk).status == JobStatus.DONE  # type: ignore[union-attr]
    assert (path.stat().st_mtime_ns, RecordPdf.objects.get().sha256) == before
    assert AuditEvent.objects.filter(action="pdf.rendered").count() == 1
    assert RecordPdf.objects.get().attempts == 1


def test_a_failure_is_recorded_retried_a_bounded_number_of_times_and_shown(
    users: dict[str, User],
    eager: None,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
    client_as: Any,
) -> None:
    settings.PDF_MAX_ATTEMPTS = 2

    def broken(record: DecisionRecord) -> bytes:
        raise RuntimeError("font cache exploded")

    monkeypatch.setattr("decisions.records.pdf.record_pdf_bytes", broken)
    record = pdf_record(users["commercial"], users["reviewer"], django_capture_on_commit_callbacks)
    pdf = RecordPdf.objects.get(record=record)
    assert (pdf.status, pdf.attempts) == (JobStatus.FAILED, 1)
    assert "font cache exploded" in pdf.last_error
    api = client_as(users["auditor"]).get(reverse("api:decision_pdf", args=[record.pk]))
    assert api.status_code == 202  # a retry is still to come
    assert pdf_sweep(older_than=timedelta(0)) == [pdf.pk]  # eager: the retry runs now
    pdf.refresh_from_db()
    assert (pdf.status, pdf.attempts) == (JobStatus.FAILED, 2)
    assert AuditEvent.objects.filter(action="pdf.failed").count() == 1
    assert pdf_sweep(older_than=timedelta(0)) == []  # the cap is reached: no more tries
    api = client_as(users["auditor"]).get(reverse("api:decision_pdf", args=[record.pk]))
    assert api.status_code == 503 and api.json()["status"] == "failed"
    page = client_as(users["auditor"]).get(reverse("export_start"))
    assert (
        record.reference in page.content.decode() and "font cache exploded" in page.content.decode()
    )


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
    assert (pdf.status, pdf.dispatched_at) == (JobStatus.PENDING, None)
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


@pytest.mark.parametrize("caller", ["commercial", "reviewer", "auditor", "steward", "admin"])
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


def test_the_download_include_shows_each_state(
    overridden: DecisionRecord, users: dict[str, User], rf: Any
) -> None:

    html = render_to_string(
        "decisions/pdf_download.html", {"record": overridden, "user": users["auditor"]}
    )
    assert (
        reverse("record_pdf", args=[overridden.pk]) in html and "Download the record (PDF" in html
    )
    RecordPdf.objects.filter(pk=overridden.pdf.pk).update(status="pending")
    overridden.refresh_from_db()
    pending = DecisionRecord.objects.select_related("pdf").get(pk=overridden.pk)
    assert "being rendered" in render_to_string("decisions/pdf_download.html", {"record": pending})
    RecordPdf.objects.filter(pk=overridden.pdf.pk).update(status="done")


# --- A real worker through Redis ------------------------------------------------------------


def _worker(queue: str, media: Path) -> subprocess.Popen[str]:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "MEDIA_ROOT": str(media)}
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "sourcing", "worker", "--pool=solo", "-Q", queue,
         "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


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
    if settings.CELERY_TASK_ALWAYS_EAGER:
        service_missing("REDIS_URL is not set, so tasks run eagerly")
    if connection.vendor != "postgresql":
        service_missing("the worker test needs PostgreSQL (DATABASE_URL) to share the test data")
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping()
    except redis.RedisError as exc:
        service_missing(f"Redis at {settings.REDIS_URL} does not answer: {exc}")
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
        assert _wait(lambda: _locked(pdf_id), 90), "the worker never started rendering"
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=20)
        assert _wait(lambda: not _locked(pdf_id), 20)
        pdf = RecordPdf.objects.get(pk=pdf_id)
        assert pdf.status == JobStatus.RUNNING and not pdf.path  # nothing stored, nothing lost
        worker = _worker(queue, media)
        _ready(queue)
        assert pdf_sweep(older_than=timedelta(0)) == [pdf_id]  # what the beat does each minute
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
