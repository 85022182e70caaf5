"""Assessment reads: a case's latest assessment as its pages summarise it."""

from __future__ import annotations

from decisions.assessments.selectors import (
    assessment_sha256,
    current_assessment_sha256,
    latest_assessment,
    latest_assessment_summary,
)
from decisions.assessments.services import assessment_run
from decisions.cases.services import case_create, case_update
from sourcing.models import User
from tests.factories import complete_answers, golden_answers


def test_the_summary_is_the_latest_assessment_with_its_recommendation_close_call_and_checks(
    ruleset: None, users: dict[str, User]
) -> None:
    owner = users["commercial"]
    case = case_create(by=owner, title="Summary", answers=complete_answers())
    first = assessment_run(case=case, by=owner)
    assert latest_assessment_summary(case).pk == first.pk  # type: ignore[union-attr]
    case_update(case=case, by=owner, answers=golden_answers("G41"))  # a close call
    assessment_run(case=case, by=owner)
    full = latest_assessment(case)
    summary = latest_assessment_summary(case)
    assert full is not None and summary is not None and summary.pk != first.pk
    assert (summary.pk, summary.answers_version, summary.recommended) == (
        full.pk,
        full.answers_version,
        full.recommended,
    )
    assert (summary.ruleset_version, summary.created_at) == (full.ruleset_version, full.created_at)
    assert summary.sha256 == full.sha256 == assessment_sha256(full)
    assert summary.result == {
        "recommended": full.result["recommended"],
        "close_call": full.result["close_call"],
        "policy_checks": full.result["policy_checks"],
    }
    assert summary.result["close_call"] is not None and summary.result["policy_checks"]


def test_a_case_never_assessed_has_no_summary(users: dict[str, User]) -> None:
    case = case_create(by=users["commercial"], title="Not assessed")
    assert latest_assessment_summary(case) is None


def test_the_current_hash_is_the_latest_assessment_s_stored_one_until_the_answers_change(
    ruleset: None, users: dict[str, User]
) -> None:
    owner = users["commercial"]
    case = case_create(by=owner, title="Hash", answers=complete_answers())
    assert current_assessment_sha256(case) is None  # never assessed
    assessment = assessment_run(case=case, by=owner)
    assert current_assessment_sha256(case) == assessment.sha256 == assessment_sha256(assessment)
    case = case_update(case=case, by=owner, answers=golden_answers("G41"))
    assert current_assessment_sha256(case) is None  # the latest is of the answers before
