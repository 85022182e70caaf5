"""Every write of rulesets: drafts and their rules, uploads, publishing (a draft, or the shipped
default), golden cases.

A draft is a Ruleset row with `published_at` null. Only stewards change drafts and golden
cases; a published version never changes. Publishing needs every golden case in the database
to pass, and is serialised (row locks) so that two stewards publishing at once cannot both win.
The impact preview and the replay of decisions are in decisions.impact.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from django.db import IntegrityError, transaction
from django.db.models import Q, Subquery
from django.utils import timezone

from decisions import engine
from decisions.audit.models import AuditEvent
from decisions.audit.services import audit_append, audit_on
from decisions.engine.hashable import JsonRejected, parse_json
from decisions.rulesets.models import GoldenCase, Ruleset, RulesetApproval
from decisions.rulesets.selectors import golden_case_data, golden_cases_engine
from sourcing.compiled_sql import compiled
from sourcing.errors import TransitionRefused, ValidationFailed
from sourcing.models import Case, Role, User

# ASCII digits only (\d would also take full-width and other scripts' digits: look-alikes).
VERSION_PATTERN: Final = re.compile(r"[0-9]{4}\.[0-9]{1,4}", re.ASCII)
VERSION_HINT: Final = 'a year, a full stop and a number, like "2026.2"'
SUMMARY_MAX: Final = 5000
TITLE_MAX: Final = 300
CODE_PATTERN: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")


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


def require_steward(by: User) -> None:
    """Refuse (TransitionRefused) anyone but a ruleset steward."""
    if by.role != Role.STEWARD:
        raise TransitionRefused("Only a ruleset steward can do this.")


def require_draft(ruleset: Ruleset) -> None:
    """Refuse (TransitionRefused) a published version: it never changes."""
    if ruleset.published_at is not None:
        raise TransitionRefused(
            f"Version {ruleset.version} is published; a published version never changes. "
            "Start a new draft instead."
        )


# Drafts --------------------------------------------------------------------------------------


def _loaded(content: Any) -> engine.Ruleset:
    """The compiled ruleset, or DraftInvalid listing every problem."""
    try:
        return engine.load_ruleset(content)
    except engine.RulesetError as exc:
        raise DraftInvalid(exc.problems) from exc


def _version_errors(version: Any) -> list[str]:
    if not isinstance(version, str) or not VERSION_PATTERN.fullmatch(version):
        return [f"Enter the version as {VERSION_HINT}"]
    if Ruleset.objects.filter(version=version).exists():
        return [f"Version {version} already exists: choose another"]
    return []


@transaction.atomic
def ruleset_draft_create(*, by: User, version: str, based_on: Ruleset | None = None) -> Ruleset:
    """Start a draft from the current published version (or another one) under a new version."""
    require_steward(by)
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
    audit_on(
        "ruleset", version, "ruleset.draft_created", by, based_on=base.version, sha256=loaded.sha256
    )
    return draft


def _locked_draft(draft: Ruleset) -> Ruleset:
    locked = Ruleset.objects.select_for_update().get(pk=draft.pk)
    require_draft(locked)
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
    audit_on(
        "ruleset",
        locked.version,
        "ruleset.draft_changed",
        by,
        change=change,
        sha256=loaded.sha256,
        previous_sha256=previous,
    )
    return locked


@transaction.atomic
def ruleset_draft_save(*, draft: Ruleset, by: User, content: Any, change: str) -> Ruleset:
    """Replace a draft's content after validating all of it; nothing is saved on any problem."""
    require_steward(by)
    return _save(_locked_draft(draft), by, content, change)


def _with_rule(
    draft: Ruleset, rule: dict[str, Any], replaces: str | None
) -> tuple[dict[str, Any], str]:
    """The draft's content with `rule` added (replaces=None) or put in place of the rule with
    id `replaces` (TransitionRefused when there is none), and the change in words."""
    rules = copy.deepcopy(list(draft.content.get("rules", [])))
    if replaces is None:
        rules.append(rule)
        change = f"added rule {rule.get('id')}"
    else:
        positions = [i for i, r in enumerate(rules) if r.get("id") == replaces]
        if not positions:
            raise TransitionRefused(f"The draft has no rule {replaces}.")
        rules[positions[0]] = rule
        change = f"changed rule {replaces}"
    return {**draft.content, "rules": rules}, change


