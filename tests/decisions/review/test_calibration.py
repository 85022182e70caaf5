"""The calibration report (issue 20, item 3): outcomes against estimates by option, department
and ruleset version, decisions later superseded or reversed, overrides and how they turned out;
its page, CSV and API, who may read it, and the steward's golden case from an outcome."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from typing import Any
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from decisions.audit.models import AuditEvent
from decisions.audit.services import audit_chain_check
from decisions.cases.services import case_submit
from decisions.records.consistency import flagged_pairs
from decisions.records.models import DecisionRecord
from decisions.records.outcomes import outcome_record
from decisions.review.calibration import calibration_report, golden_case_from_outcome
from decisions.review.dashboard import Period, dashboard
from decisions.review.services import review_decide, review_reopen
from decisions.rulesets.models import GoldenCase
from decisions.rulesets.services import ruleset_draft_create, ruleset_publish
from sourcing.errors import TransitionRefused, ValidationFailed
from sourcing.models import Role, User
from sourcing.people.services import department_ensure
from tests.factories import assessed_case, other_option, second_steward_approves
from tests.pages import post_json

OUTCOME = {
    "delivered": True,
    "on_time": True,
    "benefits_realised": "fully",
    "lock_in": "none",
    "same_again": True,
}


def _decided(owner: User, reviewer: User, *, override: bool = False) -> DecisionRecord:
    """An approval of a new case of the owner's department (estimate £800,000 for every
    option), overriding the recommendation when asked."""
    case = case_submit(case=assessed_case(owner), by=owner)
    record = review_decide(
        case=case,
        by=reviewer,
        action="approve",
        option=other_option(case) if override else None,
        rationale="Strategic reasons." if override else "",
    )
    assert record is not None
    return record


def _outcome(record: DecisionRecord, owner: User, cost: int, **changes: Any) -> AuditEvent:
    data = {**OUTCOME, "actual_cost_gbp": cost, **changes}
    if data.get("on_time") is False:
        data.setdefault("months_late", 2)
    return outcome_record(record=record, by=owner, data=data)


@pytest.fixture
def decisions(users: dict[str, User]) -> dict[str, DecisionRecord]:
    """Department A: a followed decision £150,000 over (18.8%); department B: an override
    £200,000 under (25%), late and not to be chosen again; department A: one without an
    outcome."""
    a, b, reviewer = users["commercial"], users["outsider"], users["reviewer"]
    over = _decided(a, reviewer)
    _outcome(over, a, 950_000)
    under = _decided(b, reviewer, override=True)
    _outcome(under, b, 600_000, on_time=False, months_late=3, same_again=False)
    none = _decided(a, reviewer)
    return {"over": over, "under": under, "none": none}


def test_costs_are_set_against_estimates_by_option_department_and_ruleset_version(
    decisions: dict[str, DecisionRecord],
) -> None:
    over, under = decisions["over"], decisions["under"]
    report = calibration_report()
    assert [d.reference for d in report.decisions] == [
        decisions["none"].reference,
        under.reference,
        over.reference,
    ]
    total = report.total
    assert (total.outcomes, total.estimate_gbp, total.actual_gbp) == (2, 1_600_000, 1_550_000)
    assert (total.variance_gbp, total.variance_pct, total.over, total.under) == (
        -50_000,
        -3.1,
        1,
        1,
    )
    assert total.median_pct == pytest.approx((18.8 - 25.0) / 2, abs=0.1)
    by_option = {row.key: row for row in report.by_option}
    assert by_option[over.decided_option].variance_gbp == 150_000
    assert by_option[over.decided_option].variance_pct == 18.8
    assert by_option[under.decided_option].variance_pct == -25.0
    by_department = {row.key: row for row in report.by_department}
    assert by_department["dept-a"].variance_gbp == 150_000
    assert by_department["dept-a"].outcomes == 1  # the decision without an outcome is not a cost
    assert by_department["dept-b"].label == "Department B"
    [version] = report.by_version
    assert version.key == over.content["identity"]["ruleset"]["version"]
    assert version.outcomes == 2
    # Reviewed today, long before the whole-life period ends: costs to date.
    assert total.partial == 2


def test_overrides_are_set_against_decisions_that_followed_the_recommendation(
    decisions: dict[str, DecisionRecord],
) -> None:
    followed, overridden = calibration_report().follow
    assert (followed.decisions, followed.outcomes, followed.delivered) == (2, 1, 1)
    assert (followed.on_time_pct, followed.same_again_pct, followed.variance_pct) == (
        100.0,
        100.0,
        18.8,
    )
    assert (overridden.decisions, overridden.outcomes, overridden.on_time) == (1, 1, 0)
    assert (overridden.same_again_pct, overridden.variance_pct) == (0.0, -25.0)
    [override] = calibration_report().overrides
    assert override.reference == decisions["under"].reference


def test_decisions_superseded_or_reversed_are_counted_by_option(
    users: dict[str, User],
) -> None:
    owner, reviewer = users["commercial"], users["reviewer"]
    first = _decided(owner, reviewer)
    case = review_reopen(case=first.case, by=reviewer, reason="The market has changed.")
    second = review_decide(
        case=case,
        by=reviewer,
        action="approve",
        option=other_option(case),
        rationale="A new supplier market.",
    )
    assert second is not None and second.supersedes_id == first.pk
    kept = _decided(owner, reviewer)
    changes = {row.option: row for row in calibration_report().changes}
    row = changes[first.decided_option]
    assert (row.decisions, row.superseded, row.reversed) == (2, 1, 1)
    assert row.superseded_pct == row.reversed_pct == 50.0
    assert changes[second.decided_option].superseded == 0
    assert kept.decided_option == first.decided_option


def test_the_filters_keep_a_department_an_option_and_a_period(
    decisions: dict[str, DecisionRecord],
) -> None:
    under = decisions["under"]
    assert [d.reference for d in calibration_report(department="dept-b").decisions] == [
        under.reference
    ]
    assert calibration_report(option=under.decided_option).total.outcomes == 1
    today = timezone.localdate(under.decided_at)
    assert len(calibration_report(since=today, until=today).decisions) == 3
    assert calibration_report(until=today.replace(year=today.year - 1)).decisions == []


def test_every_report_reads_decided_from_and_to_as_london_days(
    users: dict[str, User], client_as: Any, settings: Any
) -> None:
    # Back-dated decisions: their PDFs are not rendered here (the chain check would call them
    # overdue). 23:30 UTC on 30 June 2026 is 00:30 on 1 July in London (British Summer Time).
    settings.PDF_OVERDUE_MINUTES = 10_000_000
    a, b, reviewer = users["commercial"], users["outsider"], users["reviewer"]
    with mock.patch(
        "django.utils.timezone.now", return_value=datetime(2026, 6, 30, 10, tzinfo=UTC)
    ):
        earlier = _decided(a, reviewer)
    at = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)
    with mock.patch("django.utils.timezone.now", return_value=at):
        later = _decided(b, reviewer, override=True)
    june, july = date(2026, 6, 30), date(2026, 7, 1)
    for day, record in ((june, earlier), (july, later)):
        assert [d.reference for d in calibration_report(since=day, until=day).decisions] == [
            record.reference
        ]
        assert dashboard(Period(since=day, until=day)).total.decisions == 1
        body = client_as(users["auditor"]).get(
            "/api/v1/calibration", {"since": day.isoformat(), "until": day.isoformat()}
        )
        assert body.json()["approvals"] == 1
    # The consistency report dates a pair by its later decision: 1 July, not 30 June.
    assert [p.later for p in flagged_pairs(since=july, until=july)] == [later]
    assert flagged_pairs(since=june, until=june) == []
    audit_chain_check()


@pytest.mark.parametrize("size", [1, 4])
def test_the_report_takes_three_queries_whatever_the_number_of_decisions(
    size: int, users: dict[str, User], django_assert_num_queries: Any
) -> None:
    for _ in range(size):
        record = _decided(users["commercial"], users["reviewer"])
        _outcome(record, users["commercial"], 900_000)
        _outcome(record, users["commercial"], 1_000_000)  # a later review replaces it
    with django_assert_num_queries(3):
        report = calibration_report()
    assert report.total.outcomes == size
    assert report.total.actual_gbp == size * 1_000_000


def test_the_page_shows_the_tables_to_the_centre_of_excellence_and_auditors_only(
    decisions: dict[str, DecisionRecord], users: dict[str, User], client_as: Any
) -> None:
    url = reverse("calibration_report")
    for role in ("reviewer", "auditor", "steward"):
        html = client_as(users[role]).get(url).content.decode()
        assert "3 approvals, 2 with an outcome review: £50,000 under (3.1%) in all" in html
        assert "£150,000 over (18.8%)" in html and "£200,000 under (25.0%)" in html
        assert "Overrode the recommendation" in html
        assert decisions["under"].reference in html
    for role in ("commercial", "department_admin", "admin"):
        assert client_as(users[role]).get(url).status_code == 403
    reviewer = client_as(users["reviewer"]).get(url).content.decode()
    assert reverse("record_detail", args=[decisions["over"].pk]) in reviewer
    assert "Make a golden case" not in reviewer
    home = client_as(users["reviewer"]).get(reverse("home")).content.decode()
    assert url in home


def test_a_bad_filter_is_named_in_the_error_summary(users: dict[str, User], client_as: Any) -> None:
    client = client_as(users["reviewer"])
    html = client.get(
        reverse("calibration_report"), {"since": "31 February 2026", "option": "cheapest"}
    ).content.decode()
    assert "There is a problem" in html
    assert 'href="#since"' in html and 'href="#option"' in html
    csv_page = client.get(reverse("calibration_report_csv"), {"until": "never"})
    assert csv_page["Content-Type"].startswith("text/html")
    assert 'href="#until"' in csv_page.content.decode()


def test_the_last_day_a_date_can_be_is_an_end_with_nothing_after_it(
    decisions: dict[str, DecisionRecord], users: dict[str, User], client_as: Any
) -> None:
    # 31 December 9999 has no next day to start: it was an OverflowError (500) on the page,
    # the CSV and the API.
    client = client_as(users["reviewer"])
    page = client.get(reverse("calibration_report"), {"until": "31 December 9999"})
    assert page.status_code == 200 and "There is a problem" not in page.content.decode()
    csv_file = client.get(reverse("calibration_report_csv"), {"until": "9999-12-31"})
    assert csv_file.status_code == 200 and csv_file["Content-Type"].startswith("text/csv")
    body = client.get("/api/v1/calibration", {"since": "0001-01-01", "until": "9999-12-31"})
    assert body.status_code == 200 and body.json()["approvals"] == 3


def test_the_csv_has_a_row_per_approval_with_numbers_as_numbers_and_no_formulas(
    users: dict[str, User], make_user: Any, client_as: Any
) -> None:
    formula = department_ensure(code="dept-f", name='=HYPERLINK("http://evil")')
    owner = make_user("user-formula", Role.COMMERCIAL, formula)
    record = _decided(owner, users["reviewer"])
    _outcome(record, owner, 780_000)
    _decided(users["commercial"], users["reviewer"])
    response = client_as(users["auditor"]).get(reverse("calibration_report_csv"))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 2
    row = next(r for r in rows if r["reference"] == record.reference)
    assert row["department"] == '\'=HYPERLINK("http://evil")'
    assert (row["estimate_gbp"], row["actual_cost_to_date_gbp"]) == ("800000", "780000")
    assert (row["variance_gbp"], row["variance_pct"]) == ("-20000", "-2.5")
    assert row["delivered"] == "yes" and row["cost_to_date_partial"] == "yes"
    other = next(r for r in rows if r["reference"] != record.reference)
    assert other["outcome_recorded_on"] == "" and other["variance_gbp"] == ""
    text_cells = [v for r in rows for k, v in r.items() if not k.endswith(("_gbp", "_pct"))]
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in text_cells)


def test_the_api_reports_the_figures_and_names_a_bad_filter(
    decisions: dict[str, DecisionRecord], users: dict[str, User], client_as: Any
) -> None:
    client = client_as(users["auditor"])
    body = client.get("/api/v1/calibration").json()
    assert (body["approvals"], body["with_outcome"], body["count"]) == (3, 2, 2)
    assert body["cost"]["total"]["variance_gbp"] == -50_000
    assert {r["key"] for r in body["cost"]["by_department"]} == {"dept-a", "dept-b"}
    assert body["overrides"]["overridden"]["same_again_pct"] == 0.0
    assert body["items"][0]["reference"] == decisions["under"].reference
    assert body["items"][0]["outcome"]["months_late"] == 3
    assert body["items"][0]["variance_gbp"] == -200_000
    paged = client.get("/api/v1/calibration", {"limit": 1, "offset": 1}).json()
    assert [i["reference"] for i in paged["items"]] == [decisions["over"].reference]
    filtered = client.get("/api/v1/calibration", {"department": "dept-a"}).json()
    assert filtered["approvals"] == 2
    bad = client.get("/api/v1/calibration", {"since": "soon", "option": "cheapest"})
    assert bad.status_code == 422
    assert {tuple(d["loc"]) for d in bad.json()["detail"]} == {
        ("query", "since"),
        ("query", "option"),
    }
    assert client_as(users["commercial"]).get("/api/v1/calibration").status_code == 403
    assert client_as(users["steward"]).get("/api/v1/calibration").status_code == 200


# The steward's golden case from an outcome ---------------------------------------------------


def test_a_steward_makes_a_golden_case_expecting_the_decided_option_chosen_again(
    decisions: dict[str, DecisionRecord], users: dict[str, User], client_as: Any
) -> None:
    over = decisions["over"]
    steward = client_as(users["steward"])
    page = steward.get(reverse("calibration_report")).content.decode()
    action = reverse("calibration_golden_case", args=[over.pk])
    assert action in page and "Make a golden case" in page
    done = steward.post(action)
    assert done.status_code == 302
    golden = GoldenCase.objects.get(source_case=over.case)
    assert golden.code == f"OUT-{over.reference}"
    assert golden.expected == {"recommended": over.decided_option}
    assert golden.answers == over.content["answers"]
    assert "£950,000 to date against £800,000" in golden.basis
    event = AuditEvent.objects.filter(action="golden_case.created").get()
    assert event.payload["origin"]["record"] == over.reference
    assert event.payload["source_case"] == over.reference
    after = steward.get(reverse("calibration_report")).content.decode()
    assert reverse("golden_edit", args=[golden.code]) in after
    again = steward.post(action)
    assert again.status_code == 409
    assert f"A golden case ({golden.code}) was already made from {over.reference}" in (
        again.content.decode()
    )
    assert GoldenCase.objects.count() == 1
    assert audit_chain_check().problems == ()


def test_when_the_department_would_not_choose_again_the_steward_must_pick_another_option(
    decisions: dict[str, DecisionRecord], users: dict[str, User], client_as: Any
) -> None:
    under = decisions["under"]
    steward = client_as(users["steward"])
    action = reverse("calibration_golden_case", args=[under.pk])
    missing = steward.post(action)
    html = missing.content.decode()
    assert missing.status_code == 200
    assert "There is a problem" in html and f'href="#option-{under.reference}"' in html
    assert "Select the option the outcome shows was right" in html
    same = steward.post(action, {"option": under.decided_option})
    assert "would not choose" in same.content.decode()
    assert not GoldenCase.objects.exists()
    filtered = steward.get(reverse("calibration_report"), {"department": "dept-b"})
    assert 'name="filter-department" value="dept-b"' in filtered.content.decode()
    kept = steward.post(action, {"filter-department": "dept-b"}).content.decode()
    assert '<option value="dept-b" selected>' in kept and "1 approval, 1 with" in kept
    chosen = next(o for o in ("buy", "build", "partner") if o != under.decided_option)
    done = steward.post(action, {"option": chosen, "filter-department": "dept-b"})
    assert done.status_code == 302
    assert done["Location"] == f"/review/calibration/?department=dept-b#outcome-{under.reference}"
    assert GoldenCase.objects.get().expected == {"recommended": chosen}
    assert audit_chain_check().problems == ()


def test_a_decision_without_an_outcome_makes_no_golden_case(
    decisions: dict[str, DecisionRecord], users: dict[str, User], client_as: Any
) -> None:
    none = decisions["none"]
    with pytest.raises(TransitionRefused, match="has no outcome review"):
        golden_case_from_outcome(record=none, by=users["steward"])
    with pytest.raises(TransitionRefused):
        golden_case_from_outcome(record=decisions["over"], by=users["reviewer"])
    refused = client_as(users["steward"]).post(reverse("calibration_golden_case", args=[none.pk]))
    assert refused.status_code == 409
    assert "has no outcome review" in refused.content.decode()
    assert (
        client_as(users["reviewer"])
        .post(reverse("calibration_golden_case", args=[decisions["over"].pk]))
        .status_code
        == 403
    )
    assert not GoldenCase.objects.exists()


def test_the_api_makes_a_golden_case_and_names_a_bad_option(
    decisions: dict[str, DecisionRecord], users: dict[str, User], client_as: Any
) -> None:
    under = decisions["under"]
    steward = client_as(users["steward"])
    url = f"/api/v1/decisions/{under.pk}/golden-case"
    missing = post_json(steward, url, {})
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["body", "option"]
    assert post_json(steward, url, {"option": "cheapest"}).status_code == 422
    chosen = next(o for o in ("buy", "build", "partner") if o != under.decided_option)
    made = post_json(steward, url, {"option": chosen})
    assert made.status_code == 201
    assert made.json()["expected"] == {"recommended": chosen}
    assert post_json(steward, url, {"option": chosen}).status_code == 409
    none = post_json(steward, f"/api/v1/decisions/{decisions['none'].pk}/golden-case", {})
    assert none.status_code == 409
    assert post_json(client_as(users["reviewer"]), url, {}).status_code == 403
    assert post_json(steward, "/api/v1/decisions/999999/golden-case", {}).status_code == 404
    assert audit_chain_check().problems == ()


def test_a_golden_case_from_an_outcome_is_tested_when_the_next_ruleset_is_published(
    decisions: dict[str, DecisionRecord], users: dict[str, User]
) -> None:
    steward = users["steward"]
    over, under = decisions["over"], decisions["under"]
    # The followed decision, chosen again: the rules already recommend it (passes).
    golden_case_from_outcome(record=over, by=steward)
    # The override the department regrets, expecting an option the rules do not recommend.
    third = next(
        o for o in ("buy", "build", "partner") if o not in (under.recommended, under.decided_option)
    )
    with pytest.raises(ValidationFailed):
        golden_case_from_outcome(record=under, by=steward, option=under.decided_option)
    golden_case_from_outcome(record=under, by=steward, option=third)
    draft = ruleset_draft_create(by=steward, version="2099.1")
    second_steward_approves(draft)
    with pytest.raises(TransitionRefused, match="1 golden case does not pass"):
        ruleset_publish(draft=draft, by=steward, change_summary="Unchanged rules.")
