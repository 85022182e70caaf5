"""The audit chain's page: the verification of the chain, the records, their PDFs and the
signed heads (access in sourcing.access.PERMISSIONS: reviewers and auditors)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from decisions.integrity.verification import audit_verify


@require_safe
def audit_chain(request: HttpRequest) -> HttpResponse:
    """The audit chain's verification result (it reads; it changes nothing)."""
    report = audit_verify().to_dict()
    return render(request, "decisions/audit_chain.html", {"report": report})
