"""The quarterly Public Interest Test return (PPN 024, issue 20 item 5): which decisions are in
scope, Part 1 and Part 2, completed or flagged, financial quarters, department scoping, the
page, its CSV, the API, and a constant number of queries."""

from __future__ import annotations

import copy
import csv
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from decisions.assessments.services import assessment_run
from decisions.cases.services import case_create, case_submit, case_update, signoff_record
from decisions.records.models import RETURN_ONLY_COLUMNS, DecisionRecord
from decisions.records.public_interest import (
    CHECK,
    NOT_EXPLAINED,
    PARAMETER,
    PARTS_NOT_RECORDED,
    FinancialQuarter,
    public_interest_return,
    quarter_of,
    quarter_parse,
    return_row,
)
from decisions.review.services import review_decide
from decisions.rulesets.models import Ruleset
from decisions.rulesets.services import ruleset_draft_create, ruleset_draft_save
from sourcing.models import Case, Department, Discipline, User
from tests.factories import (
    assessed_case,
    complete_answers,
    format_1_published,
    published_ruleset,
)

MILLION = 1_000_000
# A government-specific need (Part 1 met), adequate capability and a team (Part 2 met).
INSOURCEABLE = {
    "differentiation": "government_specific",
    "in_house_capability": "adequate",
    "team_capacity_fte": 6,
}


@contextmanager
def clock(moment: datetime) -> Iterator[None]:
    """The service's clock stopped at `moment` (decisions are dated by timezone.now())."""
    real = timezone.now
    timezone.now = lambda: moment  # type: ignore[assignment]
    try:
        yield
    finally:
        timezone.now = real  # type: ignore[assignment]


def decided(
    owner: User,
    reviewer: User,
    *,
    at: datetime | None = None,
    action: str = "approve",
    **answers: Any,
) -> DecisionRecord:
    """A case assessed with the answers given (the default ruleset), submitted and decided
    through the real services, at `at` (default now)."""
    with clock(at or timezone.now()):
        case = case_submit(case=assessed_case(owner, **answers), by=owner)
        record = review_decide(
            case=case, by=reviewer, action=action, rationale="" if action == "approve" else "No."
        )
    assert record is not None
    return record


def q(code: str) -> FinancialQuarter:
    return quarter_parse(code)


# Financial quarters -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "code"),
    [
        (date(2026, 4, 1), "2026-Q1"),
        (date(2026, 6, 30), "2026-Q1"),
        (date(2026, 7, 1), "2026-Q2"),
        (date(2026, 12, 31), "2026-Q3"),
        (date(2027, 1, 1), "2026-Q4"),
        (date(2027, 3, 31), "2026-Q4"),
        (date(2027, 4, 1), "2027-Q1"),
    ],
)
def test_a_day_falls_in_its_financial_quarter(day: date, code: str) -> None:
    assert quarter_of(day).code == code


def test_quarters_are_counted_in_uk_time() -> None:
    # 11:30pm UTC on 30 June 2026 is 12:30am BST on 1 July: the second quarter.
    assert quarter_of(datetime(2026, 6, 30, 23, 30, tzinfo=UTC)).code == "2026-Q2"
    # In winter UK time is UTC: 11:30pm on 31 December 2026 is still the third quarter.
    assert quarter_of(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)).code == "2026-Q3"


def test_a_quarter_says_its_days_and_whether_the_obligation_applies() -> None:
    assert q("2026-Q4").text == "Quarter 4 of 2026 to 2027 (1 January to 31 March 2027)"
    assert q("2026 q3").text == "Quarter 3 of 2026 to 2027 (1 October to 31 December 2026)"
    assert not q("2026-Q4").obligation_applies and q("2027-Q1").obligation_applies
    assert q("2026-Q4").next() == q("2027-Q1") and q("2027-Q1").previous() == q("2026-Q4")


