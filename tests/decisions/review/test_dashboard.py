"""The Centre of Excellence dashboard (issue 20, item 4): figures on hand-computed decisions
made through the real services at set times, a constant number of queries, the page (charts
with text, tables, filters, errors), its CSV files, the API and who may read them."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from decisions.cases.services import case_submit
from decisions.records.models import DecisionRecord
from decisions.records.outcomes import outcome_record
from decisions.records.public_interest import FinancialQuarter
from decisions.review.dashboard import (
    Period,
    dashboard,
    of_calendar,
    percentile_cont,
    period_problems,
    quarter_label,
)
from decisions.review.reminders import review_due_notify
from decisions.review.selectors import approvals_due, due_for_review
from decisions.review.services import review_decide, review_reopen
from sourcing.models import Case, Role, User
from sourcing.people.services import department_ensure
from tests.factories import assessed_case, other_option


@pytest.fixture(autouse=True)
def _pdfs_not_rendered_here(settings: Any) -> None:
    # The decisions are back-dated and their PDFs are not rendered in these tests (the PDF
    # tests render them): the chain check at the end of each test would call them overdue.
    settings.PDF_OVERDUE_MINUTES = 10_000_000


@contextmanager
def clock_at(moment: datetime) -> Iterator[None]:
    """Everything the services stamp (status changes, decisions, audit events) at `moment`."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def _at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def _submitted(owner: User, day: str) -> Case:
    with clock_at(_at(day)):
        return case_submit(case=assessed_case(owner), by=owner)


def _decide(case: Case, reviewer: User, day: str, **decision: Any) -> DecisionRecord | None:
    case.refresh_from_db()
    with clock_at(_at(day)):
        return review_decide(case=case, by=reviewer, **decision)


@pytest.fixture
def decided(users: dict[str, User]) -> dict[str, Any]:
    """Four decisions, by hand:

    - A1 (department A): submitted 1 May 2026, returned 3 May, submitted again 4 May, approved
      as recommended 11 May (Q1 2026 to 2027): 10 days, 1 return;
    - A2 (A): submitted 2 May, approved for another option 6 May (an override): 4 days, its
      review-by date 1 June 2026 (overdue now);
    - B1 (department B): submitted 1 August (Q2), rejected 21 August: 20 days;
    - B2 (B): submitted 3 August, approved 4 August: 1 day, due for review in 10 days.
    """
    a, b, reviewer = users["commercial"], users["outsider"], users["reviewer"]
    a1 = _submitted(a, "2026-05-01")
    _decide(a1, reviewer, "2026-05-03", action="return", rationale="Say more about the market.")
    with clock_at(_at("2026-05-04")):
        case_submit(case=Case.objects.get(pk=a1.pk), by=a)
    a2 = _submitted(a, "2026-05-02")
    b1 = _submitted(b, "2026-08-01")
    b2 = _submitted(b, "2026-08-03")
    records = {
        "a1": _decide(a1, reviewer, "2026-05-11", action="approve"),
        "a2": _decide(
            a2,
            reviewer,
            "2026-05-06",
            action="approve",
            option=other_option(a2),
            rationale="Strategic reasons.",
            review_by=date(2026, 6, 1),
        ),
        "b1": _decide(b1, reviewer, "2026-08-21", action="reject", rationale="Not needed."),
        "b2": _decide(
            b2,
            reviewer,
            "2026-08-04",
            action="approve",
            review_by=timezone.localdate() + timedelta(days=10),
        ),
    }
    return records


def test_percentiles_interpolate_as_percentile_cont_does() -> None:
    places = {1: 1, 2: 4, 3: 10, 4: 20}
    assert percentile_cont(places, 4, 50) == 7.0  # (4 + 10) / 2
    assert percentile_cont(places, 4, 90) == 17.0  # 10 + 0.7 * 10
    assert percentile_cont({1: 5}, 1, 90) == 5.0
    assert percentile_cont({}, 0, 50) is None


def test_quarters_are_the_financial_years() -> None:
    assert quarter_label(FinancialQuarter(2026, 1)) == "Q1 2026 to 2027"
    assert of_calendar(2027, 1) == FinancialQuarter(2026, 4)
    assert of_calendar(2026, 2) == FinancialQuarter(2026, 1)


