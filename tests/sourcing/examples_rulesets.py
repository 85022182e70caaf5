"""Route matrix examples for ruleset governance (issue 9)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sourcing.models import User


def _published(users: dict[str, User]) -> dict[str, dict[str, Any]]:
    from decisions.rulesets.services import ruleset_publish_default

    return {"own": {"version": ruleset_publish_default().version}}


def _draft(users: dict[str, User]) -> Any:
    from decisions.rulesets.services import ruleset_draft_create, ruleset_publish_default

    ruleset_publish_default()
    return ruleset_draft_create(by=users["steward"], version="2099.1")


def _by_draft(users: dict[str, User]) -> dict[str, dict[str, Any]]:
    return {"own": {"version": _draft(users).version}}


def _by_rule(users: dict[str, User]) -> dict[str, dict[str, Any]]:
    draft = _draft(users)
    return {"own": {"version": draft.version, "rule_id": draft.content["rules"][0]["id"]}}


def _impact_run(users: dict[str, User]) -> dict[str, dict[str, Any]]:
    from decisions.impact.services import ruleset_impact_start

    run = ruleset_impact_start(draft=_draft(users), by=users["steward"])
    return {"own": {"run_id": run.pk}}


def _replay_run(users: dict[str, User]) -> dict[str, dict[str, Any]]:
    from decisions.impact.services import ruleset_replay_start, ruleset_run_execute
    from decisions.rulesets.services import ruleset_publish_default

    ruleset_publish_default()
    run = ruleset_replay_start(by=users["reviewer"])
    ruleset_run_execute(run_id=run.pk)
    return {"own": {"run_id": run.pk}}


def _golden(users: dict[str, User]) -> dict[str, dict[str, Any]]:
    from decisions.rulesets.services import golden_cases_import

    golden_cases_import()
    return {"own": {"code": "G01"}}


EXAMPLES: dict[str, Callable[[dict[str, User]], dict[str, dict[str, Any]]]] = {
    "ruleset_detail": _published,
    "ruleset_download": _published,
    "api:ruleset": _published,
    "ruleset_rule_add": _by_draft,
    "ruleset_upload": _by_draft,
    "ruleset_diff": _by_draft,
    "ruleset_impact": _by_draft,
    "ruleset_publish": _by_draft,
    "ruleset_rule_edit": _by_rule,
    "ruleset_rule_remove": _by_rule,
    "ruleset_impact_run": _impact_run,
    "ruleset_replay_run": _replay_run,
    "ruleset_replay_csv": _replay_run,
    "golden_edit": _golden,
}
