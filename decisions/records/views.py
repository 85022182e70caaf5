"""Pages of decision records: the list (searchable), a record in full, its PDF download and
the public register (the audit chain's page is decisions.integrity's). Access is declared in
sourcing.access.PERMISSIONS; a record a department user may not see is a 404.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any, Final
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from decisions import presenter
from decisions.audit.models import AuditEvent
from decisions.cases.selectors import cases_visible
from decisions.presenter import decision_text, option_label, similar_cases_text
from decisions.records import selectors
from decisions.records.consistency import case_check, summary
from decisions.records.content import register_entry
from decisions.records.draft import case_draft_pdf_bytes, draft_filename
from decisions.records.forms import OutcomeForm, RecordSearchForm, RegisterSearchForm
from decisions.records.fragments import record_parts
from decisions.records.models import DecisionRecord, RecordPdf
from decisions.records.outcome_pdf import outcomes_filename, outcomes_pdf_bytes
from decisions.records.outcomes import outcome_record, outcomes_of
from decisions.records.pdf import (
    pdf_failed_for_good,
    pdf_filename,
    pdf_path,
    pdf_retry,
    pdf_state,
)
from sourcing.access import get_scoped_or_404, or_404, signed_in_user
from sourcing.cache_errors import cache_call
from sourcing.errors import TransitionRefused
from sourcing.forms import error_links, form_service
from sourcing.jobs import JobStatus
from sourcing.kept_html import kept_render
from sourcing.limits import rate_limited
from sourcing.models import Role
from sourcing.pagination import paginate
from sourcing.spreadsheet import safe_cell

log = logging.getLogger(__name__)
PAGE_SIZE = 25
RETRY_AFTER_SECONDS = 5
# A record's PDF with its outcome reviews stays in the cache a week after its last download.
OUTCOMES_PDF_SECONDS = 7 * 24 * 3600
# Error summary anchors: dates link to their day input.


def _pdf_of(record: DecisionRecord) -> RecordPdf | None:
    """The record's PDF outbox row as loaded with it (None for an older record without one)."""
    try:
        return record.pdf
    except RecordPdf.DoesNotExist:
        return None


@require_safe
def record_list(request: HttpRequest) -> HttpResponse:
    """Decision records (a department user: their own department's), searchable and paginated."""
    user = signed_in_user(request)
    form = RecordSearchForm(request.GET or None, departments=user.role != Role.COMMERCIAL)
    records = selectors.records_for_list(user)
    params: dict[str, str] = {}
    errors: list[tuple[str, str]] = []
    if form.is_bound and not form.is_valid():
        errors = error_links(form)
        records = records.none()
    elif form.is_bound:
        data = form.cleaned_data
        zone = timezone.get_current_timezone()
        if data["q"].strip():
            records = selectors.records_matching(records, data["q"])
        if data["reference"].strip():
            records = records.filter(reference__icontains=data["reference"].strip())
        if data.get("department"):
            records = records.filter(department__code=data["department"])
        if data["option"]:
            records = records.filter(decided_option=data["option"])
        if data["overridden"]:
            records = records.filter(overridden=data["overridden"] == "yes")
        start, end = form.dates.get("from"), form.dates.get("to")
        if start:
            records = records.filter(decided_at__gte=datetime.combine(start, time.min, zone))
        if end and end < date.max:  # nothing is after the last day there is
            after = datetime.combine(end + timedelta(days=1), time.min, zone)
            records = records.filter(decided_at__lt=after)
        params = {k: str(v) for k, v in request.GET.items() if k != "page" and k in form.fields}
        params = {k: v for k, v in params.items() if v.strip()}
    paged = paginate(request, records, params, PAGE_SIZE, counted=True)
    rows = [
        {
            "record": record,
            "title": record.title or "",
            "decision": decision_text(record.action, record.decided_option),
            "pdf_failed": pdf_failed_for_good(_pdf_of(record)),
        }
        for record in paged["page"].object_list
    ]
    context = {
        **paged,
        "form": form,
        "rows": rows,
        "rows_html": _record_rows_html(rows) if rows else "",
        "errors": errors,
        "filtered": bool(params) or bool(errors),
        # A department user sees their own department's records only (visible_to).
        "scope": user.department.name if user.role == Role.COMMERCIAL and user.department else "",
        "from_date": form.date_input("from"),
        "to_date": form.date_input("to"),
    }
    return render(request, "decisions/record_list.html", context)


