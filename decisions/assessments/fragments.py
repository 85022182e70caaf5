"""An assessment's presentation (includes/assessment_result.html: ranking, reasons, conditions,
policy checks, flips, exit readiness and the whole rule trace) rendered once and kept.

An assessment is never changed once it is made (no code path updates one: a new run makes a
new row), so what the page shows of it is a function of the row and of the code that presents
it: kept (sourcing.kept_html) under a key naming the assessment (id and creation time, as the
shortlist's key does, ADR 0021), whether the replay links are shown, and
`presentation_version()`, a hash of the templates and the presenter that make it.
"""

from __future__ import annotations

from functools import cache as once
from typing import Any, Final

from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from decisions import presenter
from decisions.assessments.models import Assessment
from sourcing.kept_html import kept_html, source_hash

TEMPLATE: Final = "includes/assessment_result.html"
# The templates named in the hash; source_hash adds every template they include.
TEMPLATES: Final = (TEMPLATE,)


@once
def presentation_version() -> str:
    """A hash of the fragment's templates and of decisions.presenter (once per process)."""
    return source_hash(TEMPLATES, [presenter])


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
    return kept_html(
        cache_key(assessment, show_replay=show_replay),
        lambda: _render(assessment, show_replay=show_replay, context=context),
    )


def _render(assessment: Assessment, *, show_replay: bool, context: dict[str, Any] | None) -> str:
    shown = context if context is not None else presenter.assessment_context(assessment)
    return render_to_string(TEMPLATE, {**shown, "show_replay": show_replay})
