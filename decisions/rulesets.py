"""Ruleset governance: drafts, validation, golden cases, impact preview, publishing and replay.

A draft is a Ruleset row with `published_at` null. Only stewards change drafts and golden
cases; a published version never changes. Publishing needs every golden case in the database
to pass, and is serialised (row locks) so that two stewards publishing at once cannot both win.
"""

from __future__ import annotations

import copy
import json
import logging
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from django.db import IntegrityError, transaction
from django.utils import timezone

from decisions import engine
from decisions.audit.services import audit_append
from decisions.engine.impact import OUTCOMES
from decisions.models import (
    Assessment,
    DecisionAction,
    DecisionRecord,
    GoldenCase,
    JobStatus,
    Ruleset,
    RulesetRun,
)
from decisions.services import engine_ruleset
from sourcing.errors import TransitionRefused, ValidationFailed
from sourcing.models import Case, Role, User

log = logging.getLogger(__name__)

VERSION_PATTERN: Final = re.compile(r"^\d{4}\.\d{1,4}$")
VERSION_HINT: Final = 'a year, a full stop and a number, like "2026.2"'
SUMMARY_MAX: Final = 5000
TITLE_MAX: Final = 300
CODE_PATTERN: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")
CHUNK: Final = 500  # cases per progress update of a run
NONE_VIABLE: Final = "none"


class DraftInvalid(ValidationFailed):
    """A draft's content with problems: every one, with its rule id and field."""

    def __init__(self, problems: list[engine.RulesetProblem]) -> None:
        """Keep the engine's problems and key them as rules.<rule id>.<field>."""
        self.problems = problems
        errors: dict[str, list[str]] = {}
        for problem in problems:
            key = f"rules.{problem.rule_id}.{problem.field}" if problem.rule_id else problem.field
            errors.setdefault(key, []).append(problem.message)
        super().__init__(errors)


# Access --------------------------------------------------------------------------------------


def _require_steward(by: User) -> None:
    if by.role != Role.STEWARD:
        raise TransitionRefused("Only a ruleset steward can do this.")


def _require_draft(ruleset: Ruleset) -> None:
    if ruleset.published_at is not None:
        raise TransitionRefused(
            f"Version {ruleset.version} is published; a published version never changes. "
            "Start a new draft instead."
        )


# Reads ---------------------------------------------------------------------------------------


def rulesets_published() -> list[Ruleset]:
    """Published versions, newest first."""
    return list(Ruleset.objects.published().select_related("published_by"))


def ruleset_drafts() -> list[Ruleset]:
    """Drafts, newest first."""
    return list(
        Ruleset.objects.filter(published_at__isnull=True)
        .select_related("based_on", "created_by")
        .order_by("-created_at", "-pk")
    )


def golden_cases_engine() -> tuple[engine.GoldenCase, ...]:
    """Every golden case in the database, as engine golden cases."""
    rows = [
        {"id": g.code, "title": g.title, "answers": g.answers, "expected": g.expected}
        for g in GoldenCase.objects.order_by("code")
    ]
    return engine.load_golden_cases(rows)


def ruleset_golden_run(ruleset: Ruleset) -> engine.GoldenReport:
    """Run every golden case in the database against a stored ruleset (draft or published)."""
    return engine.run_golden_cases(engine_ruleset(ruleset), golden_cases_engine())


def canonical_file(ruleset: Ruleset) -> bytes:
    """The canonical JSON file of a stored ruleset (the bytes its sha256 is taken over)."""
    return engine_ruleset(ruleset).canonical_json()


# Drafts --------------------------------------------------------------------------------------


def _loaded(content: Any) -> engine.Ruleset:
    """The compiled ruleset, or DraftInvalid listing every problem."""
    try:
        return engine.load_ruleset(content)
    except engine.RulesetError as exc:
        raise DraftInvalid(exc.problems) from exc


def _version_errors(version: Any) -> list[str]:
    if not isinstance(version, str) or not VERSION_PATTERN.match(version):
        return [f"Enter the version as {VERSION_HINT}"]
    if Ruleset.objects.filter(version=version).exists():
        return [f"Version {version} already exists: choose another"]
    return []


