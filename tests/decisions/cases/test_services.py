"""Case services: creation, changes, sign-offs, submission and the state machine."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from decisions.assessments.services import assessment_run
from decisions.cases.services import (
    NO_CURRENT_ASSESSMENT,
    SIGNOFF_MISSING,
    SIGNOFF_STALE,
    SRO_MISSING,
    case_create,
    case_submit,
    case_update,
    case_withdraw,
    signoff_record,
    submission_blockers,
)
from sourcing.errors import TransitionRefused, ValidationFailed
from sourcing.models import CASE_TRANSITIONS, Case, CaseStatus, User
from tests.conftest import service_missing
from tests.factories import complete_answers, ready_case


def test_a_case_gets_a_reference_and_starts_as_a_draft(users: dict[str, User]) -> None:
    case = case_create(by=users["commercial"], title="  Hosting migration  ")
    assert case.reference.startswith("SRC-") and case.reference.endswith("-0001")
    assert case.title == "Hosting migration"
    assert case.status == CaseStatus.DRAFT
    assert case.department == users["commercial"].department
    assert list(case.status_changes.values_list("to_status", flat=True)) == ["draft"]
    assert case_create(by=users["commercial"], title="Second").reference.endswith("-0002")


def test_bad_input_names_every_field_and_saves_nothing(users: dict[str, User]) -> None:
    with pytest.raises(ValidationFailed) as caught:
        case_create(
            by=users["commercial"],
            title="x" * 201,
            answers={"credible_suppliers": -1, "colour": "blue", "differentiation": "odd"},
        )
    assert set(caught.value.errors) == {
        "title",
        "credible_suppliers",
        "answers.colour",
        "differentiation",
    }
    assert not Case.objects.exists()


def test_null_characters_are_refused_by_name(users: dict[str, User]) -> None:
    # PostgreSQL cannot store them: refusing them up front avoids a 500 (found by Hypothesis).
    with pytest.raises(ValidationFailed) as caught:
        case_create(by=users["commercial"], title="\x00")
    assert caught.value.errors == {"title": ["Title must not contain null characters"]}


def test_explanations_are_keyed_by_policy_checks(users: dict[str, User]) -> None:
    case = case_create(by=users["commercial"], title="Case")
    with pytest.raises(ValidationFailed) as caught:
        case_update(case=case, by=users["commercial"], explanations={"colour": "red"})
    assert "explanations" in caught.value.errors


def test_only_department_users_create_cases(users: dict[str, User]) -> None:
    for role in ("reviewer", "auditor", "steward", "admin"):
        with pytest.raises(TransitionRefused):
            case_create(by=users[role], title="Not mine")


def test_changing_answers_makes_sign_offs_stale(users: dict[str, User]) -> None:
    user = users["commercial"]
    case = case_create(by=user, title="Identity service", answers={"criticality": "high"})
    signoff = signoff_record(case=case, by=user, discipline="legal", name="Lee Gal")
    case = case_update(case=case, by=user, answers={"criticality": "critical"})
    signoff.refresh_from_db()
    assert signoff.is_stale
    stale = [b for b in submission_blockers(case) if b.code == SIGNOFF_STALE]
    assert [(b.concerns, b.message) for b in stale] == [
        ("legal", "Get the legal sign-off again: the case changed after it was signed")
    ]


def test_a_null_answer_removes_it(users: dict[str, User]) -> None:
    user = users["commercial"]
    case = case_create(by=user, title="Clear", answers={"criticality": "high", "months_to_live": 9})
    case = case_update(case=case, by=user, answers={"months_to_live": None})
    assert case.answers == {"criticality": "high"}
    assert case.answers_version == 2


def test_the_same_answers_again_change_nothing(users: dict[str, User]) -> None:
    user = users["commercial"]
    case = case_create(by=user, title="Same", answers={"criticality": "high"})
    again = case_update(case=case, by=user, answers={"criticality": "high"})
    assert again.answers_version == case.answers_version


def test_submission_needs_assessment_explanations_sign_offs_and_sro(
    users: dict[str, User], ruleset
) -> None:  # type: ignore[no-untyped-def]
    user = users["commercial"]
    case = case_create(by=user, title="Case", answers=complete_answers())
    with pytest.raises(TransitionRefused, match="Get a recommendation") as refused:
        case_submit(case=case, by=user)
    codes = [(b.code, b.concerns) for b in refused.value.blockers]
    assert codes[0] == (NO_CURRENT_ASSESSMENT, "assessment")
    assert (SIGNOFF_MISSING, "commercial") in codes and (SRO_MISSING, "sro_name") in codes
    case.refresh_from_db()
    assert case.status == CaseStatus.DRAFT
    ready = ready_case(user)
    assert submission_blockers(ready) == []
    submitted = case_submit(case=ready, by=user)
    assert submitted.status == CaseStatus.SUBMITTED


def test_a_submitted_case_is_read_only(users: dict[str, User], ruleset) -> None:  # type: ignore[no-untyped-def]
    user = users["commercial"]
    case = case_submit(case=ready_case(user), by=user)
    with pytest.raises(TransitionRefused, match="submitted and cannot be changed"):
        case_update(case=case, by=user, title="New title")
    with pytest.raises(TransitionRefused):
        signoff_record(case=case, by=user, discipline="legal", name="Late")
    with pytest.raises(TransitionRefused):
        assessment_run(case=case, by=user)
    with pytest.raises(TransitionRefused):
        case_submit(case=case, by=user)


def test_a_case_can_be_withdrawn_before_a_decision_only(users: dict[str, User]) -> None:
    user = users["commercial"]
    case = case_withdraw(
        case=case_create(by=user, title="Case"), by=user, comment="No longer needed"
    )
    assert case.status == CaseStatus.WITHDRAWN
    with pytest.raises(TransitionRefused, match="withdrawn case cannot become"):
        case_withdraw(case=case, by=user)


def test_another_department_cannot_submit_or_assess(users: dict[str, User], ruleset) -> None:  # type: ignore[no-untyped-def]
    case = ready_case(users["commercial"])
    with pytest.raises(TransitionRefused):
        case_submit(case=case, by=users["outsider"])
    with pytest.raises(TransitionRefused):
        assessment_run(case=case, by=users["outsider"])


def test_the_state_machine_allows_only_its_edges() -> None:
    assert CASE_TRANSITIONS[CaseStatus.DRAFT] == {CaseStatus.SUBMITTED, CaseStatus.WITHDRAWN}
    for final in (CaseStatus.REJECTED, CaseStatus.WITHDRAWN):
        assert CASE_TRANSITIONS[final] == frozenset()
    assert CASE_TRANSITIONS[CaseStatus.APPROVED] == {CaseStatus.SUBMITTED}


def test_cases_are_visible_to_their_department_and_submitted_ones_to_the_coe(
    users: dict[str, User], ruleset
) -> None:  # type: ignore[no-untyped-def]
    draft = case_create(by=users["commercial"], title="Draft")
    submitted = case_submit(case=ready_case(users["commercial"]), by=users["commercial"])
    assert set(Case.objects.visible_to(users["commercial"])) == {draft, submitted}
    assert set(Case.objects.visible_to(users["outsider"])) == set()
    assert set(Case.objects.visible_to(users["reviewer"])) == {submitted}
    assert set(Case.objects.visible_to(users["steward"])) == set()


def test_references_stay_unique_under_concurrent_creation(transactional_db: None, users) -> None:  # type: ignore[no-untyped-def]
    if connection.vendor != "postgresql":
        service_missing("real concurrent transactions need PostgreSQL")
    errors: list[BaseException] = []

    def create(n: int) -> None:
        try:
            for i in range(5):
                case_create(by=users["commercial"], title=f"Case {n}-{i}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    references = list(Case.objects.values_list("reference", flat=True))
    assert len(references) == len(set(references)) == 20