def ruleset_rule_problems(
    *, draft: Ruleset, rule: dict[str, Any], replaces: str | None = None
) -> list[engine.RulesetProblem]:
    """Every problem ruleset_rule_save would refuse the rule with, without saving anything
    (the rule form reports them with its own in one round); empty when there is none."""
    content, _ = _with_rule(draft, rule, replaces)
    try:
        _loaded({**content, "version": draft.version})
    except DraftInvalid as invalid:
        return invalid.problems
    return []


@transaction.atomic
def ruleset_rule_save(
    *, draft: Ruleset, by: User, rule: dict[str, Any], replaces: str | None = None
) -> Ruleset:
    """Add a rule (replaces=None) or change the rule with id `replaces`, validating the draft."""
    require_steward(by)
    locked = _locked_draft(draft)
    content, change = _with_rule(locked, rule, replaces)
    return _save(locked, by, content, change)


@transaction.atomic
def ruleset_rule_remove(*, draft: Ruleset, by: User, rule_id: str) -> Ruleset:
    """Remove one rule from a draft."""
    require_steward(by)
    locked = _locked_draft(draft)
    before = list(locked.content.get("rules", []))
    rules = [r for r in before if r.get("id") != rule_id]
    if len(rules) == len(before):
        raise TransitionRefused(f"The draft has no rule {rule_id}.")
    return _save(locked, by, {**locked.content, "rules": rules}, f"removed rule {rule_id}")


def parse_ruleset_file(raw: bytes) -> Any:
    """JSON from an uploaded file (duplicate keys refused), or DraftInvalid saying why not.

    Read through the input gate's parser (decisions.engine.hashable): any depth and any
    integer literal are safe to read; values that cannot be hashed are named by rule id when
    the draft is validated.
    """
    try:
        return parse_json(raw, gate=False)
    except JsonRejected as exc:
        problem = engine.RulesetProblem(None, "file", f"is not a readable JSON file: {exc}")
        raise DraftInvalid([problem]) from exc


def ruleset_upload(*, draft: Ruleset, by: User, raw: bytes) -> Ruleset:
    """Replace a draft's rules by an uploaded ruleset file (its version is the draft's)."""
    return ruleset_draft_save(
        draft=draft, by=by, content=parse_ruleset_file(raw), change="uploaded a file"
    )


# Publishing ----------------------------------------------------------------------------------


APPROVAL_COMMENT_MAX = 5000


def publish_approval(draft: Ruleset, *, publisher: User | None = None) -> RulesetApproval | None:
    """The approval that lets `draft` be published as it is now: a steward's approval of its
    current sha256, by someone other than the publisher (when given). None if there is none."""
    approvals = draft.approvals.filter(sha256=draft.sha256).select_related("approved_by")
    if publisher is not None:
        approvals = approvals.exclude(approved_by=publisher)
    return approvals.first()


# What the publish page reads of an approval and of who approved: every column of the
# approval, the approver's names (sourcing.models.User.get_full_name, username).
APPROVAL_READ: Final = tuple(f.attname for f in RulesetApproval._meta.concrete_fields)
APPROVER_READ: Final = ("id", "username", "first_name", "last_name")


