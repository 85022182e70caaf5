"""Assessment services: pinned to the ruleset, every missing answer named, identical replay."""

from __future__ import annotations

import copy
import json
import re

import pytest

from decisions import engine
from decisions.assessments.models import Assessment
from decisions.assessments.selectors import assessment_for_replay, assessment_sha256
from decisions.assessments.services import assessment_replay, assessment_run
from decisions.cases.services import (
    case_create,
)
from decisions.rulesets.models import Ruleset
from sourcing.errors import TransitionRefused, ValidationFailed
from sourcing.models import User
from tests.factories import complete_answers, golden_answers


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


def test_an_assessment_stores_the_hash_of_what_it_holds_as_read_back(
    users: dict[str, User], ruleset: Ruleset
) -> None:
    # The stored hash is assessment_sha256 of the assessment as the database gives it back
    # (what the sign-off pages showed and the sign-off service compared before it was stored),
    # for answers with a close call, floats in the scores and each kind of winner.
    user = users["commercial"]
    hashes = set()
    for golden in ("G04", "G24", "G27", "G38", "G41"):
        case = case_create(by=user, title=f"Case {golden}", answers=golden_answers(golden))
        made = assessment_run(case=case, by=user)
        read_back = Assessment.objects.get(pk=made.pk)
        assert read_back.sha256 == made.sha256 == assessment_sha256(read_back)
        assert re.fullmatch("[0-9a-f]{64}", made.sha256)
        hashes.add(made.sha256)
    assert len(hashes) == 5


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


def test_a_replay_read_without_its_ruleset_s_content_is_identical_and_checked(
    users: dict[str, User], ruleset: Ruleset
) -> None:
    # The replay page reads the pinned ruleset by its content's MD5 (compiled once): the
    # same replay, and content changed behind the service's back is refused.
    user = users["commercial"]
    case = case_create(by=user, title="Case", answers=complete_answers())
    assessment = assessment_run(case=case, by=user)
    read = assessment_for_replay(user, assessment.pk)
    assert read is not None and "content" not in read.ruleset.__dict__
    replay = assessment_replay(assessment=read, mode="pinned")
    assert replay == assessment_replay(assessment=assessment, mode="pinned")
    assert replay.identical
    content = copy.deepcopy(assessment.ruleset.content)
    content["rules"][0]["description"] = "Changed behind the service's back."
    Ruleset.objects.filter(pk=assessment.ruleset_id).update(content=content)
    tampered = assessment_for_replay(user, assessment.pk)
    assert tampered is not None
    with pytest.raises(TransitionRefused, match="does not match its recorded hash"):
        assessment_replay(assessment=tampered, mode="pinned")
