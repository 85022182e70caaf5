"""The dashboard's charts, tables and CSV links (decisions/coe_dashboard_panels.html) rendered
once for each set of figures and kept.

That part of the page is a function of the panels (decisions.review.dashboard.panels: every
figure, label and chart geometry it shows), of the filters in its CSV links and of the code that
presents it, and of nothing else (no user, no permission): it is kept (sourcing.kept_html)
under a SHA-256 of those panels and filters and `presentation_version()`. Any change of a
figure (a decision, a return, a review now due) changes the panels and so the key: a kept part
is never other than what rendering the current figures would give.
"""

from __future__ import annotations

import hashlib
from functools import cache as once
from typing import Final

from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from decisions.review import dashboard
from sourcing.kept_html import kept_html, source_hash

TEMPLATE: Final = "decisions/coe_dashboard_panels.html"


@once
def presentation_version() -> str:
    """A hash of the part's templates and of decisions.review.dashboard (once per process)."""
    return source_hash((TEMPLATE,), [dashboard])


def cache_key(panels: list[dashboard.Panel], query: str) -> str:
    """Where the part for these panels and filters (as their query string) is kept: their
    representation (every field, in order) hashed."""
    digest = hashlib.sha256(repr((panels, query)).encode()).hexdigest()
    return f"dashboard-html:{presentation_version()}:{digest}"


def panels_html(panels: list[dashboard.Panel], query: str) -> SafeString:
    """decisions/coe_dashboard_panels.html of the panels, their CSV links carrying `query`,
    kept in the cache. No query."""
    return kept_html(
        cache_key(panels, query),
        lambda: render_to_string(TEMPLATE, {"panels": panels, "query": query}),
    )