def publish_approvals(
    draft: Ruleset, *, publisher: User
) -> tuple[RulesetApproval | None, RulesetApproval | None]:
    """(publish_approval(draft, publisher=publisher), publish_approval(draft)) in one query:
    the approval that lets `publisher` publish the draft as it is now, and the latest approval
    of it by anyone (each None if there is none), each with who approved read for their names
    (APPROVER_READ). At most two rows are read, whatever the number of approvals; the query
    is compiled once per process, the draft's id and sha256 and the publisher's id its
    parameters (sourcing.compiled_sql)."""

    def build(ruleset_id: int, sha256: str, publisher_id: int) -> Any:
        current = RulesetApproval.objects.filter(ruleset_id=ruleset_id, sha256=sha256)
        first_pk = current.values("pk")[:1]
        first_other_pk = current.exclude(approved_by_id=publisher_id).values("pk")[:1]
        return current.filter(
            Q(pk=Subquery(first_pk)) | Q(pk=Subquery(first_other_pk))
        ).values_list(
            *APPROVAL_READ, *(f"approved_by__{c}" for c in APPROVER_READ)
        )  # the model's order: latest first

    found = compiled(
        "publish-approvals",
        build,
        params={"ruleset_id": draft.pk, "sha256": draft.sha256, "publisher_id": publisher.pk},
    ).instances(RulesetApproval, related=("approved_by",))
    any_approval = found[0] if found else None
    approval = next((a for a in found if a.approved_by_id != publisher.pk), None)
    return approval, any_approval


def _changed_by(draft: Ruleset, by: User) -> bool:
    """Whether `by` changed the draft (its ruleset.draft_changed events): an editor's approval
    would be their own eyes twice."""
    return AuditEvent.objects.filter(
        object_type="ruleset",
        object_id=draft.version,
        action="ruleset.draft_changed",
        actor=by.get_username(),
    ).exists()


@transaction.atomic
def ruleset_approve(*, draft: Ruleset, by: User, sha256: str, comment: str = "") -> RulesetApproval:
    """A second steward approves the exact draft they read (`sha256`, as the page or API showed
    it) for publication. Four eyes: the steward who started the draft, or changed it, cannot
    approve it; a
    draft changed since it was read is refused (409), never approved unseen. Audited as
    ruleset.approved with the hash."""
    require_steward(by)
    text = comment.strip() if isinstance(comment, str) else ""
    if len(text) > APPROVAL_COMMENT_MAX or "\x00" in text:
        raise ValidationFailed(
            {"comment": [f"The comment must be {APPROVAL_COMMENT_MAX:,} characters or fewer"]}
        )
    locked = Ruleset.objects.select_for_update(of=("self",)).get(pk=draft.pk)
    require_draft(locked)
    if locked.created_by_id == by.pk:
        raise TransitionRefused(
            f"You started draft {locked.version}: another ruleset steward must approve it."
        )
    if _changed_by(locked, by):
        raise TransitionRefused(
            f"You changed draft {locked.version}: a ruleset steward who has not changed it "
            "must approve it."
        )
    if not isinstance(sha256, str) or sha256 != locked.sha256:
        raise TransitionRefused(
            f"Draft {locked.version} has changed since you read it: read it again, then approve."
        )
    approval = RulesetApproval.objects.create(
        ruleset=locked, sha256=locked.sha256, approved_by=by, comment=text
    )
    audit_on("ruleset", locked.version, "ruleset.approved", by, sha256=locked.sha256, comment=text)
    return approval


@transaction.atomic
def ruleset_publish(*, draft: Ruleset, by: User, change_summary: str) -> Ruleset:
    """Publish a draft as the current version, if every golden case in the database passes
    and another steward approved this exact draft (its sha256; ruleset_approve).

    The current version's row and the draft's row are locked, so of two stewards publishing at
    once the second waits, then finds the draft published or its base no longer current.
    """
    require_steward(by)
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
    approval = publish_approval(locked, publisher=by)
    if approval is None:
        raise TransitionRefused(
            f"Another ruleset steward must approve draft {locked.version} as it is now before "
            "it is published (four eyes); an approval of an earlier version of the draft, or "
            "your own, does not count."
        )
    cases = golden_cases_engine()
    if not cases:
        raise TransitionRefused("There are no golden cases: add them before publishing.")
    loaded = _loaded(locked.content)
    report = engine.run_golden_cases(loaded, cases)
    if not report.passed:
        failed = ", ".join(r.case_id for r in report.failures)
        count = len(report.failures)
        cases_fail = "golden case does not pass" if count == 1 else "golden cases do not pass"
        raise TransitionRefused(f"{count} {cases_fail} ({failed}); nothing was published.")
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
    audit_on(
        "ruleset",
        locked.version,
        "ruleset.published",
        by,
        sha256=locked.sha256,
        based_on=current.version if current else None,
        change_summary=summary,
        golden_cases={"total": len(report.results), "passed": True},
        approved_by=approval.approved_by.get_username(),
        approved_sha256=approval.sha256,
    )
    return locked