@transaction.atomic
def ruleset_draft_create(*, by: User, version: str, based_on: Ruleset | None = None) -> Ruleset:
    """Start a draft from the current published version (or another one) under a new version."""
    _require_steward(by)
    version = version.strip() if isinstance(version, str) else version
    errors = _version_errors(version)
    if errors:
        raise ValidationFailed({"version": errors})
    base = based_on or Ruleset.objects.current()
    if base is None:
        raise TransitionRefused("No ruleset has been published yet to start a draft from.")
    if base.published_at is None:
        raise TransitionRefused("A draft starts from a published version.")
    content = copy.deepcopy(base.content)
    content["version"] = version
    loaded = _loaded(content)
    try:
        with transaction.atomic():
            draft = Ruleset.objects.create(
                version=version,
                sha256=loaded.sha256,
                content=loaded.to_dict(),
                based_on=base,
                created_by=by,
            )
    except IntegrityError as exc:  # someone took the version a moment ago
        raise ValidationFailed({"version": [f"Version {version} already exists"]}) from exc
    audit_append(
        action="ruleset.draft_created",
        actor=by,
        object_type="ruleset",
        object_id=version,
        payload={"based_on": base.version, "sha256": loaded.sha256},
    )
    return draft


def _locked_draft(draft: Ruleset) -> Ruleset:
    locked = Ruleset.objects.select_for_update().get(pk=draft.pk)
    _require_draft(locked)
    return locked


def _save(locked: Ruleset, by: User, content: Any, change: str) -> Ruleset:
    """Validate and store a locked draft's new content, and record the change."""
    if isinstance(content, Mapping):
        content = {**content, "version": locked.version}  # the draft names the version
    loaded = _loaded(content)
    previous = locked.sha256
    locked.content = loaded.to_dict()
    locked.sha256 = loaded.sha256
    locked.golden_result = {}
    locked.save(update_fields=["content", "sha256", "golden_result"])
    audit_append(
        action="ruleset.draft_changed",
        actor=by,
        object_type="ruleset",
        object_id=locked.version,
        payload={"change": change, "sha256": loaded.sha256, "previous_sha256": previous},
    )
    return locked


@transaction.atomic
def ruleset_draft_save(*, draft: Ruleset, by: User, content: Any, change: str) -> Ruleset:
    """Replace a draft's content after validating all of it; nothing is saved on any problem."""
    _require_steward(by)
    return _save(_locked_draft(draft), by, content, change)


@transaction.atomic
def ruleset_rule_save(
    *, draft: Ruleset, by: User, rule: dict[str, Any], replaces: str | None = None
) -> Ruleset:
    """Add a rule (replaces=None) or change the rule with id `replaces`, validating the draft."""
    _require_steward(by)
    locked = _locked_draft(draft)
    rules = copy.deepcopy(list(locked.content.get("rules", [])))
    if replaces is None:
        rules.append(rule)
        change = f"added rule {rule.get('id')}"
    else:
        positions = [i for i, r in enumerate(rules) if r.get("id") == replaces]
        if not positions:
            raise TransitionRefused(f"The draft has no rule {replaces}.")
        rules[positions[0]] = rule
        change = f"changed rule {replaces}"
    return _save(locked, by, {**locked.content, "rules": rules}, change)


@transaction.atomic
def ruleset_rule_remove(*, draft: Ruleset, by: User, rule_id: str) -> Ruleset:
    """Remove one rule from a draft."""
    _require_steward(by)
    locked = _locked_draft(draft)
    before = list(locked.content.get("rules", []))
    rules = [r for r in before if r.get("id") != rule_id]
    if len(rules) == len(before):
        raise TransitionRefused(f"The draft has no rule {rule_id}.")
    return _save(locked, by, {**locked.content, "rules": rules}, f"removed rule {rule_id}")


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"the key {key!r} appears twice in one object")
        result[key] = value
    return result


def parse_ruleset_file(raw: bytes) -> Any:
    """JSON from an uploaded file (duplicate keys refused), or DraftInvalid saying why not."""
    try:
        return json.loads(raw.decode("utf-8"), object_pairs_hook=_no_duplicate_keys)
    except (UnicodeDecodeError, ValueError) as exc:
        problem = engine.RulesetProblem(None, "file", f"is not a readable JSON file: {exc}")
        raise DraftInvalid([problem]) from exc


def ruleset_upload(*, draft: Ruleset, by: User, raw: bytes) -> Ruleset:
    """Replace a draft's rules by an uploaded ruleset file (its version is the draft's)."""
    return ruleset_draft_save(
        draft=draft, by=by, content=parse_ruleset_file(raw), change="uploaded a file"
    )