@pytest.mark.parametrize("typed", ["", "2026", "2026-Q5", "Q3", "2026-27", "1999-Q1", "x" * 30])
def test_a_quarter_that_is_not_one_is_refused(typed: str) -> None:
    with pytest.raises(ValueError, match="2026-Q3"):
        quarter_parse(typed)


# Scope, parts, completed and flagged -----------------------------------------------------------


def test_services_at_or_over_the_threshold_are_in_scope_and_under_it_are_not(
    users: dict[str, User],
) -> None:
    owner, reviewer = users["commercial"], users["reviewer"]
    at = decided(owner, reviewer, whole_life_budget_gbp=MILLION, **INSOURCEABLE)
    under = decided(owner, reviewer, whole_life_budget_gbp=MILLION - 1)
    rejected = decided(owner, reviewer, action="reject", whole_life_budget_gbp=5 * MILLION)
    result = public_interest_return(quarter=quarter_of(timezone.now()))
    rows = {row.reference: row for row in result.rows}
    assert set(rows) == {at.reference, rejected.reference}
    assert under.reference not in rows and result.decisions == 3
    row = rows[at.reference]
    assert row.threshold_gbp == MILLION and row.budget_gbp == MILLION
    assert row.candidate is not None and row.candidate.result is True
    assert row.ready is not None and row.ready.result is True
    assert {i.key for i in row.candidate.indicators} == {
        "differentiation",
        "retain_ip_importance",
        "policy_volatility",
    }
    met = next(i for i in row.candidate.indicators if i.key == "differentiation")
    assert met.met and met.question == "How unusual is the need?"
    # Assessed under format 2 (the parts recorded) and explained before submission.
    assert row.completed and row.parts_recorded and row.explanation == "Explained."
    assert rows[rejected.reference].action == "reject" and result.flagged == 0


def test_a_decision_assessed_without_the_parts_recorded_is_flagged(
    users: dict[str, User],
) -> None:
    owner, reviewer = users["commercial"], users["reviewer"]
    decided(owner, reviewer, whole_life_budget_gbp=2 * MILLION)  # publishes the default first
    format_1_published(users["steward"])
    old = decided(owner, reviewer, whole_life_budget_gbp=3 * MILLION, **INSOURCEABLE)
    result = public_interest_return(quarter=quarter_of(timezone.now()))
    row = next(r for r in result.rows if r.reference == old.reference)
    assert row.ruleset_version == "2026.901" and not row.parts_recorded
    assert row.gaps == (PARTS_NOT_RECORDED,) and not row.completed
    # The parts are still shown, worked out from the answers the assessment had.
    assert row.candidate is not None and row.candidate.result is True
    assert (result.completed, result.flagged) == (1, 1)


def test_the_threshold_the_return_reads_follows_the_rulesets_content(
    users: dict[str, User],
) -> None:
    steward = users["steward"]
    published = published_ruleset()
    assert Ruleset.objects.get(pk=published.pk).public_interest_test_gbp == str(MILLION)
    draft = ruleset_draft_create(by=steward, version="2026.950")
    content = copy.deepcopy(draft.content)
    content["parameters"][PARAMETER] = 3 * MILLION
    ruleset_draft_save(draft=draft, by=steward, content=content, change="Threshold")
    assert Ruleset.objects.get(pk=draft.pk).public_interest_test_gbp == str(3 * MILLION)


def test_the_return_shows_each_records_frozen_title_and_checks(users: dict[str, User]) -> None:
    owner, reviewer = users["commercial"], users["reviewer"]
    record = decided(owner, reviewer, whole_life_budget_gbp=2 * MILLION)
    Case.objects.filter(pk=record.case_id).update(title="Renamed after the decision")
    row = public_interest_return(quarter=quarter_of(timezone.now())).rows[0]
    identity = record.content["identity"]
    check = next(c for c in record.content["policy_checks"] if c["check"] == CHECK)
    assert row.title == identity["title"] == "Case management"
    assert row.check_result == check["result"] and row.explanation == check["explanation"]
    assert not row.gaps  # assessed before the decision: the frozen assessed_at is read


