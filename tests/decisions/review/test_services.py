"""Centre of Excellence review: decisions, four eyes, records, concurrency and tampering."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from datetime import date, timedelta
from unittest import mock

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from decisions.audit.models import AuditEvent
from decisions.audit.services import audit_append, audit_checkpoint, event_hash
from decisions.cases.selectors import case_signoffs
from decisions.cases.services import (
    case_create,
    case_reopened,
    case_submit,
    case_update,
    case_withdraw,
)
from decisions.integrity.checks import record_columns_differing
from decisions.integrity.verification import audit_verify
from decisions.records import services as record_services
from decisions.records.content import Decision, build_content, record_hash, record_summary
from decisions.records.models import DecisionRecord
from decisions.review import services as review_services
from decisions.review.services import default_review_by, review_decide, review_reopen
from decisions.rulesets.services import ruleset_publish_default
from sourcing.errors import TransitionRefused, ValidationFailed
from sourcing.models import Case, CaseStatus, SignOff, User
from tests.conftest import service_missing
from tests.factories import ready_case, sign_off_again


@pytest.fixture
def submitted(users: dict[str, User], ruleset) -> Case:  # type: ignore[no-untyped-def]
    return case_submit(case=ready_case(users["commercial"]), by=users["commercial"])


def _raw(sql: str, params: list[object], table: str) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")  # triggers off
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = origin")


def test_approving_the_recommendation_issues_a_record(submitted: Case, users) -> None:  # type: ignore[no-untyped-def]
    record = review_decide(case=submitted, by=users["reviewer"], action="approve")
    assert record is not None
    submitted.refresh_from_db()
    assert submitted.status == CaseStatus.APPROVED
    assert record.decided_option == record.recommended == "buy"
    assert not record.overridden
    assert record.previous_sha256 is None
    assert record.record_sha256 == record_hash(seq=1, content=record.content, previous_sha256=None)
    content = record.content
    assert content["identity"]["ruleset"]["sha256"] == submitted.assessments.get().ruleset_sha256
    assert {o["option"] for o in content["options"]} == {
        "buy",
        "build",
        "partner",
        "procure",
        "innovate",
    }
    assert len(content["accountability"]["signoffs"]) == 4
    assert AuditEvent.objects.filter(action="record.issued").count() == 1


def test_an_override_needs_a_rationale_and_is_flagged(submitted: Case, users) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationFailed) as caught:
        review_decide(case=submitted, by=users["reviewer"], action="approve", option="build")
    assert "rationale" in caught.value.errors
    assert not DecisionRecord.objects.exists()
    record = review_decide(
        case=submitted,
        by=users["reviewer"],
        action="approve",
        option="build",
        rationale="Strategic capability <script>alert(1)</script>",
    )
    assert record.overridden and record.decided_option == "build"
    assert record.content["accountability"]["rationale"].endswith("</script>")
    assert AuditEvent.objects.filter(action="case.overridden").exists()


def test_return_needs_comments_and_sends_the_case_back(submitted: Case, users) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationFailed):
        review_decide(case=submitted, by=users["reviewer"], action="return")
    assert (
        review_decide(
            case=submitted,
            by=users["reviewer"],
            action="return",
            rationale="Name the components checked.",
        )
        is None
    )
    submitted.refresh_from_db()
    assert submitted.status == CaseStatus.RETURNED and submitted.is_editable
    case_update(case=submitted, by=users["commercial"], summary="Now with components named.")
    submitted.refresh_from_db()
    assert submitted.status == CaseStatus.DRAFT
    sign_off_again(submitted, users["commercial"])  # the summary they signed changed
    case_submit(case=submitted, by=users["commercial"])
    record = review_decide(case=submitted, by=users["reviewer"], action="reject", rationale="No.")
    assert (
        record.content["accountability"]["returns"][0]["comment"] == "Name the components checked."
    )
    assert record.action == "reject" and record.decided_option == ""


def test_four_eyes(submitted: Case, users, make_user) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TransitionRefused):
        review_decide(case=submitted, by=users["commercial"], action="approve")
    with pytest.raises(TransitionRefused):
        review_decide(case=submitted, by=users["auditor"], action="approve")
    same_department = make_user("reviewer-a", "reviewer", submitted.department)
    with pytest.raises(TransitionRefused, match="own department"):
        review_decide(case=submitted, by=same_department, action="approve")
    assert Case.objects.get(pk=submitted.pk).status == CaseStatus.SUBMITTED


def test_a_reviewer_who_signed_off_cannot_review(users, ruleset) -> None:  # type: ignore[no-untyped-def]
    case = ready_case(users["commercial"])
    case = case_update(case=case, by=users["commercial"], summary="changed")
    case = sign_off_again(case, users["commercial"])

    SignOff.objects.filter(case=case, discipline="legal").update(recorded_by=users["reviewer"])
    case = case_submit(case=case, by=users["commercial"])
    with pytest.raises(TransitionRefused, match="sign-off"):
        review_decide(case=case, by=users["reviewer"], action="approve")


def test_the_four_eyes_check_reads_the_same_from_sign_offs_the_caller_has_read(
    users, ruleset, make_user
) -> None:  # type: ignore[no-untyped-def]
    case = ready_case(users["commercial"])
    case = case_update(case=case, by=users["commercial"], summary="changed")
    case = sign_off_again(case, users["commercial"])
    SignOff.objects.filter(case=case, discipline="legal").update(recorded_by=users["reviewer"])
    case = case_submit(case=case, by=users["commercial"])
    other = make_user("reviewer-b", "reviewer", None)
    every = case_signoffs(case)
    for reviewer, signed in ((users["reviewer"], True), (other, False)):
        asked = review_services.review_blockers(case, reviewer)
        assert review_services.review_blockers(case, reviewer, signoffs=every) == asked
        assert (review_services.SIGNED_OFF in [b.code for b in asked]) is signed


def test_deciding_twice_is_refused(submitted: Case, users) -> None:  # type: ignore[no-untyped-def]
    review_decide(case=submitted, by=users["reviewer"], action="approve")
    with pytest.raises(TransitionRefused, match="not awaiting review"):
        review_decide(case=submitted, by=users["reviewer"], action="reject", rationale="Late")
    assert DecisionRecord.objects.count() == 1


def test_a_draft_cannot_be_reviewed(users) -> None:  # type: ignore[no-untyped-def]

    draft = case_create(by=users["commercial"], title="Draft")
    with pytest.raises(TransitionRefused):
        review_decide(case=draft, by=users["reviewer"], action="approve")


def test_review_by_follows_criticality_and_budget_life() -> None:
    now = timezone.now()
    assert (
        default_review_by({"criticality": "critical", "whole_life_years": 5}, now).year
        == now.year + 1
    )
    assert (
        default_review_by({"criticality": "low", "whole_life_years": 2}, now).year == now.year + 2
    )
    assert (
        default_review_by({"criticality": "medium", "whole_life_years": 10}, now).year
        == now.year + 3
    )


def test_a_reopened_decision_is_superseded_by_the_next(submitted: Case, users) -> None:  # type: ignore[no-untyped-def]
    first = review_decide(case=submitted, by=users["reviewer"], action="approve")
    review_reopen(case=submitted, by=users["reviewer"], reason="Review-by date reached")
    second = review_decide(
        case=submitted,
        by=users["reviewer"],
        action="approve",
        option="procure",
        rationale="The market has matured.",
    )
    assert second.supersedes == first
    first.refresh_from_db()
    assert first.superseded_by == second
    assert second.previous_sha256 == first.record_sha256
    assert second.content["identity"]["supersedes"] == first.reference


def test_a_reopened_decision_cannot_be_withdrawn_and_stays_under_review(  # type: ignore[no-untyped-def]
    submitted: Case, users, client_as
) -> None:
    owner, reviewer = users["commercial"], users["reviewer"]
    record = review_decide(case=submitted, by=reviewer, action="approve")
    assert record is not None
    review_reopen(case=submitted, by=reviewer, reason="Review-by date reached")
    assert case_reopened(submitted)
    # The department cannot take it away from review: not by the service, the page or the API.
    with pytest.raises(TransitionRefused, match="reopened this approved decision"):
        case_withdraw(case=submitted, by=owner, comment="No longer needed")
    page = client_as(owner).post(
        reverse("case_withdraw", args=[submitted.reference]), {"reason": "No longer needed"}
    )
    assert page.status_code == 200
    assert "cannot be withdrawn" in page.content.decode()
    assert (
        'href="/cases/' + submitted.reference + '/withdraw/"'
        not in client_as(owner)
        .get(reverse("case_detail", args=[submitted.reference]))
        .content.decode()
    )
    api = client_as(owner).post(
        f"/api/v1/cases/{submitted.pk}/withdraw", {"comment": ""}, content_type="application/json"
    )
    assert api.status_code == 409
    submitted.refresh_from_db()
    assert submitted.status == CaseStatus.SUBMITTED
    assert not AuditEvent.objects.filter(action="case.withdrawn").exists()
    # The reviewer keeps it in the queue and on its review page until it is decided.
    queue = client_as(reviewer).get(reverse("review_queue")).content.decode()
    assert submitted.reference in queue
    assert (
        client_as(reviewer).get(reverse("review_case", args=[submitted.reference])).status_code
        == 200
    )
    # The public register keeps the decision, marked as under review (page and API).
    register = client_as(None).get(reverse("register")).content.decode()
    assert submitted.reference in register and "Under review" in register
    items = client_as(None).get("/api/v1/register").json()["items"]
    assert [i["under_review"] for i in items if i["reference"] == submitted.reference] == [True]
    # Decided again: the new record supersedes the old and the mark goes.
    review_decide(case=submitted, by=reviewer, action="approve")
    items = client_as(None).get("/api/v1/register").json()["items"]
    assert [i["under_review"] for i in items if i["reference"] == submitted.reference] == [False]
    assert "Under review" not in client_as(None).get(reverse("register")).content.decode()


def test_a_reopened_decision_returned_and_changed_by_its_department_stays_in_the_queue(  # type: ignore[no-untyped-def]
    submitted: Case, users, client_as
) -> None:
    owner, reviewer = users["commercial"], users["reviewer"]
    review_decide(case=submitted, by=reviewer, action="approve")
    review_reopen(case=submitted, by=reviewer, reason="Review-by date reached")
    review_decide(case=submitted, by=reviewer, action="return", rationale="Update the costs.")
    case_update(case=submitted, by=owner, summary="Costs updated for the review.")
    submitted.refresh_from_db()
    # Still returned (not a draft again): the reviewers keep seeing it until they decide it.
    assert submitted.status == CaseStatus.RETURNED
    assert case_reopened(submitted)
    queue = client_as(reviewer).get(reverse("review_queue"), {"status": "all"}).content.decode()
    assert submitted.reference in queue
    assert (
        client_as(reviewer).get(reverse("review_case", args=[submitted.reference])).status_code
        == 200
    )
    with pytest.raises(TransitionRefused, match="reopened this approved decision"):
        case_withdraw(case=submitted, by=owner)
    items = client_as(None).get("/api/v1/register").json()["items"]
    assert [i["under_review"] for i in items if i["reference"] == submitted.reference] == [True]
    # Signed off again (the summary changed), submitted and decided: out of review, the new
    # record current.
    sign_off_again(submitted, owner)
    case_submit(case=submitted, by=owner)
    review_decide(case=submitted, by=reviewer, action="approve")
    items = client_as(None).get("/api/v1/register").json()["items"]
    assert [i["under_review"] for i in items if i["reference"] == submitted.reference] == [False]
    assert audit_verify().valid


@pytest.mark.tampers_audit_chain
def test_a_record_whose_content_changed_is_detected(submitted: Case, users) -> None:  # type: ignore[no-untyped-def]
    record = review_decide(case=submitted, by=users["reviewer"], action="approve")
    content = dict(record.content, review_by="2099-01-01")

    _raw(
        "UPDATE decisions_decisionrecord SET content = %s WHERE id = %s",
        [json.dumps(content), record.pk],
        "decisions_decisionrecord",
    )
    problems = audit_verify().problems
    assert any("content does not match its hash" in p for p in problems)


@pytest.mark.tampers_audit_chain
def test_a_forged_chain_with_recomputed_hashes_is_caught_by_the_checkpoint(db: None) -> None:
    for i in range(5):
        audit_append(action="test.event", payload={"n": i})
    audit_checkpoint()
    # Rewrite event 2 and recompute every later hash, as a careful forger would.
    events = list(AuditEvent.objects.order_by("seq"))
    events[1].payload = {"n": "forged"}
    previous = events[0].sha256
    for event in events[1:]:
        event.prev_sha256 = previous
        event.sha256 = event_hash(event)
        previous = event.sha256
        _raw(
            "UPDATE decisions_auditevent SET payload = %s, prev_sha256 = %s, sha256 = %s WHERE id = %s",
            [__import__("json").dumps(event.payload), event.prev_sha256, event.sha256, event.pk],
            "decisions_auditevent",
        )
    problems = audit_verify().problems
    assert [p for p in problems if "history rewritten" in p], problems
    assert not [p for p in problems if "content does not match" in p]


@pytest.mark.tampers_audit_chain
def test_a_truncated_tail_is_caught_by_the_checkpoint(db: None) -> None:
    for i in range(4):
        audit_append(action="test.event", payload={"n": i})
    audit_checkpoint()
    _raw("DELETE FROM decisions_auditevent WHERE seq >= 3", [], "decisions_auditevent")
    problems = audit_verify().problems
    assert any("missing" in p for p in problems), problems


def test_postgresql_refuses_changes_to_records_and_checkpoints(submitted: Case, users) -> None:  # type: ignore[no-untyped-def]
    if connection.vendor != "postgresql":
        service_missing("the append-only triggers are PostgreSQL's")
    review_decide(case=submitted, by=users["reviewer"], action="approve")
    audit_checkpoint()
    for sql in (
        "UPDATE decisions_decisionrecord SET overridden = true",
        "DELETE FROM decisions_decisionrecord",
        "UPDATE decisions_auditcheckpoint SET head_sha256 = 'x'",
        "DELETE FROM decisions_auditcheckpoint",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql)


def test_concurrent_reviewers_make_one_decision(transactional_db: None, users, make_user) -> None:  # type: ignore[no-untyped-def]
    if connection.vendor != "postgresql":
        service_missing("real concurrent transactions need PostgreSQL")

    ruleset_publish_default()
    reviewers = [make_user(f"reviewer-{i}", "reviewer", None) for i in range(2)]
    for _round in range(5):
        case = case_submit(case=ready_case(users["commercial"]), by=users["commercial"])
        outcomes: list[str] = []
        barrier = threading.Barrier(2)

        def decide(reviewer: User, action: str, case: Case = case) -> None:
            barrier.wait()
            try:
                review_decide(case=case, by=reviewer, action=action, rationale="Because.")
                outcomes.append("won")
            except TransitionRefused:
                outcomes.append("refused")
            finally:
                connection.close()

        threads = [
            threading.Thread(target=decide, args=(r, a))
            for r, a in zip(reviewers, ("approve", "reject"), strict=True)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes) == ["refused", "won"]
        assert DecisionRecord.objects.filter(case=case).count() == 1
    assert audit_verify().valid


def test_a_review_by_date_in_the_past_is_refused(submitted: Case, users) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationFailed, match="Review-by date must be in the future"):
        review_decide(
            case=submitted,
            by=users["reviewer"],
            action="approve",
            review_by=timezone.now().date() - timedelta(days=1),
        )


def test_a_rejection_has_no_review_by_date_and_verifies(submitted: Case, users) -> None:  # type: ignore[no-untyped-def]
    # The page's form sends the review-by date it suggested whatever the action: not stored.
    record = review_decide(
        case=submitted,
        by=users["reviewer"],
        action="reject",
        rationale="Not a need the department has.",
        review_by=timezone.localdate() + timedelta(days=400),
    )
    assert record is not None and record.review_by is None
    assert record.content["review_by"] is None and record.content["schema_version"] == 4
    assert record_summary(record)["review_by"] is None
    assert record_columns_differing(record, None) == []
    assert audit_verify().valid


def test_a_rejection_issued_before_version_4_with_its_review_by_date_still_verifies(  # type: ignore[no-untyped-def]
    submitted: Case, users
) -> None:
    day = date(2030, 1, 31)

    def as_version_3(decision: Decision) -> DecisionRecord:
        with mock.patch.object(
            record_services,
            "build_content",
            side_effect=lambda d: {**build_content(d), "schema_version": 3},
        ):
            return record_services.record_issue(replace(decision, review_by=day))

    with mock.patch.object(review_services, "record_issue", side_effect=as_version_3):
        record = review_decide(
            case=submitted, by=users["reviewer"], action="reject", rationale="No."
        )
    assert record is not None
    record.refresh_from_db()
    assert record.review_by == day and record.content["review_by"] == "2030-01-31"
    assert record.content["schema_version"] == 3
    assert record_columns_differing(record, None) == []
    assert audit_verify().valid