RECORD_ROWS_TEMPLATE: Final = "decisions/record_list_rows.html"


def _record_rows_html(rows: list[dict[str, Any]]) -> SafeString:
    """The record list's table rows (decisions/record_list_rows.html), kept
    (sourcing.kept_html.kept_render) under a hash of every value they show: each record's id,
    reference, sequence number, title, department's name, decision (action and option),
    whether overridden, whether its PDF failed for good, when decided and its review-by date;
    the service's time zone (dates are shown in it), the address the links are made on and
    the code that words them (the template; the presenter, whose date_text the date filters
    call)."""
    values = [
        (
            row["record"].pk,
            row["record"].reference,
            row["record"].seq,
            row["title"],
            row["record"].department.name,
            row["record"].action,
            row["record"].decided_option,
            row["record"].overridden,
            row["pdf_failed"],
            row["record"].decided_at,
            row["record"].review_by,
        )
        for row in rows
    ]
    link = reverse("record_detail", args=[0])
    return kept_render(
        "record-list-rows",
        RECORD_ROWS_TEMPLATE,
        (values, settings.TIME_ZONE, link),
        {"rows": rows},
        modules=(presenter,),  # the date filters' words are the presenter's date_text
    )


def _record_context(record: DecisionRecord) -> dict[str, Any]:
    """What a record's page shows of its frozen content, ready to read (the `HEAD` of
    decisions.presenter.record_view, the same words as its PDF, and its content part's HTML,
    both kept: decisions.records.fragments), with its PDF's state and what supersedes it."""
    try:
        superseded_by: DecisionRecord | None = record.superseded_by
    except DecisionRecord.DoesNotExist:
        superseded_by = None
    pdf = _pdf_of(record)
    body, head = record_parts(record)
    return {
        **head,
        "record_body": body,
        "record": record,
        "pdf": pdf,
        "pdf_failed": pdf_failed_for_good(pdf),
        "superseded_by": superseded_by,
    }


@require_safe
def record_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A decision record: every section of its content, its hashes and its links."""
    # Without its content: what the page shows of it is kept (decisions.records.fragments).
    record = or_404(selectors.record_for_detail(signed_in_user(request), pk))
    similar = case_check(record.case).similar
    # Anyone who reads the record learns how many earlier decisions are like it and their
    # options; which cases and departments they are is for the Centre of Excellence (the review
    # page and the consistency report).
    counts = summary(similar)
    consistency = {"text": similar_cases_text(counts["options"]), "flagged": counts["flagged"]}
    context = {
        **_record_context(record),
        "consistency": consistency,
        "outcomes": [
            {**event.payload, "at": event.occurred_at, "by": event.actor, "sha256": event.sha256}
            for event in outcomes_of(record)
        ],
    }
    return render(request, "decisions/record_detail.html", context)


# The register's open data: columns of the CSV, in order (publishable fields only).
REGISTER_COLUMNS = (
    "reference",
    "department",
    "title",
    "decision",
    "decided_option",
    "decided_at",
    "overridden",
    "under_review",
    "reasons_summary",
)
DOWNLOAD_CHUNK = 500


def _register_search(request: HttpRequest) -> tuple[RegisterSearchForm, str]:
    form = RegisterSearchForm(request.GET or None)
    text = form.cleaned_data["q"] if form.is_bound and form.is_valid() else ""
    return form, text


@require_safe
def register(request: HttpRequest) -> HttpResponse:
    """The public transparency register: approved current decisions, publishable fields only,
    searchable by title, reference or department, and downloadable (CSV, JSON)."""
    form, text = _register_search(request)
    params = {"q": text} if text.strip() else {}
    paged = paginate(request, selectors.register_matching(text), params, PAGE_SIZE)
    entries = []
    for record in paged["page"].object_list:
        entry = register_entry(record)
        entry["decided_on"] = datetime.fromisoformat(entry["decided_at"])
        entry["option_label"] = option_label(entry["decided_option"])
        entries.append(entry)
    context = {
        **paged,
        "entries": entries,
        "form": form,
        "errors": error_links(form),
        "query": params.get("q", ""),
        "download_query": ("?" + urlencode(params)) if params else "",
    }
    return render(request, "decisions/register.html", context)


def _register_rows(text: str) -> Iterator[dict[str, Any]]:
    """The register's entries matching `text`, streamed in chunks (memory stays flat)."""
    for record in selectors.register_matching(text).iterator(chunk_size=DOWNLOAD_CHUNK):
        yield register_entry(record)