# Diff ----------------------------------------------------------------------------------------

RULE_FIELDS: Final = ("description", "source", "when", "effects", "gate", "condition_text")


@dataclass(frozen=True)
class RuleChange:
    """One rule's difference between a base version and a draft."""

    rule_id: str
    kind: str  # added, removed, changed, moved
    fields: tuple[tuple[str, Any, Any], ...] = ()  # (field, old, new)
    old_position: int | None = None
    new_position: int | None = None


@dataclass(frozen=True)
class RulesetDiff:
    """Rule by rule, what a draft changes from its base; engine parameters too."""

    base_version: str
    version: str
    rules: tuple[RuleChange, ...]
    parameters: tuple[tuple[str, Any, Any], ...] = field(default=())
    description: tuple[str, str] | None = None

    @property
    def empty(self) -> bool:
        """True when the draft's rules and parameters equal the base's."""
        return not (self.rules or self.parameters or self.description)


def ruleset_diff(base: Mapping[str, Any], draft: Mapping[str, Any]) -> RulesetDiff:
    """The differences between two valid ruleset contents (canonical form), rule by rule."""
    old = {r["id"]: (i, r) for i, r in enumerate(base["rules"])}
    new = {r["id"]: (i, r) for i, r in enumerate(draft["rules"])}
    changes: list[RuleChange] = []
    kept_old = [rid for rid in old if rid in new]
    kept_new = [rid for rid in new if rid in old]
    for rid, (position, rule) in new.items():
        if rid not in old:
            changes.append(RuleChange(rid, "added", new_position=position + 1))
            continue
        before_position, before = old[rid]
        fields = tuple(
            (name, before.get(name), rule.get(name))
            for name in RULE_FIELDS
            if before.get(name) != rule.get(name)
        )
        moved = kept_old.index(rid) != kept_new.index(rid)
        if fields or moved:
            changes.append(
                RuleChange(
                    rid,
                    "changed" if fields else "moved",
                    fields,
                    before_position + 1,
                    position + 1,
                )
            )
    for rid, (position, _) in old.items():
        if rid not in new:
            changes.append(RuleChange(rid, "removed", old_position=position + 1))
    old_params, new_params = base.get("parameters", {}), draft.get("parameters", {})
    parameters = tuple(
        (name, old_params.get(name), new_params.get(name))
        for name in sorted(set(old_params) | set(new_params))
        if old_params.get(name) != new_params.get(name)
    )
    description = None
    if base.get("description", "") != draft.get("description", ""):
        description = (base.get("description", ""), draft.get("description", ""))
    return RulesetDiff(
        base.get("version", ""), draft.get("version", ""), tuple(changes), parameters, description
    )


# Publishing ----------------------------------------------------------------------------------


@transaction.atomic
def ruleset_publish(*, draft: Ruleset, by: User, change_summary: str) -> Ruleset:
    """Publish a draft as the current version, if every golden case in the database passes.

    The current version's row and the draft's row are locked, so of two stewards publishing at
    once the second waits, then finds the draft published or its base no longer current.
    """
    _require_steward(by)
    summary = change_summary.strip() if isinstance(change_summary, str) else ""
    if not summary:
        raise ValidationFailed({"change_summary": ["Enter a summary of what changed and why"]})
    if len(summary) > SUMMARY_MAX or "\x00" in summary:
        raise ValidationFailed(
            {"change_summary": [f"The summary must be {SUMMARY_MAX} characters or fewer"]}
        )
    current = (
        Ruleset.objects.select_for_update()
        .filter(published_at__isnull=False)
        .order_by("-published_at", "-pk")
        .first()
    )
    locked = Ruleset.objects.select_for_update().get(pk=draft.pk)
    if locked.published_at is not None:
        who = locked.published_by.get_username() if locked.published_by else "someone"
        raise TransitionRefused(
            f"Version {locked.version} has just been published by {who}; nothing was changed."
        )
    if current is not None and locked.based_on_id != current.pk:
        raise TransitionRefused(
            f"Version {current.version} was published after this draft was started from "
            f"{locked.based_on.version if locked.based_on else 'nothing'}. Start a new draft "
            f"from {current.version} (you can upload this draft's file into it) and publish that."
        )
    cases = golden_cases_engine()
    if not cases:
        raise TransitionRefused("There are no golden cases: add them before publishing.")
    loaded = _loaded(locked.content)
    report = engine.run_golden_cases(loaded, cases)
    if not report.passed:
        failed = ", ".join(r.case_id for r in report.failures)
        raise TransitionRefused(
            f"{len(report.failures)} golden case(s) do not pass ({failed}); nothing was published."
        )
    locked.sha256 = loaded.sha256
    locked.content = loaded.to_dict()
    locked.change_summary = summary
    locked.published_at = timezone.now()
    locked.published_by = by
    locked.golden_result = report.to_dict()
    locked.save(
        update_fields=[
            "sha256",
            "content",
            "change_summary",
            "published_at",
            "published_by",
            "golden_result",
        ]
    )
    audit_append(
        action="ruleset.published",
        actor=by,
        object_type="ruleset",
        object_id=locked.version,
        payload={
            "sha256": locked.sha256,
            "based_on": current.version if current else None,
            "change_summary": summary,
            "golden_cases": {"total": len(report.results), "passed": True},
        },
    )
    return locked


