"""Finding decisions: records by title or reference (page and API), the public register's
search and its CSV and JSON downloads (publishable fields only, formula-safe cells)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from decisions.review.services import review_decide
from sourcing.models import User
from tests.factories import submitted_case
from tests.pages import Api

ClientAs = Callable[[User | None], Client]
FORMULA = '=HYPERLINK("http://evil.example","click")'


def _approve(owner: User, reviewer: User, title: str):  # type: ignore[no-untyped-def]
    record = review_decide(case=submitted_case(owner, title=title), by=reviewer, action="approve")
    assert record is not None
    return record


def test_records_are_found_by_title_or_reference(
    users: dict[str, User], client_as: ClientAs
) -> None:
    appeals = _approve(users["commercial"], users["reviewer"], "Benefit appeals platform")
    housing = _approve(users["outsider"], users["reviewer"], "Housing data pilot")
    auditor = client_as(users["auditor"])

    def found(q: str) -> set[str]:
        html = auditor.get(reverse("record_list"), {"q": q}).content.decode()
        return {r.reference for r in (appeals, housing) if f">{r.reference}<" in html}

    assert found("APPEALS") == {appeals.reference}
    assert found(housing.reference.lower()) == {housing.reference}
    assert found("pilot") == {housing.reference}
    assert found("nothing like it") == set()
    # The title searched is the stored column the database read out of the content.
    with CaptureQueriesContext(connection) as captured:
        assert found("Housing") == {housing.reference}
    assert not any('"content"' in q["sql"] for q in captured.captured_queries)
    # The API: the same search, and a department user only their own department's.
    api = Api(users["auditor"])
    assert [i["reference"] for i in api.get("decisions?q=appeals").json()["items"]] == [
        appeals.reference
    ]
    own = Api(users["outsider"]).get("decisions?q=appeals").json()
    assert own["count"] == 0
    assert Api(users["auditor"]).get("decisions?q=" + "x" * 201).status_code == 422


def test_the_last_day_a_date_can_be_is_an_end_with_nothing_after_it(
    users: dict[str, User], client_as: ClientAs
) -> None:
    # 31 December 9999 has no next day to start: it was an OverflowError (500).
    record = _approve(users["commercial"], users["reviewer"], "Benefit appeals platform")
    last = {"to_day": "31", "to_month": "12", "to_year": "9999"}
    response = client_as(users["auditor"]).get(reverse("record_list"), last)
    assert response.status_code == 200 and f">{record.reference}<" in response.content.decode()


def test_the_register_is_searched_by_title_reference_or_department(
    users: dict[str, User], client_as: ClientAs
) -> None:
    appeals = _approve(users["commercial"], users["reviewer"], "Benefit appeals platform")
    housing = _approve(users["outsider"], users["reviewer"], "Housing data pilot")
    public = client_as(None)
    page = public.get(reverse("register"), {"q": "appeals"}).content.decode()
    assert "Benefit appeals platform" in page and "Housing data pilot" not in page
    assert "download.csv?q=appeals" in page and "download.json?q=appeals" in page
    by_department = public.get(reverse("register"), {"q": "department b"}).content.decode()
    assert "Housing data pilot" in by_department and "Benefit appeals" not in by_department
    none = public.get(reverse("register"), {"q": "zzz"}).content.decode()
    assert "No published decision matches" in none
    api = client_as(None).get("/api/v1/register", {"q": housing.reference})
    assert [i["reference"] for i in api.json()["items"]] == [housing.reference]
    assert appeals.reference not in api.content.decode()


def test_the_register_downloads_as_csv_with_formula_cells_neutralised(
    users: dict[str, User], client_as: ClientAs
) -> None:
    record = _approve(users["commercial"], users["reviewer"], FORMULA)
    _approve(users["outsider"], users["reviewer"], "@SUM(A1:A2)")
    response = client_as(None).get(reverse("register_csv"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    titles = {row["title"] for row in rows}
    assert titles == {"'" + FORMULA, "'@SUM(A1:A2)"}
    row = next(r for r in rows if r["reference"] == record.reference)
    assert row["decision"] == "Approved" and row["overridden"] == "no"
    # Publishable fields only: no budget, costs or suppliers.
    assert set(rows[0]) == {
        "reference",
        "department",
        "title",
        "decision",
        "decided_option",
        "decided_at",
        "overridden",
        "under_review",
        "reasons_summary",
    }


def test_the_register_downloads_as_json_and_keeps_the_search(
    users: dict[str, User], client_as: ClientAs
) -> None:
    appeals = _approve(users["commercial"], users["reviewer"], "Benefit appeals platform")
    _approve(users["outsider"], users["reviewer"], "Housing data pilot")
    response = client_as(None).get(reverse("register_json"), {"q": "appeals"})
    data = json.loads(b"".join(response.streaming_content))
    assert [i["reference"] for i in data["items"]] == [appeals.reference]
    assert data["items"][0]["title"] == "Benefit appeals platform"
    every = json.loads(b"".join(client_as(None).get(reverse("register_json")).streaming_content))
    assert len(every["items"]) == 2
