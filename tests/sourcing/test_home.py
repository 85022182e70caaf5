"""Home pages as to-do lists: what waits for each role, with counts, in constant queries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from decisions.cases.services import case_create, case_move, signoff_request_create
from decisions.review.services import review_decide
from decisions.rulesets.services import ruleset_draft_create
from sourcing.models import Case, CaseStatus, Role, User
from tests.factories import approved_record, submitted_case


def _page(client: Any) -> str:
    answer = client.get("/")
    assert answer.status_code == 200
    return answer.content.decode()


def _queries(client: Any) -> int:
    with CaptureQueriesContext(connection) as captured:
        _page(client)
    return len(captured)


def _moved(case: Case, by: User, *statuses: str) -> None:
    with transaction.atomic():
        for status in statuses:
            case_move(case, by=by, to=status)


def test_a_commercial_user_sees_cases_to_finish_returns_and_reviews_due(
    users: dict[str, User], client_as: Any
) -> None:
    alice, carol = users["commercial"], users["reviewer"]
    record = approved_record(alice, carol, review_by=timezone.localdate() + timedelta(days=20))
    returned = submitted_case(alice, title="Payroll")
    review_decide(case=returned, by=carol, action="return", rationale="Cost the exit.")
    case_create(by=alice, title="Travel booking")
    case_create(by=users["outsider"], title="Another department's draft")
    page = _page(client_as(alice))
    assert "Cases to finish (1)" in page and "Travel booking" in page
    assert "Another department" not in page
    assert "Returned cases (1)" in page and f"/cases/{returned.reference}/" in page
    assert "Decisions due for review (1)" in page and f"/records/{record.pk}/" in page
    assert "Sign-offs requested of you (0)" in page


def test_sign_offs_requested_of_a_person_are_on_their_home_page(
    users: dict[str, User], client_as: Any, make_user: Any, ruleset: Any
) -> None:
    alice = users["commercial"]
    finance = make_user("finance-colleague", Role.COMMERCIAL)
    case = case_create(by=alice, title="Payroll")
    asked = signoff_request_create(case=case, by=alice, discipline="finance", user=finance.username)
    page = _page(client_as(finance))
    assert "Sign-offs requested of you (1)" in page
    assert f'href="/sign-off-requests/{asked.pk}/"' in page and "Finance" in page
    assert "Sign-offs requested of you (0)" in _page(client_as(alice))


def test_a_reviewer_sees_cases_to_review_oldest_first_with_days_waiting(
    users: dict[str, User], client_as: Any
) -> None:
    alice, carol = users["commercial"], users["reviewer"]
    older = submitted_case(alice, title="Older case")
    newer = submitted_case(alice, title="Newer case")
    older.status_changes.filter(to_status=CaseStatus.SUBMITTED).update(
        at=timezone.now() - timedelta(days=12)
    )
    page = _page(client_as(carol))
    assert "Cases to review (2)" in page
    assert page.index(older.reference) < page.index(newer.reference)
    assert ">12</td>" in page
    assert "Decisions due for review (0)" in page


def test_an_auditor_sees_recent_records_and_a_steward_drafts_to_publish(
    users: dict[str, User], client_as: Any
) -> None:
    record = approved_record(users["commercial"], users["reviewer"])
    page = _page(client_as(users["auditor"]))
    assert "Recent decision records (1 in all)" in page and f"/records/{record.pk}/" in page
    # The title is the stored column read out of the record's content when it was written.
    title = record.content["identity"]["title"]
    assert f"{record.reference} {title}</a>, {record.department.name}," in page
    assert "Verify the audit chain" in page
    ruleset_draft_create(by=users["steward"], version="2026.12")
    steward = _page(client_as(users["steward"]))
    assert "Drafts to publish (1)" in steward and "/rulesets/2026.12/" in steward


def test_each_home_page_keeps_a_constant_number_of_queries_whatever_the_rows(
    users: dict[str, User], client_as: Any, ruleset: Any, make_user: Any
) -> None:
    alice, carol = users["commercial"], users["reviewer"]
    colleague = make_user("colleague", Role.COMMERCIAL)
    clients = {
        role: client_as(users[role]) for role in ("commercial", "reviewer", "auditor", "steward")
    }

    def add_rows(n: int, start: int) -> None:
        for i in range(start, start + n):
            draft = case_create(by=alice, title=f"Draft {i}")
            submitted = case_create(by=alice, title=f"Submitted {i}")
            _moved(submitted, alice, CaseStatus.SUBMITTED)
            back = case_create(by=alice, title=f"Returned {i}")
            _moved(back, alice, CaseStatus.SUBMITTED, CaseStatus.RETURNED)
            ruleset_draft_create(by=users["steward"], version=f"2027.{i}")
            theirs = case_create(by=colleague, title=f"Asked {i}")
            signoff_request_create(
                case=theirs, by=colleague, discipline="finance", user=alice.username
            )
            assert draft.pk

    add_rows(1, 0)
    approved_record(alice, carol, review_by=timezone.localdate() + timedelta(days=10))
    before = {role: _queries(client) for role, client in clients.items()}
    add_rows(12, 1)
    approved_record(alice, carol, review_by=timezone.localdate() + timedelta(days=11))
    approved_record(alice, carol, review_by=timezone.localdate() + timedelta(days=12))
    after = {role: _queries(client) for role, client in clients.items()}
    assert after == before
    page = _page(clients["commercial"])
    assert "Cases to finish (13)" in page and "See all 13 cases to finish" in page
    assert "Sign-offs requested of you (13)" in page
    assert "See all 13 sign-offs requested of you" in page
