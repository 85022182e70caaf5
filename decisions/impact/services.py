"""What a ruleset changes for past cases and decisions: the impact preview of a draft over
every case's latest assessment, and the replay of every current approved decision under the
current version. Both are background runs (a RulesetRun row) with progress.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Iterator
from typing import Any, Final

import orjson
from django.db import transaction
from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils import timezone

from decisions import engine
from decisions.assessments.models import Assessment
from decisions.engine.impact import OUTCOMES
from decisions.records.models import DecisionAction, DecisionRecord
from decisions.rulesets.models import Ruleset, RulesetRun
from decisions.rulesets.selectors import engine_ruleset
from decisions.rulesets.services import require_draft, require_steward
from sourcing.errors import TransitionRefused
from sourcing.jobs import JobStatus
from sourcing.models import SUBMITTED_ONCE, Role, User
from sourcing.tasks import enqueue_on_commit

log = logging.getLogger(__name__)

CHUNK: Final = 500  # cases read at a time
PROGRESS_SECONDS: Final = 1.0  # a replay's progress is written at most this often
NONE_VIABLE: Final = "none"
RUN_TASK: Final = "decisions.ruleset_run"  # decisions.impact.tasks.ruleset_run_task


@transaction.atomic
def ruleset_impact_start(*, draft: Ruleset, by: User) -> RulesetRun:
    """Queue an impact preview of a draft against the current version over every case
    submitted at least once (latest_answers)."""
    require_steward(by)
    require_draft(draft)
    current = Ruleset.objects.current()
    if current is None:
        raise TransitionRefused("No ruleset has been published yet to compare with.")
    total = (
        Assessment.objects.filter(case__status__in=SUBMITTED_ONCE)
        .values("case_id")
        .distinct()
        .count()
    )
    run = RulesetRun.objects.create(
        kind=RulesetRun.Kind.IMPACT,
        ruleset=draft,
        baseline=current,
        total=total,
        created_by=by,
        result={"draft_sha256": draft.sha256},
    )
    enqueue_on_commit(RUN_TASK, run.pk)
    return run


@transaction.atomic
def ruleset_replay_start(*, by: User) -> RulesetRun:
    """Queue a replay of every current approved decision under the current version."""
    if by.role not in (Role.STEWARD, Role.REVIEWER):
        raise TransitionRefused("Only a steward or a reviewer can replay decisions.")
    current = Ruleset.objects.current()
    if current is None:
        raise TransitionRefused("No ruleset has been published yet.")
    run = RulesetRun.objects.create(
        kind=RulesetRun.Kind.REPLAY,
        ruleset=current,
        total=_approved_records().count(),
        created_by=by,
    )
    enqueue_on_commit(RUN_TASK, run.pk)
    return run


def _approved_records() -> Any:
    return DecisionRecord.objects.filter(
        action=DecisionAction.APPROVE, superseded_by__isnull=True
    ).order_by("pk")


def latest_answers() -> Iterator[tuple[int, dict[str, Any], str, str]]:
    """(case id, answers, reference, department code) of the latest assessment of every case
    submitted at least once (submitted, returned, approved or rejected): a department's drafts
    and withdrawn cases are never read, and no case's title leaves its department this way."""
    seen: set[int] = set()
    rows = (
        Assessment.objects.filter(case__status__in=SUBMITTED_ONCE)
        .order_by("case_id", "-created_at", "-pk")
        .values_list("case_id", "answers", "case__reference", "case__department__code")
    )
    for case_id, answers, reference, department in rows.iterator(chunk_size=2000):
        if case_id in seen:
            continue
        seen.add(case_id)
        yield case_id, answers, reference, department


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _progress(run: RulesetRun, done: int) -> None:
    RulesetRun.objects.filter(pk=run.pk).update(done=done)


class _Progress:
    """A run's progress, written at most once every PROGRESS_SECONDS (each write is a commit;
    the finished run writes its total)."""

    def __init__(self, run: RulesetRun) -> None:
        self.run = run
        self.written = time.monotonic()

    def update(self, done: int) -> None:
        now = time.monotonic()
        if now - self.written >= PROGRESS_SECONDS:
            _progress(self.run, done)
            self.written = now


