"""The whole workflow as a Hypothesis state machine, with the invariants that must always hold."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)

from decisions import engine
from decisions.assessments.services import assessment_run
from decisions.cases.services import (
    case_create,
    case_reopened,
    case_submit,
    case_update,
    case_withdraw,
    signoff_record,
)
from decisions.integrity.verification import audit_verify
from decisions.records.content import register_entry
from decisions.records.models import DecisionRecord
from decisions.records.selectors import register_entries
from decisions.review.selectors import queue_cases
from decisions.review.services import review_decide, review_reopen
from decisions.rulesets.services import ruleset_publish_default
from sourcing.errors import ServiceError
from sourcing.models import Case, CaseStatus, Discipline, User

GOLDEN = [c["answers"] for c in json.loads(engine.GOLDEN_CASES_PATH.read_text())["cases"]]


@pytest.mark.django_db
def test_the_workflow_keeps_its_invariants(users: dict[str, User]) -> None:
    ruleset_publish_default()
    owners = [users["commercial"], users["outsider"]]
    reviewer = users["reviewer"]

    class Workflow(RuleBasedStateMachine):
        cases = Bundle("cases")

        def __init__(self) -> None:
            super().__init__()
            self.decisions = DecisionRecord.objects.count()

        @rule(target=cases, owner=st.sampled_from(owners), title=st.text(min_size=1, max_size=40))
        def create(self, owner: User, title: str) -> Case:
            try:
                return case_create(by=owner, title=title)
            except ServiceError:
                return case_create(by=owner, title="Fallback title")

        @rule(case=cases, answers=st.sampled_from(GOLDEN))
        def answer(self, case: Case, answers: dict[str, object]) -> None:
            try:
                case_update(case=case, by=case.owner, answers=answers)
            except ServiceError:
                assert not Case.objects.get(pk=case.pk).is_editable

        @rule(case=cases)
        def prepare_and_submit(self, case: Case) -> None:
            try:
                assessment = assessment_run(case=case, by=case.owner)
                explain = {
                    c["check"]: "Because."
                    for c in assessment.result["policy_checks"]
                    if c["result"] == "explain"
                }
                case_update(case=case, by=case.owner, explanations=explain, sro_name="S R O")
                for discipline in Discipline.values:
                    signoff_record(case=case, by=case.owner, discipline=discipline, name="N")
                case_submit(case=case, by=case.owner)
            except ServiceError:
                pass

        @rule(
            case=cases,
            action=st.sampled_from(["approve", "return", "reject"]),
            override=st.sampled_from([None, *engine.OPTIONS]),
        )
        def review(self, case: Case, action: str, override: str | None) -> None:
            before = Case.objects.get(pk=case.pk).status
            try:
                record = review_decide(
                    case=case, by=reviewer, action=action, option=override, rationale="Reasons."
                )
            except ServiceError:
                # Refused only when not awaiting review, or approving nothing when nothing won.
                latest = case.assessments.order_by("-pk").first()
                nothing_won = latest is not None and latest.recommended == ""
                assert before != CaseStatus.SUBMITTED or (
                    action == "approve" and nothing_won and override is None
                )
                return
            assert before == CaseStatus.SUBMITTED
            if action != "return":
                assert record is not None
                self.decisions += 1

        @rule(case=cases)
        def owner_cannot_review(self, case: Case) -> None:
            with pytest.raises(ServiceError):
                review_decide(case=case, by=case.owner, action="approve")

        @rule(case=cases)
        def reopen(self, case: Case) -> None:
            before = Case.objects.get(pk=case.pk).status
            try:
                review_reopen(case=case, by=reviewer, reason="Review-by date reached.")
            except ServiceError:
                assert before != CaseStatus.APPROVED
            else:
                assert before == CaseStatus.APPROVED

        @rule(case=cases)
        def withdraw(self, case: Case) -> None:
            reopened = case_reopened(Case.objects.get(pk=case.pk))
            try:
                case_withdraw(case=case, by=case.owner)
            except ServiceError:
                pass
            else:
                assert not reopened, "a reopened decision was withdrawn"

        @invariant()
        def the_chain_verifies(self) -> None:
            report = audit_verify()
            assert report.valid, report.problems

        @invariant()
        def one_record_per_decision(self) -> None:
            assert DecisionRecord.objects.count() == self.decisions
            for case in Case.objects.filter(status__in=["approved", "rejected"]):
                assert case.records.filter(superseded_by__isnull=True).count() == 1

        @invariant()
        def a_reopened_decision_stays_under_review(self) -> None:
            approved_once = Case.objects.filter(status_changes__to_status=CaseStatus.APPROVED)
            assert not approved_once.filter(status=CaseStatus.WITHDRAWN).exists()
            # Reopened and not yet decided again (submitted, or returned and being changed by
            # the department): in the reviewers' queue until a reviewer decides it.
            waiting = set(
                approved_once.filter(
                    status__in=[CaseStatus.SUBMITTED, CaseStatus.RETURNED, CaseStatus.DRAFT]
                ).values_list("pk", flat=True)
            )
            assert waiting <= set(queue_cases(reviewer).values_list("pk", flat=True))
            register = {r.reference: register_entry(r) for r in register_entries()}
            for case in approved_once.filter(pk__in=waiting):
                assert register[case.reference]["under_review"], "reopened, not under review"
            for case in approved_once.exclude(status=CaseStatus.APPROVED):
                # Its approval is still the current record until the next decision.
                current = case.records.filter(superseded_by__isnull=True).get()
                assert current.action == "approve" or case.status == CaseStatus.REJECTED

        @invariant()
        def no_cross_department_reads(self) -> None:
            for owner in owners:
                visible = Case.objects.visible_to(owner)
                assert not visible.exclude(department_id=owner.department_id).exists()

    run_state_machine_as_test(
        Workflow,
        settings=settings(
            max_examples=12,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