def _version_taken(version: str, existing: Ruleset) -> str:
    """Why the shipped default cannot be published under its version, and what to do."""
    if existing.published_at is not None:
        who = existing.published_by.get_username() if existing.published_by else "the system"
        what = f"was published by {who} on {existing.published_at:%d %B %Y}"
    else:
        who = existing.created_by.get_username() if existing.created_by else "a steward"
        what = f"is a draft of {who}'s"
    return (
        f"The shipped default ruleset {version} was not published: a version {version} "
        f"already exists with other content (it {what}). The current version stays in use. "
        "To adopt the shipped rules, start a draft under a new version, upload "
        "decisions/engine/data/default.json into it (it takes the draft's version) and publish it."
    )


@transaction.atomic
def ruleset_publish_default(
    *,
    by: User | None = None,
    ruleset_path: Path | None = None,
    golden_path: Path | None = None,
    change_summary: str = "The shipped default ruleset.",
) -> Ruleset:
    """Store the shipped default ruleset as a published version, once (idempotent).

    `ruleset_path` and `golden_path` name another shipped ruleset file and the golden cases it
    must pass (None: the shipped default and its golden cases; the demo's history starts with
    engine.RULESET_2026_1_PATH and engine.GOLDEN_CASES_2026_1_PATH). Refuses
    (TransitionRefused) when its version is already stored with other content (a steward
    published or drafted that version: the message says whose and what to do), or when it fails
    those golden cases.
    """
    loaded = (
        engine.default_ruleset() if ruleset_path is None else engine.load_ruleset_file(ruleset_path)
    )
    existing = (
        Ruleset.objects.select_related("published_by", "created_by")
        .filter(version=loaded.version)
        .first()
    )
    if existing is not None:
        if existing.sha256 != loaded.sha256:
            raise TransitionRefused(_version_taken(loaded.version, existing))
        return existing
    report = engine.run_golden_cases(loaded, engine.load_golden_cases(golden_path))
    if not report.passed:
        count = len(report.failures)
        raise TransitionRefused(
            f"Ruleset {loaded.version} fails {count} golden case{'' if count == 1 else 's'}."
        )
    ruleset = Ruleset.objects.create(
        version=loaded.version,
        sha256=loaded.sha256,
        content=loaded.to_dict(),
        change_summary=change_summary,
        published_at=timezone.now(),
        published_by=by,
        golden_result=report.to_dict(),
    )
    audit_on("ruleset", ruleset.version, "ruleset.published", by, sha256=ruleset.sha256)
    return ruleset


# Golden cases --------------------------------------------------------------------------------

DOCUMENTATION: Final = ("sources", "basis", "revision")


def _golden_errors(code: str, title: str, raw: Mapping[str, Any]) -> dict[str, list[str]]:
    """Every problem of a golden case, keyed by field (answers.<key>, expected.<field>,
    sources, basis, revision, code, title)."""
    errors: dict[str, list[str]] = {}
    if not CODE_PATTERN.match(code):
        errors["code"] = ["Enter a code of letters, numbers, - or _ (up to 40), like G48"]
    if not title.strip():
        errors["title"] = ["Enter a title"]
    elif len(title) > TITLE_MAX:
        errors["title"] = [f"The title must be {TITLE_MAX} characters or fewer"]
    try:
        engine.load_golden_cases([{"id": code or "new", **raw}])
    except engine.GoldenCaseError as exc:
        for problem in exc.problems:
            _, _, rest = problem.partition(": ")
            name, _, message = rest.partition(": ")
            key = name if name.startswith(("answers", "expected", *DOCUMENTATION)) else "expected"
            errors.setdefault(key, []).append(f"{name}: {message}")
    return errors