@require_safe
def register_csv(request: HttpRequest) -> StreamingHttpResponse:
    """The register as CSV (UTF-8, a header row of REGISTER_COLUMNS; reasons joined with "; "),
    every cell safe from spreadsheet formulas; `q` as on the page."""
    _, text = _register_search(request)

    def lines() -> Iterator[str]:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(REGISTER_COLUMNS)
        for entry in _register_rows(text):
            entry["reasons_summary"] = "; ".join(entry["reasons_summary"] or [])
            writer.writerow([safe_cell(entry[column]) for column in REGISTER_COLUMNS])
            yield out.getvalue()
            out.seek(0)
            out.truncate()
        yield out.getvalue()

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="sourcing-decisions-register.csv"'
    return response


@require_safe
def register_json(request: HttpRequest) -> StreamingHttpResponse:
    """The register as JSON: `{"items": [entries as GET /api/v1/register gives them]}`; `q` as
    on the page. Streamed, so it is never held whole in memory."""
    _, text = _register_search(request)

    def chunks() -> Iterator[str]:
        yield '{"items": ['
        for index, entry in enumerate(_register_rows(text)):
            yield ("," if index else "") + json.dumps(entry, ensure_ascii=False)
        yield "]}"

    response = StreamingHttpResponse(chunks(), content_type="application/json")
    response["Content-Disposition"] = 'attachment; filename="sourcing-decisions-register.json"'
    return response


def pdf_file_response(record: DecisionRecord, pdf: RecordPdf) -> FileResponse:
    """The stored PDF, exactly as rendered, with a server-made file name."""
    path = pdf_path(pdf)
    if not path.is_file():
        log.error("stored pdf missing", extra={"record": record.reference, "path": pdf.path})
        raise Http404("The stored PDF is missing.")
    response = FileResponse(
        path.open("rb"),
        content_type="application/pdf",
        as_attachment=True,
        filename=pdf_filename(record),
    )
    response["ETag"] = f'"{pdf.sha256}"'
    response["Cache-Control"] = "private, no-store"
    return response


