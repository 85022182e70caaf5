"""The Centre of Excellence's consistency report (issue 20): near-identical decisions of any
departments decided differently; filters, CSV (formula-safe cells), API and who may read it."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

from django.urls import reverse
from django.utils import timezone

from decisions.cases.services import case_submit
from decisions.records.consistency import flagged_pairs
from decisions.records.models import DecisionRecord
from decisions.review.services import review_decide
from sourcing.models import Role, User
from sourcing.people.services import department_ensure
from tests.factories import assessed_case, other_option


def _decided(
    owner: User, reviewer: User, *, override: bool = False, **answers: Any
) -> DecisionRecord:
    case = case_submit(case=assessed_case(owner, **answers), by=owner)
    record = review_decide(
        case=case,
        by=reviewer,
        action="approve",
        option=other_option(case) if override else None,
        rationale="Strategic reasons." if override else "",
    )
    assert record is not None
    return record


def test_the_report_lists_near_identical_pairs_decided_differently_across_departments(
    users: dict[str, User], client_as: Any
) -> None:
    earlier = _decided(users["outsider"], users["reviewer"], override=True)
    later = _decided(users["commercial"], users["reviewer"])
    _decided(users["outsider"], users["reviewer"], cross_government_solution="available")
    [pair] = flagged_pairs()
    assert (pair.earlier, pair.later) == (earlier, later)
    for role in ("reviewer", "auditor"):
        html = client_as(users[role]).get(reverse("consistency_report")).content.decode()
        assert "1 pair decided differently" in html
        assert reverse("record_detail", args=[earlier.pk]) in html
        assert reverse("record_detail", args=[later.pk]) in html
    for role in ("commercial", "steward"):
        assert client_as(users[role]).get(reverse("consistency_report")).status_code in (403, 404)


def test_the_report_filters_by_department_option_and_period(
    users: dict[str, User], client_as: Any
) -> None:
    earlier = _decided(users["outsider"], users["reviewer"], override=True)
    later = _decided(users["commercial"], users["reviewer"])
    assert flagged_pairs(department="dept-a") and flagged_pairs(department="dept-b")
    assert flagged_pairs(option=earlier.decided_option)
    assert flagged_pairs(option=later.decided_option)
    unused = next(
        o
        for o in ("buy", "build", "partner", "procure", "innovate")
        if o not in (earlier.decided_option, later.decided_option)
    )
    assert flagged_pairs(option=unused) == []
    today = timezone.now().date()
    assert flagged_pairs(since=today, until=today)
    assert flagged_pairs(until=today - timedelta(days=1)) == []
    client = client_as(users["reviewer"])
    html = client.get(reverse("consistency_report"), {"option": unused}).content.decode()
    assert "No pairs match these filters" in html
    bad = client.get(reverse("consistency_report"), {"since": "31 February 2026"}).content.decode()
    assert "Error:" in bad and 'href="#since"' in bad


def test_the_csv_neutralises_formulas_in_every_cell(
    users: dict[str, User], make_user: Any, client_as: Any
) -> None:
    formula = department_ensure(code="dept-f", name='=HYPERLINK("http://evil")')
    owner = make_user("user-formula", Role.COMMERCIAL, formula)
    _decided(owner, users["reviewer"], override=True)
    _decided(users["commercial"], users["reviewer"])
    response = client_as(users["auditor"]).get(reverse("consistency_report_csv"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "later_reference" and len(rows) == 2
    assert rows[1][6] == '\'=HYPERLINK("http://evil")'
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_the_api_lists_the_pairs_and_names_a_bad_filter(
    users: dict[str, User], client_as: Any
) -> None:
    earlier = _decided(users["outsider"], users["reviewer"], override=True)
    _decided(users["commercial"], users["reviewer"])
    client = client_as(users["auditor"])
    body = client.get("/api/v1/consistency").json()
    assert body["count"] == 1
    assert body["items"][0]["earlier"]["reference"] == earlier.reference
    assert body["items"][0]["earlier"]["department"]["code"] == "dept-b"
    assert body["items"][0]["distance"] == 0
    bad = client.get("/api/v1/consistency", {"until": "not a date"})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["query", "until"]
    # An unknown department is an error, as on the page (and in the dashboard's API), in both
    # reports' APIs: not an empty report.
    for path in ("/api/v1/consistency", "/api/v1/calibration"):
        unknown = client.get(path, {"department": "nowhere", "since": "2026-05-02"})
        assert unknown.status_code == 422
        assert [d["loc"] for d in unknown.json()["detail"]] == [["query", "department"]]
    assert client.get("/api/v1/consistency", {"department": "dept-b"}).json()["count"] == 1
    assert client_as(users["commercial"]).get("/api/v1/consistency").status_code == 403
