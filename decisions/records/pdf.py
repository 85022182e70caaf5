"""Decision record PDFs: print template, locked-down URL fetcher, the outbox task and its sweep.

A record's PDF is rendered once, by a Celery task fed from the RecordPdf outbox row written with
the record, stored under MEDIA_ROOT with its sha256 on the audit chain, and served as stored.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import mimetypes
import os
import posixpath
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeGuard
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from decisions.audit.services import audit_append
from decisions.presenter import moment_text, record_view
from decisions.record_schema import record_content
from decisions.records.models import DecisionRecord, RecordPdf, RecordPdfHash
from sourcing.errors import TransitionRefused
from sourcing.jobs import JobStatus
from sourcing.models import Role, User
from sourcing.tasks import dispatch, queued_tasks

log = logging.getLogger(__name__)
# WeasyPrint logs every layout step at INFO: one line per page is noise in the worker's log.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

# The only origin the print template may load from: a reserved name that never resolves; its
# /static/ paths are read from disk through the staticfiles finders.
PDF_ORIGIN = "https://sourcing.invalid"
PDF_VARIANT = "pdf/ua-1"
RENDER_TASK = "decisions.render_record_pdf"  # decisions.integrity.tasks.render_record_pdf


# Text without a space longer than this gets a break opportunity (a zero-width space) every this
# many characters: WeasyPrint's `overflow-wrap: anywhere` is quadratic in a word's length (a
# 10,000-character word: about 19 s), with break opportunities the render time stays that of
# ordinary text, and nothing overflows a column or is cut off. pdftotext reads the text back
# without them.
BREAK_EVERY = 40
_LONG_RUN = re.compile(rf"\S{{{BREAK_EVERY + 1},}}")
ZERO_WIDTH_SPACE = "\u200b"


def breakable(value: Any) -> Any:
    """`value` with a break opportunity every BREAK_EVERY characters of every run of text
    without a space, in every string of it (dicts, lists and tuples walked); anything else as
    it is. The one place the print template's text is made safe to lay out."""
    if isinstance(value, str):
        return _LONG_RUN.sub(
            lambda run: ZERO_WIDTH_SPACE.join(
                run[0][i : i + BREAK_EVERY] for i in range(0, len(run[0]), BREAK_EVERY)
            ),
            value,
        )
    if isinstance(value, dict):
        return {key: breakable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(breakable(item) for item in value)
    return value


class RefusedFetch(ValueError):
    """The print template asked for something other than our static files or a data: URL."""


@functools.cache
def _safe_url_fetcher_class() -> type:
    """SafeUrlFetcher, defined on first use: WeasyPrint (about 45 MB with its fonts and PDF
    modules) is imported only by a process that renders, not by every web process and
    command (docs/decisions/0024)."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse  # noqa: PLC0415 (ADR 0024)

    # WeasyPrint ships no types, so its URLFetcher is Any to mypy.
    class SafeUrlFetcher(URLFetcher):  # type: ignore[misc]
        """Only our own static files (read from disk) and data: URLs: no network, no file://."""

        def __init__(self) -> None:
            super().__init__(
                timeout=1, allowed_protocols=("data",), allow_redirects=False, fail_on_errors=False
            )
            self.refused: list[str] = []

        def fetch(self, url: str, headers: dict[str, str] | None = None) -> Any:
            """Serve data: URLs and /static/ files of our origin; refuse everything else."""
            if url[:5].lower() == "data:":
                return super().fetch(url, headers)  # only urllib's DataHandler can answer
            path = static_path_for(url)
            if path is None:
                self.refused.append(url[:200])
                log.warning("pdf fetch refused", extra={"url": url[:200]})
                raise RefusedFetch(f"Refused to fetch {url[:200]!r}")
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})

    return SafeUrlFetcher


def safe_url_fetcher() -> Any:
    """A new URL fetcher that allows only our static files and data: URLs (records refusals
    in its `refused` list): a WeasyPrint URLFetcher."""
    return _safe_url_fetcher_class()()


def static_path_for(url: str) -> Path | None:
    """The file on disk behind one of our static URLs, or None for anything else."""
    parts = urlsplit(url)
    origin = urlsplit(PDF_ORIGIN)
    if parts.scheme != origin.scheme or parts.netloc != origin.netloc:
        return None
    if not parts.path.startswith(settings.STATIC_URL):
        return None
    relative = unquote(parts.path[len(settings.STATIC_URL) :])
    normal = posixpath.normpath(relative)
    if not relative or "\x00" in relative or normal.startswith(("..", "/")) or normal == ".":
        return None
    found = finders.find(normal)
    if not found or isinstance(found, list):
        return None
    return Path(found)


