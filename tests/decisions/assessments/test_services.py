"""Assessment services: pinned to the ruleset, every missing answer named, identical replay."""

from __future__ import annotations

import json

import pytest

from decisions import engine
from decisions.assessments.models import Assessment
from decisions.assessments.services import assessment_replay, assessment_run
from decisions.cases.services import (
    case_create,
)
from sourcing.errors import ValidationFailed
from sourcing.models import User
from tests.factories import complete_answers


def test_an_assessment_is_pinned_to_the_ruleset_and_matches_the_engine(
    users: dict[str, User], ruleset
) -> None:  # type: ignore[no-untyped-def]
    user = users["commercial"]
    case = case_create(by=user, title="Case", answers=complete_answers())
    assessment = assessment_run(case=case, by=user)
    assert assessment.ruleset_version == ruleset.version
    assert assessment.ruleset_sha256 == ruleset.sha256 == engine.default_ruleset().sha256
    expected = engine.assess(complete_answers(), engine.default_ruleset()).to_dict()
    assert assessment.result == json.loads(json.dumps(expected))


def test_assessing_incomplete_answers_lists_every_missing_key(
    users: dict[str, User], ruleset
) -> None:  # type: ignore[no-untyped-def]
    case = case_create(by=users["commercial"], title="Case", answers={"criticality": "low"})
    with pytest.raises(ValidationFailed) as caught:
        assessment_run(case=case, by=users["commercial"])
    assert "months_to_live" in caught.value.errors and "criticality" not in caught.value.errors
    assert len(caught.value.errors) == len(engine.schema.REQUIRED_KEYS) - 1
    assert not Assessment.objects.exists()


def test_a_pinned_replay_is_identical(users: dict[str, User], ruleset) -> None:  # type: ignore[no-untyped-def]
    case = case_create(by=users["commercial"], title="Case", answers=complete_answers())
    assessment = assessment_run(case=case, by=users["commercial"])
    replay = assessment_replay(assessment=assessment, mode="pinned")
    assert replay.identical and replay.differences == ()
    assert assessment_replay(assessment=assessment, mode="current").identical
