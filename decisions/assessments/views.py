"""Pages of an assessment: the result in full, and its replay under the pinned or today's
ruleset. Access per route is in sourcing.access.PERMISSIONS; an assessment of a case the user
may not see is a 404.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from decisions.assessments import services
from decisions.assessments.fragments import assessment_result_html
from decisions.assessments.models import Assessment
from decisions.assessments.selectors import assessment_for_replay, assessment_visible
from decisions.presenter import assessment_heading, difference_rows, recommendation_text
from sourcing.access import or_404
from sourcing.errors import TransitionRefused, ValidationFailed


def _assessment(request: HttpRequest, pk: int) -> Assessment:
    """The assessment if the user may see its case, else 404."""
    return or_404(assessment_visible(request.user, pk))


@require_safe
def assessment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An assessment: ranking, scores, gates, trace, conditions, policy checks, flips, exit."""
    assessment = _assessment(request, pk)
    context = {
        **assessment_heading(assessment),
        "assessment_html": assessment_result_html(assessment, show_replay=True),
        "case": assessment.case,
        "current": assessment.answers_version == assessment.case.answers_version,
    }
    return render(request, "decisions/assessment_detail.html", context)


@require_safe
def assessment_replay(request: HttpRequest, pk: int) -> HttpResponse:
    """Replay under the pinned version (identical) or today's version (what differs)."""
    assessment = or_404(assessment_for_replay(request.user, pk))
    mode = request.GET.get("ruleset", "pinned")
    context: dict[str, Any] = {"assessment": assessment, "case": assessment.case, "mode": mode}
    status = 200
    try:
        replay = services.assessment_replay(assessment=assessment, mode=mode)
    except ValidationFailed:
        context["errors"] = [("Choose the pinned ruleset or the current ruleset", "#modes")]
        status = 400
    except TransitionRefused as refusal:
        context["errors"] = [(str(refusal), "#modes")]
        status = 409
    else:
        context["replay"] = replay
        context["differences"] = difference_rows(replay.differences)
        context["recommended"] = recommendation_text(replay.result["recommended"], none="")
    return render(request, "decisions/assessment_replay.html", context, status=status)