def test_record_reads_leave_out_the_columns_only_the_return_reads(
    users: dict[str, User], django_assert_num_queries: Any
) -> None:
    decided(users["commercial"], users["reviewer"], whole_life_budget_gbp=MILLION)
    record = DecisionRecord.objects.get()
    assert set(RETURN_ONLY_COLUMNS) <= record.get_deferred_fields()
    with django_assert_num_queries(1):  # read when asked for, from the stored column
        assert record.identity_title == record.content["identity"]["title"]


def test_an_unexplained_test_is_flagged() -> None:
    class Stored:
        pk = 1
        reference = "X-1"
        department = Department(code="d", name="D")
        decided_at = datetime(2026, 8, 1, tzinfo=UTC)
        action = "approve"
        decided_option = "buy"
        recommended = "buy"
        overridden = False
        pit_title = "T"
        pit_ruleset = "2026.2"
        pit_assessed_at = "2026-07-30T10:00:00+00:00"
        pit_threshold = None
        pit_answers = {"service_type": "citizen_facing", "whole_life_budget_gbp": 2 * MILLION}
        pit_checks = [{"check": "public_interest_test", "result": "explain", "parts": None}]

    row = return_row(Stored())
    assert row is not None and NOT_EXPLAINED in row.gaps and PARTS_NOT_RECORDED in row.gaps


def test_a_decision_belongs_to_the_quarter_of_its_day_in_uk_time(
    users: dict[str, User], eager: None, media: Any, django_capture_on_commit_callbacks: Any
) -> None:
    owner, reviewer = users["commercial"], users["reviewer"]
    # Past decisions have their PDFs rendered, as they had then (the audit checks say so).
    with django_capture_on_commit_callbacks(execute=True):
        # 30 June 11:30pm UTC is 1 July in UK time: the second quarter, not the first.
        july = decided(
            owner,
            reviewer,
            at=datetime(2026, 6, 30, 23, 30, tzinfo=UTC),
            whole_life_budget_gbp=MILLION,
        )
    with django_capture_on_commit_callbacks(execute=True):
        june = decided(
            owner,
            reviewer,
            at=datetime(2026, 6, 30, 22, 30, tzinfo=UTC),
            whole_life_budget_gbp=MILLION,
        )
    first = public_interest_return(quarter=q("2026-Q1"))
    second = public_interest_return(quarter=q("2026-Q2"))
    assert [r.reference for r in first.rows] == [june.reference]
    assert [r.reference for r in second.rows] == [july.reference]


def test_a_department_return_holds_only_that_departments_decisions(
    users: dict[str, User], dept_a: Department, dept_b: Department
) -> None:
    reviewer = users["reviewer"]
    ours = decided(users["commercial"], reviewer, whole_life_budget_gbp=MILLION)
    theirs = decided(users["outsider"], reviewer, whole_life_budget_gbp=MILLION)
    quarter = quarter_of(timezone.now())
    assert [
        r.reference for r in public_interest_return(quarter=quarter, department=dept_a).rows
    ] == [ours.reference]
    every = public_interest_return(quarter=quarter)
    assert {r.reference for r in every.rows} == {ours.reference, theirs.reference}


@pytest.mark.parametrize("count", [1, 6])
def test_the_return_takes_one_query_whatever_the_number_of_decisions(
    count: int, users: dict[str, User], django_assert_num_queries: Any
) -> None:
    for _ in range(count):
        decided(users["commercial"], users["reviewer"], whole_life_budget_gbp=2 * MILLION)
    quarter = quarter_of(timezone.now())
    with django_assert_num_queries(1):
        result = public_interest_return(quarter=quarter)
    assert len(result.rows) == count


