"""Ruleset reads: the current version compiled for the engine, read again whenever what is
stored changes."""

from __future__ import annotations

import copy

import pytest

from decisions.rulesets.models import Ruleset
from decisions.rulesets.selectors import current_engine_ruleset, engine_ruleset
from decisions.rulesets.services import (
    golden_cases_import,
    ruleset_draft_create,
    ruleset_publish,
    ruleset_publish_default,
    ruleset_rule_save,
)
from sourcing.errors import TransitionRefused
from sourcing.models import User
from tests.factories import second_steward_approves


def test_there_is_no_current_engine_ruleset_until_one_is_published(db: None) -> None:
    assert current_engine_ruleset() is None
    published = ruleset_publish_default()
    compiled = current_engine_ruleset()
    assert compiled is not None
    assert compiled.sha256 == published.sha256 == engine_ruleset(published).sha256


def test_a_newly_published_version_is_the_current_engine_ruleset_at_once(
    users: dict[str, User],
) -> None:
    first = ruleset_publish_default()
    golden_cases_import()
    assert current_engine_ruleset().sha256 == first.sha256  # type: ignore[union-attr]
    steward = users["steward"]
    draft = ruleset_draft_create(by=steward, version="2026.3")
    rule = copy.deepcopy(next(r for r in draft.content["rules"] if r["id"] == "R02"))
    rule["description"] = "Reworded, the same effect."
    draft = ruleset_rule_save(draft=draft, by=steward, rule=rule, replaces="R02")
    second_steward_approves(draft)
    ruleset_publish(draft=Ruleset.objects.get(pk=draft.pk), by=steward, change_summary="Words")
    compiled = current_engine_ruleset()
    assert compiled is not None and compiled.sha256 == draft.sha256 != first.sha256
    assert compiled.version == "2026.3"


def test_stored_content_changed_behind_the_service_s_back_is_refused_once_compiled(
    db: None,
) -> None:
    published = ruleset_publish_default()
    assert current_engine_ruleset() is not None  # compiled and kept in this process
    content = copy.deepcopy(published.content)
    content["rules"][0]["description"] = "Changed behind the service's back."
    Ruleset.objects.filter(pk=published.pk).update(content=content)
    with pytest.raises(TransitionRefused, match="does not match its recorded hash"):
        current_engine_ruleset()
