"""The dashboard's charts, tables and CSV links (decisions/coe_dashboard_panels.html) rendered
once for each set of figures and kept.

That part of the page is a function of the panels (decisions.review.dashboard.panels: every
figure, label and chart geometry it shows), of the filters in its CSV links and of the code that
presents it, and of nothing else (no user, no permission): it is kept (sourcing.kept_html)
under a SHA-256 of those panels and filters and a hash of its templates and code. Any change
of a figure (a decision, a return, a review now due) changes the panels and so the key: a kept
part is never other than what rendering the current figures would give.
"""

from __future__ import annotations

from typing import Final

from django.utils.safestring import SafeString

from decisions.review import dashboard
from sourcing.kept_html import kept_key, kept_render

TEMPLATE: Final = "decisions/coe_dashboard_panels.html"


KEY: Final = "dashboard-html"


def cache_key(panels: list[dashboard.Panel], query: str) -> str:
    """Where the part for these panels and filters (as their query string) is kept: their
    representation (every field, in order) hashed, with the part's templates and
    decisions.review.dashboard (sourcing.kept_html.kept_key)."""
    return kept_key(KEY, (TEMPLATE,), (panels, query), modules=(dashboard,))


def panels_html(panels: list[dashboard.Panel], query: str) -> SafeString:
    """decisions/coe_dashboard_panels.html of the panels, their CSV links carrying `query`,
    kept in the cache under cache_key(panels, query). No query."""
    context = {"panels": panels, "query": query}
    return kept_render(KEY, TEMPLATE, (panels, query), context, modules=(dashboard,))
