"""Pages for decision record PDFs and exports: download a PDF, start and follow a bulk export,
and download CSV and OCDS files. Access is declared in sourcing.access.PERMISSIONS.
"""

from __future__ import annotations

import logging

from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe
from django_htmx.http import HttpResponseStopPolling

from decisions.exports import (
    ExportFilterForm,
    export_path,
    export_records,
    export_start,
    ocds_package,
    records_csv,
)
from decisions.models import DecisionRecord, ExportJob, JobStatus, RecordPdf
from decisions.pdf import pdf_filename, pdf_outbox_dispatch_on_commit, pdf_path
from decisions.records import records_visible_to
from sourcing.models import Department

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 5


def pdf_state(record: DecisionRecord) -> RecordPdf:
    """The record's PDF outbox row (written with the record; made here for older records)."""
    try:
        return record.pdf
    except RecordPdf.DoesNotExist:
        pdf, created = RecordPdf.objects.get_or_create(record=record)
        if created:
            pdf_outbox_dispatch_on_commit(record)
        return pdf


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


@require_safe
def record_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """A record's PDF: the file when rendered, else a page saying it is on its way (202)."""
    record = get_object_or_404(
        records_visible_to(request.user).select_related("department"),  # type: ignore[arg-type]
        pk=pk,
    )
    pdf = pdf_state(record)
    if pdf.status == JobStatus.DONE:
        return pdf_file_response(record, pdf)
    response = render(request, "decisions/pdf_pending.html", {"record": record, "pdf": pdf})
    if pdf.status != JobStatus.FAILED or pdf.attempts < _max_attempts():
        response.status_code = 202
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    else:
        response.status_code = 503
    return response


def _max_attempts() -> int:
    from django.conf import settings

    return int(settings.PDF_MAX_ATTEMPTS)


@require_http_methods(["GET", "POST"])
def export_start_view(request: HttpRequest) -> HttpResponse:
    """Choose a filter and start a bulk export; recent exports and failed PDFs are listed."""
    form = ExportFilterForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        job = export_start(by=request.user, filters=form.filters())  # type: ignore[arg-type]
        return redirect("export_detail", pk=job.pk)
    context = {
        "form": form,
        "errors": form.error_links() if form.is_bound else [],
        "departments": Department.objects.order_by("name"),
        "options": ExportFilterForm.base_fields["option"].choices,  # type: ignore[attr-defined]
        "exports": ExportJob.objects.select_related("requested_by")[:10],
        "failed_pdfs": RecordPdf.objects.filter(status=JobStatus.FAILED)
        .select_related("record")
        .order_by("record__seq")[:50],
    }
    return render(request, "decisions/export_start.html", context, status=200)


@require_safe
def export_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An export's progress (the htmx poll gets the fragment and stops when it is finished)."""
    job = get_object_or_404(ExportJob.objects.select_related("requested_by"), pk=pk)
    finished = job.status in (JobStatus.DONE, JobStatus.FAILED)
    context = {
        "job": job,
        "finished": finished,
        "available": export_path(job) is not None,
        "percent": int(100 * job.done / job.total) if job.total else (100 if finished else 0),
    }
    if getattr(request, "htmx", False):
        fragment = render(request, "decisions/export_detail.html#export-progress", context)
        if finished:
            return HttpResponseStopPolling(fragment.content)
        return fragment
    return render(request, "decisions/export_detail.html", context)


@require_safe
def export_download(request: HttpRequest, pk: int) -> HttpResponse:
    """A finished export's zip (404 once it has expired and been deleted)."""
    job = get_object_or_404(ExportJob, pk=pk)
    path = export_path(job)
    if path is None:
        raise Http404("This export is not ready, or has expired.")
    response = FileResponse(
        path.open("rb"),
        content_type="application/zip",
        as_attachment=True,
        filename=f"decision-records-export-{job.pk}.zip",
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
def export_csv(request: HttpRequest) -> HttpResponse:
    """The CSV of decision records (documented columns), filtered like a bulk export."""
    form = ExportFilterForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors}, status=400)
    body = records_csv(export_records(form.filters()))
    response = HttpResponse(body.encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="decision-records.csv"'
    return response


@require_safe
def export_ocds(request: HttpRequest) -> HttpResponse:
    """OCDS 1.1 planning releases (a release package) for the approved decisions."""
    form = ExportFilterForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors}, status=400)
    uri = request.build_absolute_uri(reverse("export_ocds"))
    package = ocds_package(export_records(form.filters()), uri)
    response = JsonResponse(package, json_dumps_params={"ensure_ascii": False, "indent": 1})
    response["Content-Disposition"] = 'attachment; filename="decision-records-ocds.json"'
    return response