def test_every_figure_on_hand_computed_decisions(decided: dict[str, Any]) -> None:
    board = dashboard(Period())
    total = board.total
    assert (total.decisions, total.approved, total.rejected, total.overrides) == (4, 3, 1, 1)
    assert total.override_rate == 33 and total.returns == 1 and total.returns_per_case == 0.25
    assert (total.timed, total.median_days, total.p90_days) == (4, 7.0, 17.0)
    assert sum(total.by_outcome.values()) == 4 and total.by_outcome["rejected"] == 1
    (q1, f1), (q2, f2) = board.quarters
    assert (q1, q2) == (FinancialQuarter(2026, 1), FinancialQuarter(2026, 2))
    assert (f1.decisions, f1.median_days, f1.p90_days) == (2, 7.0, 9.4)
    assert (f2.decisions, f2.median_days, f2.p90_days, f2.rejected) == (2, 10.5, 18.1, 1)
    by_code = {code: f for code, _, f in board.departments}
    assert by_code["dept-a"].override_rate == 50 and by_code["dept-a"].returns_per_case == 0.5
    assert by_code["dept-b"].override_rate == 0 and by_code["dept-b"].returns_per_case == 0
    assert (by_code["dept-b"].median_days, by_code["dept-b"].p90_days) == (10.5, 18.1)
    assert board.reviews == [("dept-a", "Department A", 0, 1), ("dept-b", "Department B", 1, 0)]


def test_filters_by_department_and_period(decided: dict[str, Any]) -> None:
    board = dashboard(Period(department="dept-a"))
    assert board.total.decisions == 2 and [c for c, _, _ in board.departments] == ["dept-a"]
    assert board.reviews == [("dept-a", "Department A", 0, 1)]
    period, errors = period_problems(quarter="2026-Q2")
    assert errors == {} and (period.since, period.until) == (date(2026, 7, 1), date(2026, 9, 30))
    assert dashboard(period).total.decisions == 2
    assert dashboard(Period(until=date(2026, 5, 10))).total.decisions == 1  # A2 only
    assert dashboard(Period(since=date(2026, 5, 11), until=date(2026, 5, 11))).total.decisions == 1
    assert period_problems(quarter="Q5")[1] == {
        "quarter": ["Enter a quarter like 2026-Q3 (October to December 2026)"]
    }
    assert "quarter" in period_problems(quarter="2026-Q1", since=date(2026, 4, 1))[1]
    assert "until" in period_problems(since=date(2026, 5, 2), until=date(2026, 5, 1))[1]


def test_a_recorded_outcome_review_clears_a_due_or_overdue_review(
    decided: dict[str, Any], users: dict[str, User], client_as: Any
) -> None:
    # A2 is overdue (review by 1 June 2026); B2 is due in 10 days. Their departments record
    # the outcome, A2's on its review-by date, B2's before it: the review is done.
    outcome = {
        "delivered": True,
        "on_time": True,
        "actual_cost_gbp": 900_000,
        "benefits_realised": "fully",
        "lock_in": "none",
        "same_again": True,
    }
    today = timezone.localdate()
    with clock_at(_at("2026-06-01")):
        outcome_record(record=decided["a2"], by=users["commercial"], data=outcome)
    assert [i["record"] for i in due_for_review(today=today)] == [decided["b2"]]
    outcome_record(record=decided["b2"], by=users["outsider"], data=outcome)
    board = dashboard(Period())
    assert (board.reviews, board.reviews_due, board.reviews_overdue) == ([], 0, 0)
    assert due_for_review(today=today) == [] and not approvals_due(today=today).exists()
    assert review_due_notify(today=today) == []
    body = client_as(users["auditor"]).get("/api/v1/dashboard").json()
    assert body["reviews"] == {"due": 0, "overdue": 0, "within_days": 90}
    page = client_as(users["reviewer"]).get(reverse("review_due"))
    assert decided["a2"].reference not in page.content.decode()


def test_a_reopened_decision_counts_from_the_reopening(
    decided: dict[str, Any], users: dict[str, User]
) -> None:
    record = decided["b2"]
    with clock_at(_at("2026-09-01")):
        review_reopen(case=record.case, by=users["reviewer"], reason="A contract ends early.")
    _decide(record.case, users["reviewer"], "2026-09-04", action="approve")
    board = dashboard(Period(since=date(2026, 9, 1)))
    assert (board.total.decisions, board.total.median_days, board.total.returns) == (1, 3.0, 0)


