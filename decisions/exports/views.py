"""Pages of exports: start and follow a bulk export, download it, and download the CSV and OCDS
files. Access is declared in sourcing.access.PERMISSIONS.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe
from django_htmx.http import HttpResponseStopPolling

from decisions.exports import selectors
from decisions.exports.formats import ocds_package, records_csv
from decisions.exports.forms import OPTION_FILTER_CHOICES, ExportFilterForm
from decisions.exports.services import export_path, export_start
from decisions.records.models import DecisionRecord
from sourcing.access import or_404, signed_in_user
from sourcing.forms import error_links
from sourcing.jobs import JobStatus
from sourcing.limits import rate_limited


@require_http_methods(["GET", "POST"])
@rate_limited("export")
def export_start_view(request: HttpRequest) -> HttpResponse:
    """Choose a filter and start a bulk export; recent exports and failed PDFs are listed."""
    form = ExportFilterForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        job = export_start(by=signed_in_user(request), filters=form.filters())
        return redirect("export_detail", pk=job.pk)
    context = {
        "form": form,
        "errors": error_links(form) if form.is_bound else [],
        "from_date": form.date_input("from"),
        "to_date": form.date_input("to"),
        "departments": selectors.departments(),
        "options": OPTION_FILTER_CHOICES,
        "exports": selectors.recent_exports(),
        "failed_pdfs": selectors.failed_pdfs(),
    }
    return render(request, "decisions/export_start.html", context, status=200)


@require_safe
def export_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An export's progress (the htmx poll gets the fragment and stops when it is finished)."""
    job = or_404(selectors.export_by_pk(pk))
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
def export_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    """A finished export's zip (404 once it has expired and been deleted)."""
    job = or_404(selectors.export_by_pk(pk))
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


def _download(
    request: HttpRequest, filename: str, make: Callable[[QuerySet[DecisionRecord]], HttpResponse]
) -> HttpResponse:
    """A file of the records the query string's filters select (as a bulk export's), made by
    `make` and downloaded as `filename`; a bad filter is a 400 naming its fields."""
    form = ExportFilterForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors}, status=400)
    response = make(selectors.export_records(form.filters()))
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_safe
def export_csv(request: HttpRequest) -> HttpResponse:
    """The CSV of decision records (documented columns), filtered like a bulk export."""
    return _download(
        request,
        "decision-records.csv",
        lambda records: HttpResponse(
            records_csv(records).encode("utf-8-sig"), content_type="text/csv; charset=utf-8"
        ),
    )


@require_safe
def export_ocds(request: HttpRequest) -> HttpResponse:
    """OCDS 1.1 planning releases (a release package) for the approved decisions."""
    uri = request.build_absolute_uri(reverse("export_ocds"))
    return _download(
        request,
        "decision-records-ocds.json",
        lambda records: JsonResponse(
            ocds_package(records, uri), json_dumps_params={"ensure_ascii": False, "indent": 1}
        ),
    )
