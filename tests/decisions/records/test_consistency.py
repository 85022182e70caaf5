"""The consistency check (issue 20): similar earlier decisions across departments, flagged
when near-identical answers were decided differently; on the review page and in the API.
Pairs are constructed through the real services."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from decisions.cases.services import case_submit
from decisions.records.consistency import (
    KnownDecision,
    case_check,
    decisions_version,
    similar_cases,
)
from decisions.records.models import DecisionRecord
from decisions.review.selectors import current_record
from decisions.review.services import review_decide, review_reopen
from sourcing.models import Case, CaseStatus, User
from tests.factories import assessed_case, other_option


def _decided(
    owner: User, reviewer: User, *, override: bool = False, **answers: Any
) -> DecisionRecord:
    """A case of the owner's department with these answers, approved (as recommended, or with
    another option when override)."""
    case = case_submit(case=assessed_case(owner, **answers), by=owner)
    option = other_option(case) if override else None
    record = review_decide(
        case=case,
        by=reviewer,
        action="approve",
        option=option,
        rationale="Strategic reasons." if override else "",
    )
    assert record is not None
    return record


def _submitted(owner: User, **answers: Any) -> Case:
    return case_submit(case=assessed_case(owner, **answers), by=owner)


def test_identical_answers_decided_differently_are_always_flagged(users: dict[str, User]) -> None:
    earlier = _decided(users["outsider"], users["reviewer"], override=True)
    later = _decided(users["commercial"], users["reviewer"])
    assert earlier.decided_option != later.decided_option
    check = case_check(later.case)
    assert check.measured_against == "decision"
    [found] = check.similar
    assert found.record == earlier
    assert found.comparison.distance == 0
    assert found.flagged
    # And the other way round: the later decision is not "earlier" than the first one.
    assert case_check(earlier.case).similar == []


def test_a_case_under_review_is_flagged_against_its_recommendation(users: dict[str, User]) -> None:
    earlier = _decided(users["outsider"], users["reviewer"], override=True)
    case = _submitted(users["commercial"])
    check = case_check(case)
    assert check.measured_against == "recommendation"
    assert check.option == earlier.recommended != earlier.decided_option
    assert [s.record for s in check.similar if s.flagged] == [earlier]


def test_cases_decided_alike_are_similar_but_not_flagged(users: dict[str, User]) -> None:
    earlier = _decided(users["outsider"], users["reviewer"], criticality="high")
    later = _decided(users["commercial"], users["reviewer"])
    [found] = similar_cases(later.case, option=later.decided_option)
    assert found.record == earlier
    assert found.comparison.differs == ("criticality",)
    assert not found.flagged


def test_cases_differing_in_a_decisive_answer_are_not_flagged(users: dict[str, User]) -> None:
    _decided(users["outsider"], users["reviewer"], override=True, market_maturity="none")
    _decided(
        users["outsider"], users["reviewer"], override=True, cross_government_solution="available"
    )
    later = _decided(users["commercial"], users["reviewer"])
    assert similar_cases(later.case, option=later.decided_option) == []


def test_the_review_page_lists_similar_cases_with_the_answers_that_differ(
    users: dict[str, User], client_as: Any
) -> None:
    earlier = _decided(users["outsider"], users["reviewer"], override=True, criticality="high")
    case = _submitted(users["commercial"])
    html = (
        client_as(users["reviewer"])
        .get(reverse("review_case", args=[case.reference]))
        .content.decode()
    )
    assert "1 similar case: 1 decided" in html
    assert reverse("record_detail", args=[earlier.pk]) in html
    assert "Department B" in html
    assert "Medium, then High" in html
    assert "Decided differently" in html  # a step apart is near-identical, decided otherwise


def test_the_review_page_makes_a_constant_number_of_queries(
    users: dict[str, User], client_as: Any
) -> None:
    case = _submitted(users["commercial"])
    client = client_as(users["reviewer"])
    url = reverse("review_case", args=[case.reference])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    count()  # the assessment's presentation rendered (its result read) and kept
    _decided(users["outsider"], users["reviewer"], override=True)
    one = count()
    for _ in range(3):
        _decided(users["outsider"], users["reviewer"], criticality="high")
    assert count() == one


def test_reviewers_get_every_similar_case_in_the_api_and_departments_only_options(
    users: dict[str, User], client_as: Any
) -> None:
    earlier = _decided(users["outsider"], users["reviewer"], override=True)
    later = _decided(users["commercial"], users["reviewer"])
    url = f"/api/v1/cases/{later.case_id}/similar"
    full = client_as(users["reviewer"]).get(url).json()
    assert full["count"] == 1 and full["flagged"] == 1
    assert full["options"] == {earlier.decided_option: 1}
    [item] = full["items"]
    assert item["reference"] == earlier.reference
    assert item["department"]["code"] == "dept-b"
    assert item["distance"] == 0 and item["flagged"]
    assert client_as(users["auditor"]).get(url).json()["items"][0]["record_id"] == earlier.pk
    own = client_as(users["commercial"]).get(url)
    assert own.status_code == 200
    body = own.json()
    assert body["count"] == 1 and body["options"] == {earlier.decided_option: 1}
    assert "items" not in body
    assert earlier.reference not in own.content.decode()
    assert "dept-b" not in own.content.decode()
    # Another department's case: 404.
    assert client_as(users["outsider"]).get(url).status_code == 404


def test_a_department_sees_on_its_record_only_that_similar_cases_exist_and_their_options(
    users: dict[str, User], client_as: Any
) -> None:
    earlier = _decided(users["outsider"], users["reviewer"], override=True)
    later = _decided(users["commercial"], users["reviewer"])
    html = (
        client_as(users["commercial"])
        .get(reverse("record_detail", args=[later.pk]))
        .content.decode()
    )
    assert "1 similar case: 1 decided" in html
    assert "1 near-identical but decided differently" in html
    assert earlier.reference not in html
    assert "Department B" not in html
    assert reverse("record_detail", args=[earlier.pk]) not in html


def test_a_kept_check_is_used_until_a_new_decision_lands_and_then_retired(
    users: dict[str, User],
) -> None:
    first = _decided(users["outsider"], users["reviewer"], override=True)
    case = _submitted(users["commercial"])

    def check() -> tuple[list[DecisionRecord], int]:
        with CaptureQueriesContext(connection) as queries:
            similar = [s.record for s in case_check(case).similar]
        return similar, len(queries)

    computed, computing = check()
    kept, keeping = check()
    assert computed == kept == [first]
    assert keeping == computing - 1  # the scan of every current decision is not made again
    second = _decided(users["outsider"], users["reviewer"])
    assert set(check()[0]) == {first, second}


def test_a_record_page_s_similar_decisions_are_retired_when_one_is_superseded(
    users: dict[str, User], client_as: Any
) -> None:
    earlier = _decided(users["outsider"], users["reviewer"], override=True)
    later = _decided(users["commercial"], users["reviewer"])
    client = client_as(users["commercial"])
    url = reverse("record_detail", args=[later.pk])
    assert "1 similar case: 1 decided" in client.get(url).content.decode()
    assert "1 similar case: 1 decided" in client.get(url).content.decode()  # kept
    # The earlier decision is reviewed again and decided after the later one: the record
    # page no longer counts it (it is no longer a current decision made before this one).
    review_reopen(case=earlier.case, by=users["reviewer"], reason="New evidence.")
    again = review_decide(
        case=Case.objects.get(pk=earlier.case_id),
        by=users["reviewer"],
        action="reject",
        rationale="Not needed now.",
    )
    assert again is not None and again.supersedes_id == earlier.pk
    assert "1 similar case" not in client.get(url).content.decode()


def test_a_returned_case_s_save_retires_every_kept_check(users: dict[str, User]) -> None:
    before = decisions_version()
    assert decisions_version() == before
    case = _submitted(users["commercial"])
    case.status = CaseStatus.RETURNED
    case.save()
    assert decisions_version() != before


def test_the_check_is_the_same_from_the_record_and_recommendation_the_caller_has_read(
    users: dict[str, User], django_assert_max_num_queries: Any
) -> None:
    _decided(users["outsider"], users["reviewer"], override=True)
    approved = _decided(users["commercial"], users["reviewer"]).case
    under_review = _submitted(users["commercial"])
    for case in (approved, under_review):
        known = KnownDecision(
            current_record(case),
            case.assessments.order_by("-created_at").first().recommended,  # type: ignore[union-attr]
        )
        expected = case_check(case)
        with django_assert_max_num_queries(3):  # the version and the records listed
            assert case_check(case, known=known) == expected