def outcomes_pdf_response(
    record: DecisionRecord, pdf: RecordPdf, outcomes: list[AuditEvent]
) -> HttpResponse:
    """The record as issued and its outcome reviews (decisions.records.outcome_pdf), carrying
    the stored PDF byte for byte; nothing stored in the database or chained. Rendered on the
    first download after each outcome review (about 2.5 s of CPU) and kept in the cache under
    what it is made of (the record's hash, the issued PDF's hash, the reviews' event numbers
    and hashes), so an auditor's second download is the cache's bytes, and a new review, a
    re-rendered issued PDF or anything else it shows makes a new key."""
    path = pdf_path(pdf)
    if not path.is_file():
        log.error("stored pdf missing", extra={"record": record.reference, "path": pdf.path})
        raise Http404("The stored PDF is missing.")
    issued_sha256 = selectors.issued_pdf_sha256(record)
    events = ",".join(f"{event.seq}-{event.sha256}" for event in outcomes)
    key = (
        "outcomes-pdf:"
        + hashlib.sha256(
            f"{record.pk}:{record.record_sha256}:{issued_sha256}:{events}".encode()
        ).hexdigest()
    )
    data = cache_call(lambda: cache.get(key), None, what="outcome PDF get")
    if data is None:
        data = outcomes_pdf_bytes(
            record, outcomes, issued=path.read_bytes(), issued_sha256=issued_sha256
        )
        cache_call(lambda: cache.set(key, data, OUTCOMES_PDF_SECONDS), None, what="outcome PDF set")
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{outcomes_filename(record)}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
@rate_limited("pdf", methods=("GET", "HEAD"))
def record_pdf(request: HttpRequest, pk: int) -> HttpResponseBase:
    """A record's PDF: the file when rendered (with outcome reviews, the record as issued then
    the reviews, rendered on request around the stored file; `?as=issued`: the stored file
    alone), else a page saying it is on its way (202; also
    for an older record without an outbox row, which the sweep writes), or that it failed for
    good (503). Read only: it never writes a row nor queues a render."""
    record = or_404(selectors.record_for_pdf(request.user, pk))
    pdf = pdf_state(record)  # read only: a GET writes and queues nothing
    if pdf is not None and pdf.status == JobStatus.DONE:
        outcomes = outcomes_of(record)
        if outcomes and request.GET.get("as") != "issued":
            return outcomes_pdf_response(record, pdf, outcomes)
        return pdf_file_response(record, pdf)
    failed = pdf_failed_for_good(pdf)
    response = render(
        request, "decisions/pdf_pending.html", {"record": record, "pdf": pdf, "failed": failed}
    )
    if failed:
        response.status_code = 503
    else:
        response.status_code = 202
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


@require_safe
@rate_limited("pdf", methods=("GET", "HEAD"))
def case_draft_pdf(request: HttpRequest, reference: str) -> HttpResponse:
    """The department's PDF of its case as it stands ("Draft, not a decision" on every page),
    rendered on request; another department's case is a 404. Reads only."""
    case = get_scoped_or_404(
        cases_visible(signed_in_user(request)).select_related("department"),
        signed_in_user(request),
        reference=reference,
    )
    response = HttpResponse(case_draft_pdf_bytes(case), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{draft_filename(case)}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
def record_pdf_retry(request: HttpRequest, pk: int) -> HttpResponse:
    """An administrator tries a failed PDF again (audited), then sees the record's page."""
    record = or_404(selectors.record_by_pk(pk))
    try:
        pdf_retry(record=record, by=signed_in_user(request))
    except TransitionRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"The PDF of {record.reference} is being rendered again.")
    return redirect("record_detail", pk=record.pk)


OUTCOME_ANCHORS = {
    "delivered": "#delivered",
    "on_time": "#on_time",
    "months_late": "#months_late",
    "actual_cost_gbp": "#actual_cost_gbp",
    "benefits_realised": "#benefits_realised",
    "lock_in": "#lock_in",
    "same_again": "#same_again",
    "comment": "#comment",
}


@require_http_methods(["GET", "POST"])
def record_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    """The department records an outcome review of its current approved decision (appended
    to the audit chain); errors re-rendered against their fields; a refusal says why (409)."""
    # Only the columns it shows and records (a department user: their own department's, else 404).
    record = or_404(selectors.record_for_outcome(signed_in_user(request), pk))
    form = OutcomeForm(request.POST if request.method == "POST" else None, auto_id="%s")
    refused: list[str] = []
    by = signed_in_user(request)
    try:
        recorded = form_service(
            form,
            lambda: outcome_record(record=record, by=by, data=form.data_for_service()),
            refused=refused.append,
        )
    except PermissionError as denied:  # not the record's department: as if it did not exist
        raise Http404 from denied
    if recorded is not None:
        messages.success(request, f"The outcome of {record.reference} is recorded")
        return redirect(reverse("record_detail", args=[record.pk]) + "#outcomes")
    errors = error_links(form, OUTCOME_ANCHORS) if form.is_bound else []
    errors += [(message, "#outcome") for message in refused]
    context = {"record": record, "form": form, "errors": errors}
    return render(request, "decisions/record_outcome.html", context, status=409 if refused else 200)