def _documentation(
    sources: list[str] | None, basis: str, revision: Mapping[str, Any] | None
) -> dict[str, Any]:
    """A golden case's documentation as the engine reads it (only what is given)."""
    given: dict[str, Any] = {}
    if sources:
        given["sources"] = sources
    if basis.strip():
        given["basis"] = basis.strip()
    if revision is not None:
        given["revision"] = revision
    return given


@dataclass(frozen=True)
class GoldenCaseDraft:
    """A golden case as a steward enters it, before it is validated or saved.

    code (ignored when changing a stored case: its code stays), title, answers and expected
    (the engine's golden-case shapes, any JSON value until validated); sources (addresses or
    references), basis (why the expected outcome is right) and revision ({"reason", and, for
    a shipped case, "in" and "previously"}) document it.
    """

    code: str
    title: str
    answers: Any
    expected: Any
    sources: list[str] | None = None
    basis: str = ""
    revision: Mapping[str, Any] | None = None


def golden_case_problems(
    draft: GoldenCaseDraft, *, golden: GoldenCase | None = None
) -> dict[str, list[str]]:
    """Every problem golden_case_save would refuse the golden case with, by field, without
    saving anything (the golden-case form reports them with its own in one round)."""
    code = golden.code if golden is not None else draft.code.strip()
    raw = {
        "answers": draft.answers,
        "expected": draft.expected,
        **_documentation(draft.sources, draft.basis, draft.revision),
    }
    errors = _golden_errors(code, draft.title, raw)
    if golden is None and code and GoldenCase.objects.filter(code=code).exists():
        errors.setdefault("code", []).append(f"A golden case {code} already exists")
    return errors


@transaction.atomic
def golden_case_save(
    *,
    by: User,
    draft: GoldenCaseDraft,
    golden: GoldenCase | None = None,
    source_case: Case | None = None,
    origin: Mapping[str, Any] | None = None,
) -> GoldenCase:
    """Create a golden case, or change one (its code stays), after validating it whole.

    The draft's sources, basis and revision document it; the expected outcome may name
    options also acceptable (with acceptable_because) and whether the result must be too
    close to call. `origin`, when given, is added to the audit event (what the case was made
    from, e.g. an outcome review). Raises ValidationFailed naming every bad field.
    """
    require_steward(by)
    code = golden.code if golden is not None else draft.code.strip()
    documentation = _documentation(draft.sources, draft.basis, draft.revision)
    errors = golden_case_problems(draft, golden=golden)
    if errors:
        raise ValidationFailed(errors)
    fields = {
        "title": draft.title.strip(),
        "answers": draft.answers,
        "expected": draft.expected,
        "sources": documentation.get("sources", []),
        "basis": documentation.get("basis", ""),
        "revision": documentation.get("revision"),
    }
    if golden is None:
        try:
            with transaction.atomic():
                golden = GoldenCase.objects.create(
                    code=code, source_case=source_case, created_by=by, **fields
                )
        except IntegrityError as exc:
            raise ValidationFailed({"code": [f"A golden case {code} already exists"]}) from exc
        action = "golden_case.created"
    else:
        golden = GoldenCase.objects.select_for_update().get(pk=golden.pk)
        for name, value in fields.items():
            setattr(golden, name, value)
        golden.save(update_fields=[*fields, "updated_at"])
        action = "golden_case.changed"
    audit_on(
        "golden_case",
        golden.code,
        action,
        by,
        title=golden.title,
        expected=draft.expected,
        source_case=source_case.reference if source_case else None,
        revision=(golden.revision or {}).get("reason"),
        **({"origin": dict(origin)} if origin else {}),
    )
    return golden


@dataclass(frozen=True)
class GoldenImport:
    """What storing a file of golden cases did, by code: cases added, cases updated to the
    file's version, and cases a steward has edited, left as the steward made them."""

    created: tuple[str, ...]
    updated: tuple[str, ...]
    kept: tuple[str, ...]

    def __str__(self) -> str:
        kept = f" ({', '.join(self.kept)})" if self.kept else ""
        return (
            f"{len(self.created)} golden cases added, {len(self.updated)} updated to the shipped "
            f"version, {len(self.kept)} kept as a steward edited them{kept}"
        )


