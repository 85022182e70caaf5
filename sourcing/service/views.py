"""The service pages every GOV.UK service has, open to everyone: the accessibility statement,
the privacy notice, the cookies page and how to give feedback (linked from the footer and
the phase banner)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

# When the accessibility statement was prepared and the service last tested (axe-core through
# the browser tests, and by hand at 320 px with JavaScript on and off). Change these when the
# statement is reviewed again.
STATEMENT_PREPARED = date(2026, 11, 30)
LAST_TESTED = date(2026, 11, 30)
# The axe-core the browser tests run (axe-playwright-python's bundled copy).
AXE_VERSION = "4.12.1"

# What people may meet, in plain words (the statement's "How accessible this service is").
KNOWN_ISSUES = (
    "on a narrow screen, or zoomed in to 400%, wide tables scroll sideways inside the page "
    "(the page itself does not), and the charts of the supplier concentration page are "
    "replaced by the tables of their figures",
    "decision record PDFs and draft case PDFs have not been tested with screen readers",
)
# The same, against the WCAG 2.2 success criteria they may fail.
NON_COMPLIANCES = (
    "Decision record PDFs are tagged (PDF/UA-1) but have not been checked with assistive "
    "technology: their tables may not be read in a sensible order. This may fail WCAG 2.2 "
    "success criterion 1.3.1 (Info and Relationships).",
)


def _service(**extra: Any) -> dict[str, Any]:
    return {
        "operator": settings.SERVICE_OPERATOR,
        "contact_email": settings.SERVICE_CONTACT_EMAIL,
        "idle_minutes": settings.SESSION_IDLE_MINUTES,
        **extra,
    }


@require_safe
def accessibility(request: HttpRequest) -> HttpResponse:
    """The accessibility statement, in the GOV.UK model wording (Public Sector Bodies
    Accessibility Regulations 2018), with what was tested and the known issues."""
    context = _service(
        prepared=STATEMENT_PREPARED,
        last_tested=LAST_TESTED,
        axe_version=AXE_VERSION,
        known_issues=KNOWN_ISSUES,
        non_compliances=NON_COMPLIANCES,
    )
    return render(request, "service/accessibility.html", context)


@require_safe
def privacy(request: HttpRequest) -> HttpResponse:
    """The privacy notice: what personal data the service holds, why (UK GDPR article 6(1)(e),
    public task), for how long, who sees it, and people's rights."""
    return render(request, "service/privacy.html", _service())


@require_safe
def cookies(request: HttpRequest) -> HttpResponse:
    """The cookies page: only essential cookies are set, so nothing to accept or reject."""
    context = _service(
        session_cookie=settings.SESSION_COOKIE_NAME, csrf_cookie=settings.CSRF_COOKIE_NAME
    )
    return render(request, "service/cookies.html", context)


@require_safe
def feedback(request: HttpRequest) -> HttpResponse:
    """How to give feedback on the service (the phase banner links here)."""
    return render(request, "service/feedback.html", _service())