def test_the_number_of_queries_does_not_grow_with_the_decisions(
    decided: dict[str, Any], users: dict[str, User], client_as: Any, django_assert_num_queries: Any
) -> None:
    client = client_as(users["reviewer"])
    with CaptureQueriesContext(connection) as few_selector:
        dashboard(Period())
    with CaptureQueriesContext(connection) as few_page:
        assert client.get(reverse("coe_dashboard")).status_code == 200
    c = department_ensure(code="dept-c", name="Department C")
    owner = User.objects.create_user("user-c", role=Role.COMMERCIAL, department=c)
    for n, day in enumerate(("2026-10-01", "2026-10-02", "2026-12-01", "2027-01-05")):
        case = _submitted(owner if n % 2 else users["commercial"], day)
        _decide(case, users["reviewer"], day, action="approve")
    assert dashboard(Period()).total.decisions == 8
    with django_assert_num_queries(len(few_selector)):
        dashboard(Period())
    with django_assert_num_queries(len(few_page)):
        client.get(reverse("coe_dashboard"))


def test_the_page_shows_each_chart_with_text_its_table_and_its_csv(
    decided: dict[str, Any], users: dict[str, User], client_as: Any
) -> None:
    html = client_as(users["auditor"]).get(reverse("coe_dashboard")).content.decode()
    assert html.count('class="app-chart__svg"') == 7
    for key in ("quarters", "options", "departments", "overrides", "returns", "time", "reviews"):
        assert f'aria-labelledby="chart-{key}-title chart-{key}-desc"' in html
        assert reverse("coe_dashboard_csv", args=[key]) in html
    assert '<title id="chart-time-title">Days from submission to decision' in html
    assert ">Q1 2026-27 median</text>" in html and ">7.0 days</text>" in html
    assert html.count('<table class="govuk-table') == 7
    assert "Q1 2026 to 2027" in html and "33%" in html and "0.25" in html


def test_bad_filters_are_named_in_the_error_summary(users: dict[str, User], client_as: Any) -> None:
    client = client_as(users["reviewer"])
    html = client.get(
        reverse("coe_dashboard"), {"quarter": "2026-Q1", "since": "1 April 2026"}
    ).content.decode()
    assert "govuk-error-summary" in html and 'href="#quarter"' in html
    assert "Choose a quarter or enter dates, not both" in html
    bad = client.get(reverse("coe_dashboard"), {"until": "31 February 2026"}).content.decode()
    assert 'href="#until"' in bad and "app-chart__svg" not in bad
    wrong = client.get(reverse("coe_dashboard"), {"department": "nowhere"}).content.decode()
    assert 'href="#department"' in wrong


def test_the_last_day_a_date_can_be_is_an_end_with_nothing_after_it(
    decided: dict[str, Any], users: dict[str, User], client_as: Any
) -> None:
    # 31 December 9999 is a date people can type (and the API's type takes): the end of its
    # day has no next day to start, which was an OverflowError (500) on the page, CSV and API.
    client = client_as(users["reviewer"])
    page = client.get(reverse("coe_dashboard"), {"until": "31 December 9999"})
    assert page.status_code == 200 and "govuk-error-summary" not in page.content.decode()
    csv_file = client.get(reverse("coe_dashboard_csv", args=["options"]), {"until": "9999-12-31"})
    assert csv_file.status_code == 200 and csv_file["Content-Type"].startswith("text/csv")
    body = client.get("/api/v1/dashboard", {"since": "0001-01-01", "until": "9999-12-31"})
    assert body.status_code == 200 and body.json()["decisions"]["total"] == 4
    assert dashboard(Period(until=date.max)).total.decisions == 4


def test_each_csv_has_its_table_and_formula_safe_cells(
    users: dict[str, User], make_user: Any, client_as: Any
) -> None:
    formula = department_ensure(code="dept-f", name='=HYPERLINK("http://evil")')
    owner = make_user("user-formula", Role.COMMERCIAL, formula)
    case = _submitted(owner, "2026-06-01")
    _decide(case, users["reviewer"], "2026-06-03", action="approve")
    client = client_as(users["reviewer"])
    response = client.get(reverse("coe_dashboard_csv", args=["departments"]))
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="dashboard-departments.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [
        ["department", "decisions", "approved", "rejected"],
        ['\'=HYPERLINK("http://evil")', "1", "1", "0"],
    ]
    time_rows = list(
        csv.reader(
            io.StringIO(client.get(reverse("coe_dashboard_csv", args=["time"])).content.decode())
        )
    )
    assert time_rows[1] == ["2026-Q1", "1", "2.0", "2.0"]
    returns = client.get(reverse("coe_dashboard_csv", args=["returns"])).content.decode()
    assert not any(
        c.startswith(("=", "+", "-", "@")) for r in csv.reader(io.StringIO(returns)) for c in r
    )
    options = client.get(reverse("coe_dashboard_csv", args=["options"]), {"quarter": "Q9"})
    assert options.status_code == 200 and b"govuk-error-summary" in options.content
    assert client.get(reverse("coe_dashboard_csv", args=["nothing"])).status_code == 404