@pytest.mark.parametrize("count", [1, 5])
def test_the_page_csv_and_api_take_the_same_queries_whatever_the_number_of_decisions(
    count: int, users: dict[str, User], client_as: Callable[[User | None], Client]
) -> None:
    for _ in range(count):
        decided(users["commercial"], users["reviewer"], whole_life_budget_gbp=2 * MILLION)
    client = client_as(users["auditor"])
    counts = {}
    for name in (
        "public_interest_return",
        "public_interest_return_csv",
        "api:public_interest_returns",
    ):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(name)).status_code == 200
        counts[name] = len(queries)
    # The same figures at both sizes (the parametrised runs): written down here.
    assert counts == EXPECTED_QUERIES, counts


EXPECTED_QUERIES = {
    "public_interest_return": 8,
    "public_interest_return_csv": 7,
    "api:public_interest_returns": 6,
}


# Pages, CSV and API -----------------------------------------------------------------------------


def test_a_department_user_sees_only_their_own_departments_return(
    users: dict[str, User], dept_b: Department, client_as: Callable[[User | None], Client]
) -> None:
    ours = decided(users["commercial"], users["reviewer"], whole_life_budget_gbp=MILLION)
    theirs = decided(users["outsider"], users["reviewer"], whole_life_budget_gbp=MILLION)
    client = client_as(users["commercial"])
    page = client.get(reverse("public_interest_return")).content.decode()
    assert ours.reference in page and theirs.reference not in page
    for name in (
        "public_interest_return",
        "public_interest_return_csv",
        "api:public_interest_returns",
    ):
        assert client.get(reverse(name), {"department": dept_b.code}).status_code == 404
    listed = client.get(reverse("api:public_interest_returns")).json()
    assert [i["reference"] for i in listed["items"]] == [ours.reference]
    assert listed["department"]["code"] == "dept-a"


def test_reviewers_and_auditors_see_any_department_and_all_departments(
    users: dict[str, User], client_as: Callable[[User | None], Client]
) -> None:
    ours = decided(users["commercial"], users["reviewer"], whole_life_budget_gbp=MILLION)
    theirs = decided(users["outsider"], users["reviewer"], whole_life_budget_gbp=MILLION)
    for role in ("reviewer", "auditor"):
        client = client_as(users[role])
        every = client.get(reverse("public_interest_return")).content.decode()
        assert ours.reference in every and theirs.reference in every and "All departments" in every
        one = client.get(reverse("public_interest_return"), {"department": "dept-b"})
        assert theirs.reference in one.content.decode()
        assert ours.reference not in one.content.decode()
    assert client_as(users["steward"]).get(reverse("public_interest_return")).status_code == 403


def test_the_page_flags_rows_in_words_and_says_when_the_obligation_starts(
    users: dict[str, User], client_as: Callable[[User | None], Client]
) -> None:
    decided(users["commercial"], users["reviewer"], whole_life_budget_gbp=2 * MILLION)
    format_1_published(users["steward"])
    old = decided(users["commercial"], users["reviewer"], whole_life_budget_gbp=3 * MILLION)
    page = client_as(users["reviewer"]).get(reverse("public_interest_return")).content.decode()
    assert "From 1 April 2027 (PPN 024)" in page
    assert "Flagged: not completed" in page and "Completed" in page
    assert PARTS_NOT_RECORDED.split(" (")[0] in page and old.reference in page


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"quarter": "2026-Q9"}, "quarter", "2026-Q3"),
        ({"department": "no-such"}, "department", "Select"),
        ({"quarter": "soon", "department": "no-such"}, "quarter", "2026-Q3"),
    ],
)
def test_bad_choices_are_named_in_the_error_summary_and_the_api_422(
    params: dict[str, str],
    field: str,
    message: str,
    users: dict[str, User],
    client_as: Callable[[User | None], Client],
) -> None:
    client = client_as(users["reviewer"])
    page = client.get(reverse("public_interest_return"), params)
    text = page.content.decode()
    assert page.status_code == 200 and "There is a problem" in text and f'href="#{field}"' in text
    assert message in text and text.count("<title>Error: ") == 1
    assert client.get(reverse("public_interest_return_csv"), params)["Content-Type"].startswith(
        "text/html"
    )
    answer = client.get(reverse("api:public_interest_returns"), params)
    assert answer.status_code == 422
    assert ["query", field] in [d["loc"] for d in answer.json()["detail"]]