# Golden cases --------------------------------------------------------------------------------


def _golden_errors(code: str, title: str, answers: Any, expected: Any) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not CODE_PATTERN.match(code):
        errors["code"] = ["Enter a code of letters, numbers, - or _ (up to 40), like G48"]
    if not title.strip():
        errors["title"] = ["Enter a title"]
    elif len(title) > TITLE_MAX:
        errors["title"] = [f"The title must be {TITLE_MAX} characters or fewer"]
    try:
        engine.load_golden_cases([{"id": code or "new", "answers": answers, "expected": expected}])
    except engine.GoldenCaseError as exc:
        for problem in exc.problems:
            _, _, rest = problem.partition(": ")
            name, _, message = rest.partition(": ")
            key = name if name.startswith(("answers", "expected")) else "expected"
            errors.setdefault(key, []).append(f"{name}: {message}")
    return errors


@transaction.atomic
def golden_case_save(
    *,
    by: User,
    code: str,
    title: str,
    answers: Any,
    expected: Any,
    golden: GoldenCase | None = None,
    source_case: Case | None = None,
) -> GoldenCase:
    """Create a golden case, or change one (its code stays), after validating it whole."""
    _require_steward(by)
    code = golden.code if golden is not None else code.strip()
    errors = _golden_errors(code, title, answers, expected)
    if golden is None and GoldenCase.objects.filter(code=code).exists():
        errors.setdefault("code", []).append(f"A golden case {code} already exists")
    if errors:
        raise ValidationFailed(errors)
    if golden is None:
        try:
            with transaction.atomic():
                golden = GoldenCase.objects.create(
                    code=code,
                    title=title.strip(),
                    answers=answers,
                    expected=expected,
                    source_case=source_case,
                    created_by=by,
                )
        except IntegrityError as exc:
            raise ValidationFailed({"code": [f"A golden case {code} already exists"]}) from exc
        action = "golden_case.created"
    else:
        golden = GoldenCase.objects.select_for_update().get(pk=golden.pk)
        golden.title = title.strip()
        golden.answers = answers
        golden.expected = expected
        golden.save(update_fields=["title", "answers", "expected", "updated_at"])
        action = "golden_case.changed"
    audit_append(
        action=action,
        actor=by,
        object_type="golden_case",
        object_id=golden.code,
        payload={
            "title": golden.title,
            "expected": expected,
            "source_case": source_case.reference if source_case else None,
        },
    )
    return golden


def case_answers_for_golden(case: Case) -> dict[str, Any]:
    """The answers a golden case made from a case takes: its latest assessment's, else its own."""
    latest = case.assessments.order_by("-created_at", "-pk").first()
    return dict(latest.answers if latest else case.answers)


def golden_cases_import(data: Any = None) -> int:
    """Store the golden cases of a file (the shipped one by default) not yet stored; idempotent."""
    cases = engine.load_golden_cases(data)
    created = 0
    with transaction.atomic():
        existing = set(GoldenCase.objects.values_list("code", flat=True))
        for case in cases:
            if case.id in existing:
                continue
            raw = case.to_dict()
            GoldenCase.objects.create(
                code=case.id, title=case.title, answers=raw["answers"], expected=raw["expected"]
            )
            created += 1
        if created:
            audit_append(
                action="golden_case.imported",
                object_type="golden_case",
                payload={"created": created},
            )
    return created