# Makes a record's proof for its PDF: (the proof as printed, the files the PDF carries).
# decisions.integrity.proofs gives it (the records package never imports integrity).
Prover = Callable[[DecisionRecord], tuple[Mapping[str, Any], Sequence[Any]]]


def pdf_context(record: DecisionRecord, proof: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Everything the print template shows, from the record's frozen content in the same words
    as the record page (decisions.presenter.record_view); its text made breakable (long words
    and URLs wrap, whatever anyone typed); and the signed head covering the record with its
    inclusion proof (`proof`) when given (hashes as they are)."""
    shown = {
        **record_view(
            record_content(record.content),
            action=record.action,
            decided_option=record.decided_option,
            overridden=record.overridden,
        ),
        "printed_at": moment_text(timezone.now()),
    }
    return {
        **breakable(shown),
        "proof": proof,  # hashes and signatures as they are (the template lets them wrap)
        "record": record,
        # The document's title (its metadata) as written.
        "title": f"Decision record {record.reference}: {shown['title']}",
    }


def pdf_html(record: DecisionRecord, proof: Mapping[str, Any] | None = None) -> str:
    """The print template rendered for one record (Django autoescapes every user's text)."""
    return render_to_string("decisions/pdf_record.html", pdf_context(record, proof))


def html_to_pdf(html: str, *, fetcher: Any = None, attachments: Sequence[Any] = ()) -> bytes:
    """Render HTML to tagged PDF/UA-1 with the safe fetcher; nothing the markup asks to attach
    is attached, only our own `attachments` (WeasyPrint Attachments, e.g. the record proof)."""
    from weasyprint import HTML  # noqa: PLC0415 (on first use: ADR 0024)

    options: dict[str, Any] = {"pdf_variant": PDF_VARIANT, "pdf_tags": True}
    document = HTML(
        string=html, base_url=PDF_ORIGIN + "/", url_fetcher=fetcher or safe_url_fetcher()
    ).render(**options)
    # Belt and braces: even if markup slipped through, nothing is embedded in the file.
    document.metadata.attachments = []
    for page in document.pages:
        page.links = [link for link in page.links if link[0] != "attachment"]
    return bytes(document.write_pdf(attachments=list(attachments), **options))


def record_pdf_bytes(record: DecisionRecord, prove: Prover | None = None) -> bytes:
    """The PDF of one decision record; with `prove`, it prints the signed head covering the
    record and carries the record proof (decisions.integrity.proofs.record_pdf_proof)."""
    if prove is None:
        return html_to_pdf(pdf_html(record))
    proof, attachments = prove(record)
    return html_to_pdf(pdf_html(record, proof), attachments=attachments)


def pdf_relative_path(record: DecisionRecord) -> str:
    """Where a record's PDF lives, relative to MEDIA_ROOT."""
    return f"records/{record.reference}-{record.record_sha256[:12]}.pdf"


def pdf_filename(record: DecisionRecord) -> str:
    """The download's file name, made by the server."""
    return f"{record.reference}-decision.pdf"


def _write_atomically(path: Path, data: bytes) -> None:
    """Write the file whole or not at all (a partial file is removed); OSError when the disk
    refuses (full, read-only, no permission)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        with partial.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        partial.replace(path)
    except OSError:
        with suppress(OSError):
            partial.unlink(missing_ok=True)
        raise


# A worker claims a row (committing the attempt), then makes the record's proof and takes the
# row's lock to render it, a moment later. A row `running` but not locked was lost with its
# worker (killed, out of memory, past the hard time limit) once its claim is older than this:
# claimed again, never before.
# Should a live worker be slower than that to take its lock, it finds the row claimed again and
# leaves it (nothing is rendered twice; one attempt is spent).
CLAIM_GRACE = timedelta(seconds=10)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _claim_lost(pdf: RecordPdf) -> bool:
    """Whether a `running` row we could lock (no render holds it) was lost with its worker: its
    claim is older than CLAIM_GRACE (a row `running` past the hard time limit always is)."""
    return (pdf.claimed_at or _EPOCH) < timezone.now() - CLAIM_GRACE


def _pdf_fail(pdf: RecordPdf, error: str) -> None:
    """Record a failed try; at the attempt cap, also chain `pdf.failed` (reviewers, auditors
    and verification see it; an administrator may try again). Call in the row's transaction."""
    pdf.status = JobStatus.FAILED
    pdf.last_error = error[:2000]
    pdf.save(update_fields=["status", "last_error"])
    if pdf.attempts >= settings.PDF_MAX_ATTEMPTS:
        log.error("pdf failed for good", extra={"record": pdf.record_id, "error": error[:200]})
        audit_append(
            action="pdf.failed",
            object_type="decision_record",
            object_id=pdf.record_id,
            payload={
                "reference": pdf.record.reference,
                "attempts": pdf.attempts,
                "last_error": pdf.last_error,
            },
        )


def _pdf_claim(pdf_id: int) -> tuple[RecordPdf | None, bool]:
    """Claim a row to render it: (row, True) with one attempt counted and committed, or
    (row or None, False) when there is nothing to render now: done, failed for good, or
    claimed by a live worker (locked by its render, or claimed within CLAIM_GRACE), left as it
    is. A row lost with its worker at the last attempt is failed for good here."""
    with transaction.atomic():
        pdf = (
            RecordPdf.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("record")
            .filter(pk=pdf_id)
            .first()
        )
        if pdf is None or pdf.status == JobStatus.DONE:
            return pdf, False  # None: a worker holds the row (it is rendering it right now)
        if pdf.status == JobStatus.RUNNING and not _claim_lost(pdf):
            return None, False  # claimed moments ago: its worker is about to render it
        if pdf.attempts >= settings.PDF_MAX_ATTEMPTS:
            if pdf.status != JobStatus.FAILED:  # lost with its worker at the last attempt
                _pdf_fail(
                    pdf,
                    f"The worker stopped while rendering (killed, or over the "
                    f"{settings.PDF_RENDER_TIME_LIMIT} s time limit), {pdf.attempts} times.",
                )
            return pdf, False
        pdf.attempts += 1
        pdf.status = JobStatus.RUNNING
        pdf.claimed_at = timezone.now()
        pdf.save(update_fields=["attempts", "status", "claimed_at"])
        return pdf, True


def pdf_render(*, pdf_id: int, prove: Prover) -> RecordPdf | None:
    """Render and store one record's PDF, once: a repeated or concurrent call changes nothing.

    `prove` gives the signed head and inclusion proof the PDF prints and carries
    (decisions.integrity.proofs.record_pdf_render passes it); a record that cannot be proven
    (the stored records no longer match a signed head) fails like any other render error.

    A worker first claims the row (marks it running and counts the attempt, committed, so a
    record that kills its worker still runs out of attempts); a row it cannot claim (another
    worker renders it) is left untouched for that worker, and the call returns None. It then
    makes the record's proof in transactions of its own (signing a head covering the record
    when none does yet takes the audit chain's append lock: held only while the head is
    signed, never through the render, or every approval would wait for the render), and
    renders holding the row's lock only (OF self), so a redelivered task skips it.
    A failure is recorded with its error (the render's, the proof's, or the disk's when the
    file cannot be written: an OSError named in `last_error`); the last allowed attempt's
    failure also appends `pdf.failed` to the audit chain. Returns the row, or None when
    another worker holds it.
    """
    claimed, ours = _pdf_claim(pdf_id)
    if not ours:
        return claimed
    assert claimed is not None
    proven: tuple[Mapping[str, Any], Sequence[Any]] | None = None
    proof_error = ""
    try:
        proven = prove(claimed.record)
    except Exception as exc:  # recorded below, under the row's lock
        log.exception("pdf proof failed", extra={"record": claimed.record.reference})
        proof_error = f"{type(exc).__name__}: {exc}"
    with transaction.atomic():
        pdf = (
            # of=self: lock the outbox row only; the application's role may not lock (UPDATE)
            # the append-only record it joins, and other departments' work must not wait.
            RecordPdf.objects.select_for_update(of=("self",))
            .select_related("record__department")
            .get(pk=pdf_id)
        )
        if (pdf.status, pdf.attempts) != (JobStatus.RUNNING, claimed.attempts):
            return pdf  # claimed again as lost (past the hard time limit): not ours any more
        record = pdf.record
        if RecordPdfHash.objects.filter(record=record).exists():
            # Rendered once already (the append-only hash row says so): never render again
            # over the stored file; the outbox row is put right and verification reports it.
            log.warning("pdf already rendered", extra={"record": record.reference})
            pdf.status = JobStatus.DONE
            pdf.save(update_fields=["status"])
            return pdf
        if proven is None:
            _pdf_fail(pdf, proof_error)
            return pdf
        proof = proven
        try:
            data = record_pdf_bytes(record, lambda _record: proof)
        except Exception as exc:  # a bad record must be recorded, never silently missing
            log.exception("pdf render failed", extra={"record": record.reference})
            _pdf_fail(pdf, f"{type(exc).__name__}: {exc}")
            return pdf
        relative = pdf_relative_path(record)
        try:
            _write_atomically(Path(settings.MEDIA_ROOT) / relative, data)
        except OSError as exc:  # a full or read-only disk: its own error, not a lost worker
            log.exception("pdf not stored", extra={"record": record.reference})
            _pdf_fail(pdf, f"The PDF could not be stored: {type(exc).__name__}: {exc}")
            return pdf
        pdf.path = relative
        pdf.sha256 = hashlib.sha256(data).hexdigest()
        pdf.size = len(data)
        pdf.status = JobStatus.DONE
        pdf.rendered_at = timezone.now()
        pdf.last_error = ""
        pdf.save(update_fields=["path", "sha256", "size", "status", "rendered_at", "last_error"])
        RecordPdfHash.objects.create(
            record=record,
            path=relative,
            sha256=pdf.sha256,
            size=len(data),
            rendered_at=pdf.rendered_at,
        )
        audit_append(
            action="pdf.rendered",
            object_type="decision_record",
            object_id=record.pk,
            payload={
                "reference": record.reference,
                "record_sha256": record.record_sha256,
                "pdf_sha256": pdf.sha256,
                "size": pdf.size,
                "path": relative,
            },
        )
        return pdf


# Set by pdf_dispatch_deferred(): new PDFs wait in the outbox instead of being queued.
_deferred: ContextVar[bool] = ContextVar("pdf_dispatch_deferred", default=False)


@contextmanager
def pdf_dispatch_deferred() -> Iterator[None]:
    """Within the block, new records' PDFs wait in the outbox (not queued, so with eager tasks
    not rendered there and then); `pdf_sweep(older_than=timedelta(0))` queues them later. The
    quick start loads the demo data this way and renders its PDFs once it is serving."""
    token = _deferred.set(True)
    try:
        yield
    finally:
        _deferred.reset(token)


def pdf_dispatch_is_deferred() -> bool:
    """Whether new records' PDFs wait in the outbox now (inside pdf_dispatch_deferred())."""
    return _deferred.get()


def pdf_dispatch(pdf_id: int) -> bool:
    """Queue the render task once, with a short broker timeout and no retry (a request never
    waits on the broker); a failure is logged, never raised: the outbox sweep queues it again.
    Returns whether the broker took it. Whether to queue at all is the caller's choice
    (pdf_outbox_add reads pdf_dispatch_deferred() once, when it writes the row)."""
    try:
        dispatch(RENDER_TASK, pdf_id)
    except Exception:
        log.warning("pdf dispatch failed; the outbox sweep will retry", exc_info=True)
        return False
    return True


def pdf_outbox_add(record: DecisionRecord) -> RecordPdf:
    """Write a new record's PDF outbox row (call in the record's transaction) and dispatch it
    once the transaction commits (eager: rendered right then). A broker outage delays the PDF,
    never loses it: the sweep dispatches rows left waiting. The row is written as dispatched
    now, so nothing is written after the commit (a worker may already hold the row).

    Inside pdf_dispatch_deferred() the row is written as not dispatched and nothing is queued,
    for the sweep: the flag is read once, here, so the row and what happens at the commit
    always agree (a commit outside the block does not queue a row written inside it).
    """
    deferred = _deferred.get()
    pdf = RecordPdf.objects.create(
        record=record, dispatched_at=None if deferred else timezone.now()
    )
    if not deferred:
        pdf_id = pdf.pk
        transaction.on_commit(lambda: pdf_dispatch(pdf_id))
    return pdf


def pdf_row(record: DecisionRecord) -> RecordPdf:
    """The record's PDF outbox row for an export being built (a worker's task, never a page):
    written now, not dispatched, for a record that has none (the export renders it)."""
    try:
        return record.pdf
    except RecordPdf.DoesNotExist:
        return RecordPdf.objects.get_or_create(record=record)[0]


def pdf_state(record: DecisionRecord) -> RecordPdf | None:
    """The record's PDF outbox row, read only (pages and the API call it on GET): None for a
    record without one, which is shown as being rendered; the sweep writes and queues it
    (pdf_sweep), never a view."""
    try:
        return record.pdf
    except RecordPdf.DoesNotExist:
        return None


def pdf_failed_for_good(pdf: RecordPdf | None) -> TypeGuard[RecordPdf]:
    """Whether rendering gave up (the attempt cap reached): shown as "PDF failed", reported by
    verification, and an administrator may try again."""
    return (
        pdf is not None
        and pdf.status == JobStatus.FAILED
        and pdf.attempts >= settings.PDF_MAX_ATTEMPTS
    )


def pdf_retry(*, record: DecisionRecord, by: User) -> RecordPdf:
    """An administrator tries a failed PDF again: the row goes back to pending with a fresh set
    of PDF_MAX_ATTEMPTS attempts, `pdf.retried` is chained (by whom, the attempts and error
    given up on), and the render is queued once the transaction commits.

    Raises TransitionRefused for anyone but an administrator, or when the PDF has not failed
    for good (it is rendered, or still being tried).
    """
    if by.role != Role.ADMIN:
        raise TransitionRefused("Only an administrator can try a failed PDF again.")
    with transaction.atomic():
        pdf = RecordPdf.objects.select_for_update().filter(record=record).first()
        if not pdf_failed_for_good(pdf):
            raise TransitionRefused(
                "The PDF of this record has not failed: it is rendered or still being tried."
            )
        assert pdf is not None
        audit_append(
            action="pdf.retried",
            actor=by,
            object_type="decision_record",
            object_id=record.pk,
            payload={
                "reference": record.reference,
                "attempts": pdf.attempts,
                "last_error": pdf.last_error,
            },
        )
        pdf.status = JobStatus.PENDING
        pdf.attempts = 0
        pdf.last_error = ""
        pdf.claimed_at = None
        pdf.dispatched_at = timezone.now()
        pdf.save(update_fields=["status", "attempts", "last_error", "claimed_at", "dispatched_at"])
        pdf_id = pdf.pk
        transaction.on_commit(lambda: pdf_dispatch(pdf_id))
    return pdf


def pdf_sweep(*, older_than: timedelta | None = None) -> list[int]:
    """Dispatch again the outbox rows left behind, and return their ids: rows pending, or failed
    under the attempt cap, whose last dispatch is `older_than` ago (PDF_SWEEP_AFTER_SECONDS,
    below the beat's period, so every sweep finds what the last one queued and was lost), and
    rows `running` that were lost with their worker: not locked by a render and claimed more
    than CLAIM_GRACE ago (any row `running` longer than the hard time limit is one), and the
    rows of records that have none (every record gets one in its own transaction; an older
    record without one gets it here, never from a page viewed). While tasks still wait in the
    broker's queue, only the lost and new rows are queued (the others' tasks are, in all
    likelihood, among those waiting).

    Stops at the first dispatch the broker refuses (it is down: the next sweep goes on).
    """
    wait = (
        older_than
        if older_than is not None
        else timedelta(seconds=settings.PDF_SWEEP_AFTER_SECONDS)
    )
    now = timezone.now()
    cutoff = now - wait
    due = Q(dispatched_at__lt=cutoff) | Q(dispatched_at__isnull=True, created_at__lt=cutoff)
    waiting = Q(status=JobStatus.PENDING) | Q(
        status=JobStatus.FAILED, attempts__lt=settings.PDF_MAX_ATTEMPTS
    )
    # Not locked (skip_locked below), so no worker is rendering it.
    lost = Q(status=JobStatus.RUNNING) & (
        Q(claimed_at__lt=now - CLAIM_GRACE) | Q(claimed_at__isnull=True)
    )
    if queued_tasks():
        # Tasks still wait in the broker's queue: the rows waiting were queued and are still
        # there, in all likelihood; queue them again once the queue is drained (a task lost
        # meanwhile waits that long), never pile copies behind a backlog. Rows lost with their
        # worker were taken off the queue already: queue those now.
        waiting = Q(pk__in=[])
    with transaction.atomic():
        # A row a worker is rendering is locked: skip it rather than queue a duplicate. The rows
        # are marked dispatched while locked (a worker may take them the moment they are sent).
        ids = list(
            RecordPdf.objects.select_for_update(skip_locked=True)
            .filter((waiting | lost) & due)
            .order_by("pk")
            .values_list("pk", flat=True)[:500]
        )
        RecordPdf.objects.filter(pk__in=ids).update(dispatched_at=now)
        # Records without a row (older than the outbox): written and queued now.
        without = DecisionRecord.objects.filter(pdf__isnull=True).order_by("seq").only("pk")
        for record in without[:500]:
            pdf, made = RecordPdf.objects.get_or_create(
                record=record, defaults={"dispatched_at": now}
            )
            if made:  # else written meanwhile by another sweep, which queues it
                ids.append(pdf.pk)
    for number, pdf_id in enumerate(ids):
        if not pdf_dispatch(pdf_id):
            return ids[:number]
    return ids


def pdf_path(pdf: RecordPdf) -> Path:
    """The stored file of a rendered PDF."""
    return Path(settings.MEDIA_ROOT) / pdf.path
