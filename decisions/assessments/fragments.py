"""An assessment's presentation (includes/assessment_result.html: ranking, reasons, conditions,
policy checks, flips, exit readiness and the whole rule trace) rendered once and kept.

An assessment is never changed once it is made (no code path updates one: a new run makes a
new row), so what the page shows of it is a function of the row and of the code that presents
it. The HTML is kept in Django's cache (Redis where `REDIS_URL` is set, this process's memory
otherwise) under a key naming the assessment (id and creation time, as the shortlist's key
does, ADR 0021), whether the replay links are shown, and `presentation_version()`: a hash of
the templates and the presenter code that make it, so a deployment that changes either never
reads HTML made by the old code. A cache that is down only costs a rendering.
"""

from __future__ import annotations

import hashlib
import logging
from functools import cache as once
from pathlib import Path
from typing import Any, Final

from django.core.cache import cache
from django.template.loader import get_template, render_to_string
from django.utils.safestring import SafeString

from decisions import presenter
from decisions.assessments.models import Assessment
from sourcing.cache_errors import cache_errors

log = logging.getLogger(__name__)

TEMPLATE: Final = "includes/assessment_result.html"
# Every template the fragment renders (its includes too).
TEMPLATES: Final = (TEMPLATE, "includes/assessment_explained.html", "includes/rule_trace.html")
CACHE_SECONDS: Final = 24 * 3600


@once
def presentation_version() -> str:
    """A hash (16 hex digits) of the fragment's templates and of the Python that presents it
    (decisions.presenter): computed once per process."""
    digest = hashlib.sha256()
    for name in TEMPLATES:
        digest.update(get_template(name).template.source.encode())  # type: ignore[attr-defined]
    digest.update(Path(presenter.__file__ or "").read_bytes())
    return digest.hexdigest()[:16]


def cache_key(assessment: Assessment, *, show_replay: bool) -> str:
    """Where an assessment's HTML is kept."""
    return (
        f"assessment-html:{presentation_version()}:{assessment.pk}:"
        f"{assessment.created_at.timestamp()}:{int(show_replay)}"
    )


def assessment_result_html(
    assessment: Assessment, *, show_replay: bool, context: dict[str, Any] | None = None
) -> SafeString:
    """The rendered includes/assessment_result.html of `assessment` (with the replay links when
    `show_replay`), kept in the cache; `context` is `presenter.assessment_context(assessment)`
    when the caller already has it (it is computed only when the HTML is not kept). No query.
    """
    key = cache_key(assessment, show_replay=show_replay)
    try:
        kept = cache.get(key)
    except cache_errors():  # down or hung: rendered, and not tried again for this page
        log.warning("assessment cache unavailable; rendering", exc_info=True)
        return _render(assessment, show_replay=show_replay, context=context)
    # Kept as the template engine's SafeString (pickled with its class): anything else in
    # the cache under this key is not trusted as HTML, and is rendered over.
    if isinstance(kept, SafeString):
        return kept
    html = _render(assessment, show_replay=show_replay, context=context)
    try:
        cache.set(key, html, CACHE_SECONDS)
    except cache_errors():
        log.warning("assessment cache unavailable (set)", exc_info=True)
    return html


def _render(
    assessment: Assessment, *, show_replay: bool, context: dict[str, Any] | None
) -> SafeString:
    shown = context if context is not None else presenter.assessment_context(assessment)
    html = render_to_string(TEMPLATE, {**shown, "show_replay": show_replay})
    if not isinstance(html, SafeString):  # the engine marks what it renders (autoescaped)
        raise TypeError("template output not marked safe")
    return html