def test_the_api_gives_every_figure_and_names_bad_filters(
    decided: dict[str, Any], users: dict[str, User], client_as: Any
) -> None:
    client = client_as(users["auditor"])
    body = client.get("/api/v1/dashboard").json()
    assert body["decisions"]["total"] == 4
    assert body["decisions"]["by_option"]["rejected"] == 1
    assert body["overrides"] == {"approvals": 3, "overrides": 1, "rate_percent": 33}
    assert body["returns"] == {"returns": 1, "per_case": 0.25}
    assert body["time_to_decision_days"] == {"decisions": 4, "median": 7.0, "p90": 17.0}
    assert body["reviews"] == {"due": 1, "overdue": 1, "within_days": 90}
    quarters = {q["quarter"]: q for q in body["quarters"]}
    assert quarters["2026-Q2"]["time_to_decision_days"]["p90"] == 18.1
    departments = {d["code"]: d for d in body["departments"]}
    assert departments["dept-a"]["overrides"]["rate_percent"] == 50
    assert departments["dept-b"]["reviews"] == {"due": 1, "overdue": 0}
    one = client.get("/api/v1/dashboard", {"department": "dept-b", "quarter": "2026-Q2"})
    assert one.json()["decisions"]["total"] == 2
    bad = client.get("/api/v1/dashboard", {"quarter": "Q9", "until": "never"})
    assert bad.status_code == 422
    assert {tuple(d["loc"]) for d in bad.json()["detail"]} == {
        ("query", "quarter"),
        ("query", "until"),
    }
    worse = client.get(
        "/api/v1/dashboard",
        {"quarter": "2026-Q1", "department": "nowhere", "since": "2026-05-02"},
    )
    assert worse.status_code == 422
    assert {tuple(d["loc"]) for d in worse.json()["detail"]} == {
        ("query", "quarter"),
        ("query", "department"),
    }
    for role in ("commercial", "steward", "admin"):
        assert client_as(users[role]).get("/api/v1/dashboard").status_code == 403


def test_the_api_names_a_bad_quarter_and_department_at_once_as_the_page_does(
    users: dict[str, User], client_as: Any
) -> None:
    client = client_as(users["auditor"])
    query = {"quarter": "2026-Q9", "department": "nowhere", "until": "never"}
    bad = client.get("/api/v1/dashboard", query)
    assert bad.status_code == 422
    problems = {d["loc"][1]: d["msg"] for d in bad.json()["detail"]}
    assert set(problems) == {"quarter", "department", "until"}
    assert problems["quarter"].startswith("Enter a quarter like 2026-Q")
    assert "pattern" not in str(problems) and "match" not in str(problems)
    page = client.get(reverse("coe_dashboard"), query).content.decode()
    for message in problems.values():
        assert escape(message) in page


def test_only_reviewers_and_auditors_read_the_dashboard(
    users: dict[str, User], client_as: Any
) -> None:
    for role in ("reviewer", "auditor"):
        assert client_as(users[role]).get(reverse("coe_dashboard")).status_code == 200
    for role in ("commercial", "steward", "department_admin", "admin"):
        assert client_as(users[role]).get(reverse("coe_dashboard")).status_code == 403
        csv_url = reverse("coe_dashboard_csv", args=["options"])
        assert client_as(users[role]).get(csv_url).status_code == 403


def test_the_navigation_marks_the_dashboard_not_the_review_queue_as_current(
    users: dict[str, User], client_as: Any
) -> None:
    client = client_as(users["reviewer"])
    html = client.get(reverse("coe_dashboard")).content.decode()
    assert html.count('aria-current="true"') == 1
    assert f'href="{reverse("coe_dashboard")}" aria-current="true"' in html
    queue = client.get(reverse("review_queue")).content.decode()
    assert f'href="{reverse("review_queue")}" aria-current="true"' in queue
    home = client.get("/").content.decode()
    assert 'href="/" aria-current="true"' in home and home.count('aria-current="true"') == 1
