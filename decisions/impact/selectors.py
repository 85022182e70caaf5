"""Reads of the impact preview and replay runs."""

from __future__ import annotations

from decisions.rulesets.models import RulesetRun
from sourcing.compiled_sql import compiled
from sourcing.jobs import JobStatus


def latest_replay() -> RulesetRun | None:
    """The latest finished replay of approved decisions."""
    return (
        RulesetRun.objects.filter(kind=RulesetRun.Kind.REPLAY, status=JobStatus.DONE)
        .order_by("-finished_at", "-pk")
        .first()
    )


def decisions_flagged_by_replay() -> set[int]:
    """Ids of decision records whose recommendation the latest replay found would change: the
    latest replay's result alone (latest_replay's query, its SQL compiled once per process)."""
    found = compiled(
        "latest-replay-result",
        lambda: (
            RulesetRun.objects.filter(kind=RulesetRun.Kind.REPLAY, status=JobStatus.DONE)
            .order_by("-finished_at", "-pk")
            .values_list("result")[:1]
        ),
    ).rows()
    if not found:
        return set()
    return {item["record_id"] for item in found[0][0].get("items", [])}


# The rulesets of a run as its pages name them: their rules and golden runs (about 50 KB of
# JSON a version) left in the database.
_RULESETS_DEFERRED = (
    "ruleset__content",
    "ruleset__golden_result",
    "baseline__content",
    "baseline__golden_result",
)


def run_of_kind(pk: int, kind: str) -> RulesetRun | None:
    """A run of the given kind ("impact" or "replay") with its rulesets (without their
    content and golden runs), or None."""
    return (
        RulesetRun.objects.select_related("ruleset", "baseline", "created_by")
        .defer(*_RULESETS_DEFERRED)
        .filter(pk=pk, kind=kind)
        .first()
    )


def replay_runs(limit: int = 10) -> list[RulesetRun]:
    """The latest replays of approved decisions, newest first, with the version each ran
    under (without its content and golden run)."""
    runs = (
        RulesetRun.objects.filter(kind=RulesetRun.Kind.REPLAY)
        .select_related("ruleset", "created_by")
        .defer(*_RULESETS_DEFERRED[:2])
    )
    return list(runs[:limit])