# Runs: impact preview and replay -------------------------------------------------------------


def _enqueue(run: RulesetRun) -> None:
    from decisions.tasks import ruleset_run_task

    run_id = run.pk
    transaction.on_commit(lambda: ruleset_run_task.delay(run_id))


@transaction.atomic
def ruleset_impact_start(*, draft: Ruleset, by: User) -> RulesetRun:
    """Queue an impact preview of a draft against the current version over every past case."""
    _require_steward(by)
    _require_draft(draft)
    current = Ruleset.objects.current()
    if current is None:
        raise TransitionRefused("No ruleset has been published yet to compare with.")
    total = Assessment.objects.values("case_id").distinct().count()
    run = RulesetRun.objects.create(
        kind=RulesetRun.Kind.IMPACT,
        ruleset=draft,
        baseline=current,
        total=total,
        created_by=by,
        result={"draft_sha256": draft.sha256},
    )
    _enqueue(run)
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
    _enqueue(run)
    return run


def _approved_records() -> Any:
    return DecisionRecord.objects.filter(
        action=DecisionAction.APPROVE, superseded_by__isnull=True
    ).order_by("pk")


def latest_answers() -> Iterator[tuple[int, dict[str, Any], str, str, str]]:
    """(case id, answers, reference, title, department code) of every case's latest assessment."""
    seen: set[int] = set()
    rows = Assessment.objects.order_by("case_id", "-created_at", "-pk").values_list(
        "case_id", "answers", "case__reference", "case__title", "case__department__code"
    )
    for case_id, answers, reference, title, department in rows.iterator(chunk_size=2000):
        if case_id in seen:
            continue
        seen.add(case_id)
        yield case_id, answers, reference, title, department


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


def _impact(run: RulesetRun) -> dict[str, Any]:
    assert run.baseline is not None
    old = engine_ruleset(run.baseline)
    new = engine_ruleset(run.ruleset)
    matrix = {o: dict.fromkeys(OUTCOMES, 0) for o in OUTCOMES}
    changes: list[dict[str, Any]] = []
    invalid: list[str] = []
    total = done = 0
    for chunk in _chunks(latest_answers(), CHUNK):
        meta = {row[0]: row for row in chunk}
        report = engine.impact_preview(old, new, ((row[0], row[1]) for row in chunk))
        total += report.total
        for before, row in report.matrix.items():
            for after, count in row.items():
                matrix[before][after] += count
        for change in report.changes:
            _, _, reference, title, department = meta[change.id]  # type: ignore[index]
            changes.append(
                {
                    "case_id": change.id,
                    "reference": reference,
                    "title": title,
                    "department": department,
                    "old": change.old or NONE_VIABLE,
                    "new": change.new or NONE_VIABLE,
                }
            )
        invalid += [meta[i][2] for i in report.invalid]  # type: ignore[index]
        done += len(chunk)
        _progress(run, done)
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
    rows = _approved_records().values_list(
        "pk", "reference", "department__code", "recommended", "decided_option", "content"
    )
    for chunk in _chunks(rows.iterator(chunk_size=500), CHUNK):
        for pk, reference, department, recommended, decided, content in chunk:
            answers = content.get("answers", {})
            if engine.validate_answers(answers, partial=False):
                continue
            total += 1
            now = engine.winner(answers, current) or ""
            if now != (recommended or ""):
                pinned = content.get("identity", {}).get("ruleset", {})
                items.append(
                    {
                        "record_id": pk,
                        "reference": reference,
                        "department": department,
                        "pinned_version": pinned.get("version", ""),
                        "was": recommended or NONE_VIABLE,
                        "decided": decided or NONE_VIABLE,
                        "now": now or NONE_VIABLE,
                    }
                )
        done += len(chunk)
        _progress(run, done)
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


def latest_replay() -> RulesetRun | None:
    """The latest finished replay of approved decisions."""
    return (
        RulesetRun.objects.filter(kind=RulesetRun.Kind.REPLAY, status=JobStatus.DONE)
        .order_by("-finished_at", "-pk")
        .first()
    )


def decisions_flagged_by_replay() -> set[int]:
    """Ids of decision records whose recommendation the latest replay found would change."""
    run = latest_replay()
    if run is None:
        return set()
    return {item["record_id"] for item in run.result.get("items", [])}