def _stored_case(row: GoldenCase) -> engine.GoldenCase | None:
    """A stored golden case as the engine reads it (None if it no longer loads)."""
    try:
        return engine.load_golden_cases([golden_case_data(row)])[0]
    except engine.GoldenCaseError:
        return None


def _unedited(row: GoldenCase, stored: engine.GoldenCase | None, case: engine.GoldenCase) -> bool:
    """True when a stored row is a shipped case as shipped: it still matches the shipped case
    it was stored from, or, stored before rows recorded that (no shipped_sha256, nobody made
    it), it says what this case or the version before its revision says."""
    if stored is None:
        return False
    if row.shipped_sha256:
        return engine.case_sha256(stored) == row.shipped_sha256
    if row.created_by_id is not None:
        return False
    said = engine.case_sha256(stored, documented=False)
    before = engine.previous_case(case)
    return said == engine.case_sha256(case, documented=False) or (
        before is not None and said == engine.case_sha256(before, documented=False)
    )


def golden_cases_import(data: Any = None) -> GoldenImport:
    """Store the golden cases of a file (the shipped one by default); safe to run again.

    A missing case is added. A stored case that is as it was shipped is updated to the file's
    version (a new release may revise its expected outcome, with the reason in its revision
    note), each update appended to the audit chain as golden_case.updated; a case a steward
    has edited is kept as the steward made it, and listed in the result.
    """
    cases = engine.load_golden_cases(data)
    created: list[str] = []
    updated: list[str] = []
    kept: list[str] = []
    with transaction.atomic():
        rows = {row.code: row for row in GoldenCase.objects.select_for_update()}
        for case in cases:
            shipped = engine.case_sha256(case)
            raw = case.to_dict()
            fields = {
                "title": case.title,
                "answers": raw["answers"],
                "expected": raw["expected"],
                "sources": raw.get("sources", []),
                "basis": raw.get("basis", ""),
                "revision": raw.get("revision"),
                "shipped_sha256": shipped,
            }
            row = rows.get(case.id)
            if row is None:
                GoldenCase.objects.create(code=case.id, **fields)
                created.append(case.id)
                continue
            stored = _stored_case(row)
            if stored is not None and engine.case_sha256(stored) == shipped:
                if row.shipped_sha256 != shipped:  # as shipped: remember it
                    row.shipped_sha256 = shipped
                    row.save(update_fields=["shipped_sha256"])
                continue
            if not _unedited(row, stored, case):
                kept.append(case.id)
                continue
            previous = row.expected
            for name, value in fields.items():
                setattr(row, name, value)
            row.save(update_fields=[*fields, "updated_at"])
            updated.append(case.id)
            audit_append(
                action="golden_case.updated",
                object_type="golden_case",
                object_id=case.id,
                payload={
                    "previously": previous,
                    "expected": raw["expected"],
                    "reason": (case.revision or {}).get("reason", ""),
                },
            )
        if created:
            audit_append(
                action="golden_case.imported",
                object_type="golden_case",
                payload={"created": len(created)},
            )
    return GoldenImport(tuple(created), tuple(updated), tuple(kept))


@dataclass(frozen=True)
class ShippedRules:
    """What installing the shipped rules did: why the default ruleset was not published (None
    when it was, or already was), and what storing the shipped golden cases did."""

    refused: str | None
    golden: GoldenImport


def ruleset_install_shipped() -> ShippedRules:
    """Install the rules a release ships (safe to run on every deploy): publish the default
    ruleset unless its version is taken by other rules (then the current version stays in use
    and `refused` says whose it is and what to do), and store the shipped golden cases
    (golden_cases_import). Raises TransitionRefused only when nothing at all is published."""
    refused = None
    try:
        ruleset_publish_default()
    except TransitionRefused as exc:
        if Ruleset.objects.current() is None:
            raise
        refused = str(exc)
    return ShippedRules(refused, golden_cases_import())
