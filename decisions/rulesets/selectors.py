"""Reads of rulesets: the compiled engine ruleset of a stored version, versions, drafts,
golden cases and their results, and the look-ups the pages make."""

from __future__ import annotations

import functools
import json
from typing import Any

from django.db.models import QuerySet

from decisions import engine
from decisions.rulesets.models import GoldenCase, Ruleset, RulesetRun
from sourcing.errors import TransitionRefused
from sourcing.models import Case, CaseStatus


@functools.lru_cache(maxsize=32)
def _compiled(sha256: str, content_json: str) -> engine.Ruleset:
    ruleset = engine.load_ruleset(json.loads(content_json))
    if ruleset.sha256 != sha256:
        raise TransitionRefused(f"Ruleset content does not match its recorded hash {sha256[:12]}…")
    return ruleset


def engine_ruleset(ruleset: Ruleset) -> engine.Ruleset:
    """The compiled engine ruleset of a stored version (cached; checked against its hash).

    Raises TransitionRefused when the stored content no longer matches its recorded sha256.
    """
    return _compiled(ruleset.sha256, json.dumps(ruleset.content, sort_keys=True))


def current_ruleset() -> Ruleset | None:
    """The version new assessments use: the latest published one."""
    return Ruleset.objects.current()


def rulesets_published() -> list[Ruleset]:
    """Published versions, newest first."""
    return list(
        Ruleset.objects.published()
        .select_related("published_by", "based_on")
        .order_by("-published_at", "-pk")
    )


def ruleset_drafts() -> list[Ruleset]:
    """Drafts, newest first."""
    return list(
        Ruleset.objects.drafts()
        .select_related("based_on", "created_by")
        .order_by("-created_at", "-pk")
    )


def ruleset_drafts_listed() -> QuerySet[Ruleset]:
    """Drafts, newest first, without their content and golden run, with who started them (a
    list to count and slice: the steward's home page)."""
    return (
        Ruleset.objects.filter(published_at__isnull=True)
        .defer("content", "golden_result")
        .select_related("created_by")
        .order_by("-created_at", "-pk")
    )


def ruleset_by_version(version: str) -> Ruleset | None:
    """A version (draft or published) with who published, started and based it."""
    return (
        Ruleset.objects.select_related("published_by", "based_on", "created_by")
        .filter(version=version)
        .first()
    )


def draft_by_version(version: str) -> Ruleset | None:
    """A draft by its version, or None (a published version is not a draft)."""
    return (
        Ruleset.objects.drafts()
        .select_related("based_on", "created_by")
        .filter(version=version)
        .first()
    )


def golden_cases() -> list[GoldenCase]:
    """Every golden case, by code, with the case it was made from."""
    return list(GoldenCase.objects.select_related("source_case").order_by("code"))


def golden_case_by_code(code: str) -> GoldenCase | None:
    """One golden case by its code, or None."""
    return GoldenCase.objects.filter(code=code).first()


def golden_case_data(golden: GoldenCase) -> dict[str, Any]:
    """A stored golden case in the file format the engine reads (documentation when given)."""
    data = {
        "id": golden.code,
        "title": golden.title,
        "answers": golden.answers,
        "expected": golden.expected,
    }
    if golden.sources:
        data["sources"] = golden.sources
    if golden.basis:
        data["basis"] = golden.basis
    if golden.revision is not None:
        data["revision"] = golden.revision
    return data


def golden_cases_engine() -> tuple[engine.GoldenCase, ...]:
    """Every golden case in the database, as engine golden cases."""
    return engine.load_golden_cases(
        [golden_case_data(g) for g in GoldenCase.objects.order_by("code")]
    )


def ruleset_golden_run(ruleset: Ruleset) -> engine.GoldenReport:
    """Run every golden case in the database against a stored ruleset (draft or published)."""
    return engine.run_golden_cases(engine_ruleset(ruleset), golden_cases_engine())


def canonical_file(ruleset: Ruleset) -> bytes:
    """The canonical JSON file of a stored ruleset (the bytes its sha256 is taken over)."""
    return engine_ruleset(ruleset).canonical_json()


def latest_impact(draft: Ruleset) -> RulesetRun | None:
    """The latest impact preview run of a draft, if any."""
    return RulesetRun.objects.filter(ruleset=draft, kind=RulesetRun.Kind.IMPACT).first()


# The cases a golden case may be made from: those the Centre of Excellence has decided. A
# steward never reads a department's draft, a case still in review, or a withdrawn one.
GOLDEN_SOURCE_STATUSES = (CaseStatus.APPROVED, CaseStatus.REJECTED)


def golden_source_case(reference: str) -> Case | None:
    """A decided case (approved or rejected) to make a golden case from, by reference; None
    for any other case, whichever department's, exactly as for one that does not exist."""
    return Case.objects.filter(reference=reference, status__in=GOLDEN_SOURCE_STATUSES).first()


def case_answers_for_golden(case: Case) -> dict[str, Any]:
    """The answers a golden case made from a case takes: its latest assessment's, else its own."""
    latest = case.assessments.newest_first().first()
    return dict(latest.answers if latest else case.answers)
