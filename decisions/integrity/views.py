"""The audit chain's page and the auditor's verification forms: the service against signed
heads they kept, one downloaded record PDF, one record by reference (access in
sourcing.access.PERMISSIONS: reviewers and auditors). The forms read and check; they change
nothing the auditor could see (a record's proof may sign a head covering it)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_safe

from decisions.integrity.auditor import pdf_check, records_check, report_dict
from decisions.integrity.forms import HeadsForm, PdfForm, RecordForm
from decisions.integrity.verification import audit_verify
from sourcing.forms import error_links
from sourcing.limits import rate_limited

TEMPLATE = "decisions/audit_verify.html"


@require_safe
def audit_chain(request: HttpRequest) -> HttpResponse:
    """The audit chain's verification result (it reads; it changes nothing in the records or
    the chain). The chain's events, the records and their PDFs are checked from the last
    prefix found intact (a constant number of queries; the time grows with what was added
    since); when nothing has been appended since the last check found everything intact
    (the same last event, record, signed head and checkpoint, records and trusted keys), that
    check's result is shown with when it was made. `?full=1` checks everything, as
    manage.py verify_audit and the API do."""
    full = request.GET.get("full") == "1"
    checked = audit_verify(since_verified=not full)
    context = {
        "report": checked.to_dict(),
        "full": full,
        "walked_from_seq": checked.walked_from_seq,
        "walked_in_full_at": checked.walked_in_full_at,
        "records_from_seq": checked.records_from_seq,
        "pdfs_from_seq": checked.pdfs_from_seq,
        "kept_from": checked.kept_from,
    }
    return render(request, "decisions/audit_chain.html", context)


@require_http_methods(["GET", "POST"])
def audit_verify_heads(request: HttpRequest) -> HttpResponse:
    """Check the chain, records and PDFs against signed heads the auditor kept (pasted or a
    file: a head, a copy of the feed, an export manifest or a record proof)."""
    form = HeadsForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        result = audit_verify(heads=form.heads).to_dict()
    context = {"kind": "heads", "form": form, "errors": error_links(form), "result": result}
    return render(request, TEMPLATE, context)


@require_http_methods(["GET", "POST"])
@rate_limited("pdf")
def audit_verify_pdf(request: HttpRequest) -> HttpResponse:
    """Check one downloaded decision record PDF: its record proof to a signed head (and the
    heads the auditor kept, when given), and that it is the file the service rendered."""
    form = PdfForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        check = pdf_check(form.cleaned_data["pdf"], heads=form.heads, keys=form.keys)
        result = {**report_dict(check), "check": check, "proof": check.proof.to_dict()}
    context = {"kind": "pdf", "form": form, "errors": error_links(form), "result": result}
    return render(request, TEMPLATE, context)


@require_http_methods(["GET", "POST"])
def audit_verify_record(request: HttpRequest) -> HttpResponse:
    """Check every record of a reference: its hash, its columns, its proof to a signed head."""
    form = RecordForm(request.POST or None)
    result = None
    if request.method == "POST" and form.is_valid():
        reference = form.cleaned_data["reference"]
        checks = records_check(reference)
        if not checks:
            form.add_error("reference", f"There is no decision record {reference}")
        else:
            result = {
                "reference": reference,
                "valid": all(c.valid for c in checks),
                "records": [{"check": c, **report_dict(c)} for c in checks],
            }
    context = {"kind": "record", "form": form, "errors": error_links(form), "result": result}
    return render(request, TEMPLATE, context)