def test_the_csv_has_a_row_per_decision_in_scope_with_formula_safe_cells(
    users: dict[str, User], client_as: Callable[[User | None], Client]
) -> None:
    record = decided(
        users["commercial"], users["reviewer"], whole_life_budget_gbp=MILLION, **INSOURCEABLE
    )
    quarter = quarter_of(timezone.now())
    answer = client_as(users["auditor"]).get(
        reverse("public_interest_return_csv"), {"quarter": quarter.code, "department": "dept-a"}
    )
    assert answer["Content-Disposition"] == (
        f'attachment; filename="public-interest-test-return-{quarter.code}-dept-a.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(answer.content.decode())))
    assert len(rows) == 1
    row = rows[0]
    assert row["reference"] == record.reference and row["quarter"] == quarter.code
    assert row["part_1_good_candidate"] == "yes" and row["part_2_ready_to_insource"] == "yes"
    assert row["test_completed_before_decision"] == "yes" and row["flagged"] == "no"
    assert row["whole_life_budget_gbp"] == str(MILLION) and row["threshold_gbp"] == str(MILLION)
    assert "met: the need is government specific" in row["part_1_indicators"]


def test_csv_cells_that_start_a_formula_are_neutralised(
    users: dict[str, User], client_as: Callable[[User | None], Client]
) -> None:
    owner = users["commercial"]
    published_ruleset()
    answers = {**complete_answers(), "whole_life_budget_gbp": MILLION}
    case = case_create(by=owner, title="=HYPERLINK(1)", answers=answers)
    assessment = assessment_run(case=case, by=owner)
    explain = {c["check"]: "Explained." for c in assessment.result["policy_checks"]}
    explain["public_interest_test"] = "=1+1 insourcing"
    case_update(case=case, by=owner, explanations=explain, sro_name="Sam Owner")
    for discipline in Discipline.values:
        signoff_record(case=case, by=owner, discipline=discipline, name=f"{discipline} lead")
    case = case_submit(case=case, by=owner)
    review_decide(case=case, by=users["reviewer"], action="approve")
    answer = client_as(users["auditor"]).get(reverse("public_interest_return_csv"))
    row = next(csv.DictReader(io.StringIO(answer.content.decode())))
    assert row["department_explanation"] == "'=1+1 insourcing"
    assert row["title"] == "'=HYPERLINK(1)"


def test_the_api_gives_the_return_with_its_counts(
    users: dict[str, User], client_as: Callable[[User | None], Client]
) -> None:
    record = decided(
        users["commercial"], users["reviewer"], whole_life_budget_gbp=MILLION, **INSOURCEABLE
    )
    decided(users["commercial"], users["reviewer"], whole_life_budget_gbp=10)
    quarter = quarter_of(timezone.now())
    body = (
        client_as(users["reviewer"])
        .get(reverse("api:public_interest_returns"), {"quarter": quarter.code})
        .json()
    )
    assert body["quarter"] == quarter.code and body["department"] is None
    assert (body["decisions"], body["in_scope"], body["completed"], body["flagged"]) == (2, 1, 1, 0)
    assert body["obligation_from"] == "2027-04-01" and body["count"] == 1
    item = body["items"][0]
    assert item["reference"] == record.reference and item["completed_before_decision"] is True
    assert item["part_1_good_candidate"]["result"] is True
    assert {i["key"] for i in item["part_2_ready_to_insource"]["indicators"]} == {
        "in_house_capability",
        "team_capacity_fte",
    }


def test_the_api_is_in_the_openapi_document(client_as: Callable[[User | None], Client]) -> None:
    document = client_as(None).get(reverse("api:openapi-json")).json()
    operation = document["paths"]["/api/v1/public-interest-returns"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"quarter", "department", "limit"}
    assert "422" in operation["responses"]