def _decoded(text: str | None) -> Any:
    """Stored answers from their JSON text ({} when absent): orjson, or json for what orjson
    declines (an integer beyond 64 bits, which the engine's checks then refuse)."""
    if not text:
        return {}
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def _impact(run: RulesetRun) -> dict[str, Any]:
    assert run.baseline is not None
    old = engine_ruleset(run.baseline)
    new = engine_ruleset(run.ruleset)
    matrix = {o: dict.fromkeys(OUTCOMES, 0) for o in OUTCOMES}
    changes: list[dict[str, Any]] = []
    invalid: list[str] = []
    total = done = 0
    progress = _Progress(run)
    for chunk in _chunks(latest_answers(), CHUNK):
        meta = {row[0]: row for row in chunk}
        report = engine.impact_preview(old, new, ((row[0], row[1]) for row in chunk))
        total += report.total
        for before, row in report.matrix.items():
            for after, count in row.items():
                matrix[before][after] += count
        for change in report.changes:
            _, _, reference, department = meta[change.id]
            changes.append(
                {
                    "case_id": change.id,
                    "reference": reference,
                    "department": department,
                    "old": change.old or NONE_VIABLE,
                    "new": change.new or NONE_VIABLE,
                }
            )
        invalid += [meta[i][2] for i in report.invalid]
        done += len(chunk)
        progress.update(done)
    return {
        "old": {"version": run.baseline.version, "sha256": run.baseline.sha256},
        "new": {"version": run.ruleset.version, "sha256": run.ruleset.sha256},
        "draft_sha256": run.ruleset.sha256,
        "total": total,
        "changed": len(changes),
        "matrix": matrix,
        "changes": changes,
        "invalid": invalid,
    }


def _replay(run: RulesetRun) -> dict[str, Any]:
    current = engine_ruleset(run.ruleset)
    items: list[dict[str, Any]] = []
    total = done = 0
    # Only the answers (as text, decoded in C) and the pinned version, which the database keeps
    # beside each record's content (generated columns): never the content itself (about 27 KB
    # a record, whose decompression alone cost more than the engine's run).
    rows = (
        _approved_records()
        .annotate(answers_text=Cast("answers", TextField()))
        .values_list(
            "pk",
            "reference",
            "department__code",
            "recommended",
            "decided_option",
            "answers_text",
            "ruleset_version",
        )
    )
    progress = _Progress(run)
    for chunk in _chunks(rows.iterator(chunk_size=CHUNK), CHUNK):
        for pk, reference, department, recommended, decided, text, pinned in chunk:
            answers = _decoded(text)
            if engine.validate_answers(answers, partial=False):
                continue
            total += 1
            now = engine.winner(answers, current) or ""
            if now != (recommended or ""):
                items.append(
                    {
                        "record_id": pk,
                        "reference": reference,
                        "department": department,
                        "pinned_version": pinned or "",
                        "was": recommended or NONE_VIABLE,
                        "decided": decided or NONE_VIABLE,
                        "now": now or NONE_VIABLE,
                    }
                )
        done += len(chunk)
        progress.update(done)
    return {
        "ruleset": {"version": run.ruleset.version, "sha256": run.ruleset.sha256},
        "total": total,
        "changed": len(items),
        "items": items,
    }


def ruleset_run_execute(*, run_id: int) -> RulesetRun:
    """Carry out a queued run (the task's body); a failure is recorded on the run."""
    run = RulesetRun.objects.select_related("ruleset", "baseline").get(pk=run_id)
    if run.status == JobStatus.DONE:
        return run
    RulesetRun.objects.filter(pk=run.pk).update(status=JobStatus.RUNNING, done=0)
    try:
        result = _impact(run) if run.kind == RulesetRun.Kind.IMPACT else _replay(run)
    except (ConnectionError, TimeoutError):
        raise  # transient: the task retries
    except Exception as exc:
        log.exception("ruleset run failed", extra={"run": run.pk})
        RulesetRun.objects.filter(pk=run.pk).update(
            status=JobStatus.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
    else:
        RulesetRun.objects.filter(pk=run.pk).update(
            status=JobStatus.DONE,
            result=result,
            total=result["total"],
            done=result["total"],
            finished_at=timezone.now(),
        )
    run.refresh_from_db()
    return run
