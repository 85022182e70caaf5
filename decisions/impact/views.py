"""Pages of the impact preview of a draft and of the replay of approved decisions: start a
run, follow its progress (an htmx poll, with a plain reload without JavaScript), read the
results, download the replay as CSV.

Access per route is in sourcing.access.PERMISSIONS. Views look up, validate a form, call one
service from decisions.impact.services, and render or redirect.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import HttpResponseStopPolling

from decisions.engine.impact import OUTCOMES
from decisions.impact import selectors, services
from decisions.impact.forms import ImpactFilterForm
from decisions.presenter import OUTCOME_LABELS
from decisions.rulesets.models import Ruleset, RulesetRun
from decisions.rulesets.selectors import current_ruleset_listed, draft_by_version
from sourcing.access import or_404, signed_in_user
from sourcing.errors import TransitionRefused
from sourcing.jobs import JobStatus
from sourcing.middleware import HtmxHttpRequest
from sourcing.spreadsheet import csv_download

PAGE_SIZE = 50
FINISHED = (JobStatus.DONE, JobStatus.FAILED)
RUN_TAGS = {
    JobStatus.PENDING: "govuk-tag--grey",
    JobStatus.RUNNING: "govuk-tag--blue",
    JobStatus.DONE: "govuk-tag--green",
    JobStatus.FAILED: "govuk-tag--red",
}


def _draft(version: str) -> Ruleset:
    """A draft by version (steward pages only), else 404."""
    return or_404(draft_by_version(version))


def _run(pk: int, kind: str) -> RulesetRun:
    """A run of the given kind ("impact" or "replay"), else 404."""
    return or_404(selectors.run_of_kind(pk, kind))


def _matrix_rows(matrix: dict[str, dict[str, int]]) -> list[dict[str, Any]]:
    return [
        {
            "label": OUTCOME_LABELS[old],
            "cells": [
                {"count": matrix[old][new], "changed": old != new and matrix[old][new] > 0}
                for new in OUTCOMES
            ],
        }
        for old in OUTCOMES
    ]


def _progress(run: RulesetRun) -> dict[str, Any]:
    total = max(run.total, 1)
    return {
        "run": run,
        "finished": run.status in FINISHED,
        "max": total,
        "done": min(run.done, total),
        "percent": min(100, round(run.done * 100 / total)) if run.total else 0,
        "tag": RUN_TAGS[JobStatus(run.status)],
    }


def _progress_response(request: HtmxHttpRequest, run: RulesetRun) -> HttpResponse | None:
    """For an htmx poll, the progress fragment; when finished, stop polling and reload."""
    if not request.htmx:
        return None
    context = _progress(run)
    html = render(request, "decisions/ruleset_progress.html", context).content
    if context["finished"]:
        response = HttpResponseStopPolling(html)
        response["HX-Refresh"] = "true"
        return response
    return HttpResponse(html)


def _page_links(page: Any, params: dict[str, str]) -> dict[str, str | None]:
    def href(number: int) -> str:
        return "?" + urlencode({**params, "page": number})

    return {
        "previous_href": href(page.previous_page_number()) if page.has_previous() else None,
        "next_href": href(page.next_page_number()) if page.has_next() else None,
    }


# Impact preview -------------------------------------------------------------------------------


@require_POST
def ruleset_impact(request: HttpRequest, version: str) -> HttpResponse:
    """Start an impact preview of a draft (a background task; eager in the embedded default)."""
    draft = _draft(version)
    try:
        run = services.ruleset_impact_start(draft=draft, by=signed_in_user(request))
    except TransitionRefused as refused:
        messages.error(request, str(refused))
        return redirect("ruleset_detail", version=draft.version)
    return redirect("ruleset_impact_run", run_id=run.pk)


def _filtered_changes(
    request: HttpRequest, changes: list[dict[str, Any]]
) -> tuple[ImpactFilterForm, list[dict[str, Any]], dict[str, str]]:
    departments = sorted({c["department"] for c in changes})
    form = ImpactFilterForm(request.GET, departments=departments)
    params: dict[str, str] = {}
    if form.is_valid():
        for name in ("old", "new", "department"):
            value = form.cleaned_data[name]
            if value:
                params[name] = value
                changes = [c for c in changes if c[name] == value]
    return form, changes, params


RUN_TEMPLATES = {
    "impact": "decisions/ruleset_impact.html",
    "replay": "decisions/ruleset_replay_run.html",
}


def _run_page(
    request: HtmxHttpRequest, run_id: int, kind: str, shown: Callable[[RulesetRun], dict[str, Any]]
) -> HttpResponse:
    """A run's page (an impact preview or a replay, `kind`): its progress while it runs
    (polled by htmx), then what `shown` gives of its result once done (it is called for every
    run, to give the page's context)."""
    run = _run(run_id, kind)
    polled = _progress_response(request, run)
    if polled is not None:
        return polled
    return render(request, RUN_TEMPLATES[kind], {**_progress(run), **shown(run)})


def _impact_shown(request: HttpRequest, run: RulesetRun) -> dict[str, Any]:
    """The impact page's context: the draft, and once done the matrix and affected cases."""
    context: dict[str, Any] = {"draft": run.ruleset}
    if run.status != JobStatus.DONE:
        return context
    result = run.result
    form, changes, params = _filtered_changes(request, list(result.get("changes", [])))
    page = Paginator(changes, PAGE_SIZE).get_page(request.GET.get("page"))
    return {
        **context,
        "result": result,
        "outcomes": [OUTCOME_LABELS[o] for o in OUTCOMES],
        "matrix": _matrix_rows(result["matrix"]),
        "form": form,
        "page": page,
        "rows": [
            {**c, "old_label": OUTCOME_LABELS[c["old"]], "new_label": OUTCOME_LABELS[c["new"]]}
            for c in page.object_list
        ],
        "filtered": bool(params),
        "matching": len(changes),
        "stale": run.ruleset.published_at is None
        and result.get("draft_sha256") != run.ruleset.sha256,
        **_page_links(page, params),
    }


@require_safe
def ruleset_impact_run(request: HtmxHttpRequest, run_id: int) -> HttpResponse:
    """An impact preview: progress while it runs, then the matrix and the affected cases."""
    return _run_page(request, run_id, "impact", lambda run: _impact_shown(request, run))


# Replay of approved decisions -----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def ruleset_replay(request: HttpRequest) -> HttpResponse:
    """Replay every current approved decision under the current version (start, or list runs)."""
    if request.method == "POST":
        try:
            run = services.ruleset_replay_start(by=signed_in_user(request))
        except TransitionRefused as refused:
            messages.error(request, str(refused))
            return redirect("ruleset_replay")
        return redirect("ruleset_replay_run", run_id=run.pk)
    runs = selectors.replay_runs()
    context = {
        "runs": [{"run": r, "tag": RUN_TAGS[JobStatus(r.status)]} for r in runs],
        "current": current_ruleset_listed(),
    }
    return render(request, "decisions/ruleset_replay.html", context)


def _replay_shown(run: RulesetRun) -> dict[str, Any]:
    """The replay page's context: once done, the decisions that would now come out differently."""
    return {"rows": _replay_rows(run) if run.status == JobStatus.DONE else []}


def _replay_rows(run: RulesetRun) -> list[dict[str, Any]]:
    return [
        {
            **item,
            "was_label": OUTCOME_LABELS[item["was"]],
            "decided_label": OUTCOME_LABELS[item["decided"]],
            "now_label": OUTCOME_LABELS[item["now"]],
        }
        for item in run.result.get("items", [])
    ]


@require_safe
def ruleset_replay_run(request: HtmxHttpRequest, run_id: int) -> HttpResponse:
    """A replay: progress while it runs, then the decisions that would now come out differently."""
    return _run_page(request, run_id, "replay", _replay_shown)


@require_safe
def ruleset_replay_csv(request: HttpRequest, run_id: int) -> HttpResponse:
    """The replay report as CSV."""
    run = _run(run_id, "replay")
    if run.status != JobStatus.DONE:
        raise Http404
    return csv_download(
        f"replay-{run.pk}.csv",
        (
            "record_id",
            "reference",
            "department",
            "pinned_version",
            "recommended_then",
            "decided",
            "recommended_now",
            "replayed_under",
        ),
        (
            (
                item["record_id"],
                item["reference"],
                item["department"],
                item["pinned_version"],
                item["was"],
                item["decided"],
                item["now"],
                run.ruleset.version,
            )
            for item in run.result.get("items", [])
        ),
    )
