"""The answer history: from the audit chain, with labels, old and new values, who and when;
scoped like the case (a foreign case or a hidden draft is 404), page and API alike."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from decisions.audit.services import audit_on
from decisions.cases.history import NOT_RECORDED, answer_history
from decisions.cases.services import case_create, case_update
from decisions.presenter import answer_shown, question_label
from sourcing.models import User
from sourcing.people.services import token_issue
from tests.factories import approved_record


def test_each_change_shows_the_question_old_and_new_values_who_and_when(
    users: dict[str, User], ruleset: Any
) -> None:
    alice = users["commercial"]
    User.objects.filter(pk=alice.pk).update(first_name="Alice", last_name="Smith")
    case = case_create(by=alice, title="Payroll", answers={"differentiation": "commodity"})
    case_update(case=case, by=alice, answers={"differentiation": "unique_to_policy"})
    case_update(case=case, by=alice, title="Payroll service", sro_name="Sam Owner")
    rows = answer_history(case)
    assert [(r.label, r.old_text, r.new_text) for r in rows] == [
        ("Title", "Payroll", "Payroll service"),
        ("Senior Responsible Owner", "Not given", "Sam Owner"),
        (
            question_label("differentiation"),
            answer_shown("differentiation", "commodity"),
            answer_shown("differentiation", "unique_to_policy"),
        ),
        (
            question_label("differentiation"),
            "Not answered",
            answer_shown("differentiation", "commodity"),
        ),
    ]
    assert {r.by_name for r in rows} == {"Alice Smith"}
    assert rows[0].seq > rows[-1].seq


def test_changes_from_before_values_were_recorded_name_the_question_only(
    users: dict[str, User], ruleset: Any
) -> None:
    case = case_create(by=users["commercial"], title="Payroll")
    audit_on("case", case.pk, "case.changed", users["commercial"],
             fields=["answers"], answer_keys=["differentiation"], answers_version=2)  # fmt: skip
    [row] = answer_history(case)
    assert (row.label, row.old_text, row.new_text, row.recorded) == (
        question_label("differentiation"), NOT_RECORDED, NOT_RECORDED, False,
    )  # fmt: skip


def test_the_history_page_is_scoped_like_the_case(
    users: dict[str, User], ruleset: Any, client_as: Any
) -> None:
    alice = users["commercial"]
    draft = case_create(by=alice, title="Payroll", answers={"differentiation": "commodity"})
    url = f"/cases/{draft.reference}/history/"
    page = client_as(alice).get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Answer history" in text and question_label("differentiation") in text
    assert (
        f'href="/cases/{draft.reference}/history/"'
        in client_as(alice).get(f"/cases/{draft.reference}/").content.decode()
    )
    assert client_as(users["outsider"]).get(url).status_code == 404  # another department
    assert client_as(users["reviewer"]).get(url).status_code == 404  # a draft: not theirs yet
    assert client_as(users["steward"]).get(url).status_code == 403


def test_reviewers_and_auditors_reach_it_from_the_record_page(
    users: dict[str, User], client_as: Any
) -> None:
    record = approved_record(users["commercial"], users["reviewer"])
    url = f"/cases/{record.case.reference}/history/"
    for role in ("reviewer", "auditor", "commercial"):
        record_page = client_as(users[role]).get(f"/records/{record.pk}/").content.decode()
        assert f'href="{url}"' in record_page, role
        history = client_as(users[role]).get(url)
        assert history.status_code == 200 and "Answer history" in history.content.decode()
    assert client_as(users["outsider"]).get(url).status_code == 404


def test_the_page_and_the_api_read_a_long_history_in_constant_queries(
    users: dict[str, User], ruleset: Any, client_as: Any
) -> None:
    alice = users["commercial"]
    case = case_create(by=alice, title="Payroll", answers={"differentiation": "commodity"})
    client = client_as(alice)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/cases/{case.reference}/history/").status_code == 200
        return len(captured)

    few = queries()
    for n in range(20):
        value = "unique_to_policy" if n % 2 == 0 else "commodity"
        case_update(case=case, by=alice, answers={"differentiation": value})
    assert queries() == few


def test_the_api_lists_the_history_with_raw_and_shown_values(
    users: dict[str, User], ruleset: Any, client: Any
) -> None:
    alice = users["commercial"]
    case = case_create(by=alice, title="Payroll", answers={"differentiation": "commodity"})
    case_update(case=case, by=alice, answers={"differentiation": "unique_to_policy"})
    token = token_issue(user=alice)
    answer = client.get(f"/api/v1/cases/{case.pk}/history", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert answer.status_code == 200
    body = answer.json()
    assert body["count"] == 2
    first = body["items"][0]
    assert (first["key"], first["old"], first["new"]) == (
        "differentiation", "commodity", "unique_to_policy",
    )  # fmt: skip
    assert first["question"] == question_label("differentiation") and first["by"] == alice.username
    outsider = token_issue(user=users["outsider"])
    foreign = client.get(
        f"/api/v1/cases/{case.pk}/history", HTTP_AUTHORIZATION=f"Bearer {outsider}"
    )
    assert foreign.status_code == 404
