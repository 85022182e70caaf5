"""Review pages: per role, the queue, the case review, four eyes, bad input, the due list."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from decisions.audit.models import AuditEvent
from decisions.cases.services import case_submit
from decisions.records.models import DecisionRecord
from decisions.review import selectors
from decisions.review import views as review_views
from decisions.review.services import review_decide
from sourcing import compiled_sql
from sourcing.models import Case, CaseStatus, Department, Role, SignOff, User
from tests.factories import (
    approved_record,
    golden_answers,
    other_option,
    ready_case,
    submitted_case,
)
from tests.pages import error_summary, page_queries

XSS = '<script>alert(1)</script><a hx-get="/admin/" hx-trigger="load">x</a>'

Clients = Callable[[User | None], Client]


def post_decision(client: Client, case: Case, **data: str) -> Any:
    return client.post(reverse("review_case", args=[case.reference]), data)


@pytest.mark.parametrize(
    ("name", "allowed"),
    [
        ("review_queue", {"reviewer"}),
        ("review_due", {"reviewer"}),
        ("record_list", {"reviewer", "auditor", "commercial", "admin"}),
        ("audit_chain", {"reviewer", "auditor"}),
        ("register", set(Role.values)),  # public: every role, department administrators too
    ],
)
def test_each_role_gets_only_its_pages(
    name: str, allowed: set[str], users: dict[str, User], client_as: Clients
) -> None:
    for role in Role.values:
        response = client_as(users[role]).get(reverse(name))
        assert response.status_code == (200 if role in allowed else 403), (name, role)


def test_the_register_needs_no_sign_in_and_other_pages_do(db: None, client_as: Clients) -> None:
    assert client_as(None).get(reverse("register")).status_code == 200
    response = client_as(None).get(reverse("record_list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("sign_in"))


def test_a_reviewer_sees_the_review_pages_in_the_navigation(
    users: dict[str, User], client_as: Clients
) -> None:
    html = client_as(users["reviewer"]).get(reverse("review_queue")).content.decode()
    for label in ("Review queue", "Decision records", "Audit chain", "Register"):
        assert f">{label}<" in html or label in html
    commercial = client_as(users["commercial"]).get(reverse("case_list")).content.decode()
    assert "Review queue" not in commercial and "Audit chain" not in commercial


def test_the_queue_lists_submitted_cases_oldest_first_with_days_waiting(
    users: dict[str, User], ruleset: None, client_as: Clients
) -> None:
    first = submitted_case(users["commercial"], "First in")
    second = submitted_case(users["outsider"], "Second in")
    ready_case(users["commercial"])  # a draft: never in the queue
    first.status_changes.filter(to_status=CaseStatus.SUBMITTED).update(
        at=timezone.now() - timedelta(days=6)
    )
    response = client_as(users["reviewer"]).get(reverse("review_queue"))
    html = response.content.decode()
    assert html.index(first.reference) < html.index(second.reference)
    assert "2 cases" in html
    days = re.findall(r"govuk-table__cell--numeric\">(\d+)<", html)
    assert days == ["6", "0"]


def test_the_queue_filters_by_department_option_and_status(
    users: dict[str, User], ruleset: None, client_as: Clients
) -> None:
    own = submitted_case(users["commercial"], "Department A case")
    foreign = submitted_case(users["outsider"], "Department B case")
    decided = approved_record(users["commercial"], users["reviewer"])
    client = client_as(users["reviewer"])
    html = client.get(reverse("review_queue"), {"department": "dept-b"}).content.decode()
    assert foreign.reference in html and own.reference not in html
    recommended = own.assessments.first().recommended  # type: ignore[union-attr]
    html = client.get(reverse("review_queue"), {"option": recommended}).content.decode()
    assert own.reference in html
    other = next(o for o in ("buy", "build", "partner", "procure", "innovate") if o != recommended)
    html = client.get(reverse("review_queue"), {"option": other}).content.decode()
    assert own.reference not in html and "No cases match these filters" in html
    assert decided.reference not in client.get(reverse("review_queue")).content.decode()
    html = client.get(reverse("review_queue"), {"status": "approved"}).content.decode()
    assert decided.reference in html and own.reference not in html
    html = client.get(reverse("review_queue"), {"status": "all"}).content.decode()
    assert all(c.reference in html for c in (own, foreign, decided))


def test_the_queue_refuses_an_unknown_filter_value_clearly(
    users: dict[str, User], client_as: Clients
) -> None:
    response = client_as(users["reviewer"]).get(reverse("review_queue"), {"status": "<b>x"})
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert "<b>x" not in response.content.decode()


def test_the_queue_makes_the_same_number_of_queries_for_3_and_20_cases(
    users: dict[str, User],
    ruleset: None,
    client_as: Clients,
    django_assert_num_queries: Any,
) -> None:
    client = client_as(users["reviewer"])
    url = reverse("review_queue")
    for _ in range(3):
        submitted_case(users["commercial"])
    expected = page_queries(client, url)
    for _ in range(17):
        submitted_case(users["outsider"])
    with django_assert_num_queries(expected):
        response = client.get(url)
    assert response.content.decode().count('<th scope="row"') == 20


def test_the_review_page_shows_answers_assessment_signoffs_and_form(
    users: dict[str, User], ruleset: None, client_as: Clients
) -> None:
    case = submitted_case(users["commercial"])
    response = client_as(users["reviewer"]).get(reverse("review_case", args=[case.reference]))
    html = response.content.decode()
    assert response.status_code == 200
    for text in (
        "About the need",  # answers by questionnaire section
        "The five options, ranked",  # the department's assessment presentation
        "Policy checks: comply or explain",
        "How each rule scored",
        "Sign-offs",
        "Sam Owner",
        "Approve a different option (override)",
        "Return to the department",
        'name="review_by_day"',
    ):
        assert text in html, text
    assert "assessment_replay" not in html and "/replay/" not in html


def test_the_review_page_uses_the_same_assessment_presentation_as_the_department(
    users: dict[str, User], ruleset: None, client_as: Clients
) -> None:
    case = submitted_case(users["commercial"])
    assessment = case.assessments.first()
    assert assessment is not None
    department = client_as(users["commercial"]).get(
        reverse("assessment_detail", args=[assessment.pk])
    )
    reviewer = client_as(users["reviewer"]).get(reverse("review_case", args=[case.reference]))

    def tables(response: Any) -> list[str]:
        html = re.sub(r"\s+", " ", response.content.decode())
        return re.findall(r'<table class="govuk-table">.*?</table>', html)

    assert tables(department) and tables(reviewer)[: len(tables(department))] == tables(department)


def test_the_review_page_reads_the_assessment_without_its_result_once_it_is_kept(
    users: dict[str, User], ruleset: None, client_as: Clients
) -> None:
    case = submitted_case(users["commercial"])
    client = client_as(users["reviewer"])
    url = reverse("review_case", args=[case.reference])
    cache.clear()  # the presentation not kept: rendered from the result, read then
    first = client.get(url).content.decode()
    with CaptureQueriesContext(connection) as kept:
        again = client.get(url).content.decode()
    assert _without_tokens(again) == _without_tokens(first)
    assert "The five options, ranked" in again and "Recommendation: " in again
    read = " ".join(q["sql"] for q in kept.captured_queries)
    assert '"decisions_assessment"."result",' not in read


def test_the_review_page_s_reads_are_compiled_once_for_every_case(
    users: dict[str, User], ruleset: None, client_as: Clients
) -> None:
    first = submitted_case(users["commercial"], "First case under review")
    second = submitted_case(users["commercial"], "Second case under review")
    compiled_sql.forget()
    client = client_as(users["reviewer"])
    page = client.get(reverse("review_case", args=[first.reference])).content.decode()
    kept = set(compiled_sql._kept)
    assert any(key[0] == "review-signoffs" for key in kept)
    again = client.get(reverse("review_case", args=[second.reference])).content.decode()
    assert set(compiled_sql._kept) == kept  # by shape: nothing compiled for the second case
    assert "First case under review" in page and "Second case under review" not in page
    assert "Second case under review" in again and "First case under review" not in again
    assert [s.case_id for s in selectors.review_signoffs(second)] == [
        s.case_id for s in second.signoffs.all()
    ]
    assert selectors.review_history(second)[-1].case_id == second.pk


def test_the_review_page_reads_the_case_owner_for_their_name_only(
    users: dict[str, User], ruleset: None, client_as: Clients
) -> None:
    owner = users["commercial"]
    case = submitted_case(owner)
    with CaptureQueriesContext(connection) as queries:
        html = client_as(users["reviewer"]).get(reverse("review_case", args=[case.reference]))
    assert html.status_code == 200
    assert escape(owner.get_full_name() or owner.username) in html.content.decode()
    case_reads = [q["sql"] for q in queries.captured_queries if 'FROM "sourcing_case"' in q["sql"]]
    assert case_reads and not any('"password"' in sql or '"email"' in sql for sql in case_reads)


def _without_tokens(html: str) -> str:
    return re.sub(r'(csrfmiddlewaretoken" value="|X-CSRFToken": "|nonce=")[^"]*', "", html)


def test_a_reviewer_who_signed_off_sees_why_they_cannot_decide(
    users: dict[str, User], ruleset: None, client_as: Clients
) -> None:
    case = submitted_case(users["commercial"])
    SignOff.objects.filter(case=case, discipline="legal").update(recorded_by=users["reviewer"])
    html = client_as(users["reviewer"]).get(reverse("review_case", args=[case.reference]))
    assert "You recorded a sign-off on this case" in html.content.decode()


def test_a_reviewer_of_the_same_department_sees_why_they_cannot_decide(
    users: dict[str, User], ruleset: None, make_user: Callable[..., User], client_as: Clients
) -> None:
    case = submitted_case(users["commercial"])
    insider = make_user("insider", Role.REVIEWER, Department.objects.get(code="dept-a"))
    html = client_as(insider).get(reverse("review_case", args=[case.reference])).content.decode()
    assert "You cannot review a case of your own department." in html
    assert 'name="action"' not in html
    response = post_decision(client_as(insider), case, action="approve")
    assert response.status_code == 409
    assert "You cannot review a case of your own department." in response.content.decode()
    assert not DecisionRecord.objects.exists()


def test_a_reviewer_cannot_open_a_draft(
    users: dict[str, User], ruleset: None, client_as: Clients
) -> None:
    draft = ready_case(users["commercial"])
    response = client_as(users["reviewer"]).get(reverse("review_case", args=[draft.reference]))
    assert response.status_code == 404


def test_an_override_without_reasons_names_the_field_and_saves_nothing(
    users: dict[str, User], ruleset: None, client_as: Clients
) -> None:
    case = submitted_case(users["commercial"])
    events = AuditEvent.objects.count()
    response = post_decision(
        client_as(users["reviewer"]), case, action="override", option=other_option(case)
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html and "<title>Error:" in html
    assert re.search(r'<a href="#rationale">Enter why you chose \w+ instead of', html)
    assert 'id="rationale-error"' in html
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED
    assert not DecisionRecord.objects.exists() and AuditEvent.objects.count() == events


def test_an_override_needs_an_option(
    users: dict[str, User], ruleset: None, client_as: Clients
) -> None:
    case = submitted_case(users["commercial"])
    response = post_decision(client_as(users["reviewer"]), case, action="override", rationale="x")
    assert '<a href="#option">Select the option to approve instead</a>' in response.content.decode()
    assert not DecisionRecord.objects.exists()


def test_a_decision_needs_an_action(
    users: dict[str, User], ruleset: None, client_as: Clients
) -> None:
    case = submitted_case(users["commercial"])
    response = post_decision(client_as(users["reviewer"]), case)
    html = response.content.decode()
    assert '<a href="#action">Select what you want to do with this case</a>' in html


def test_every_error_of_the_decision_form_is_reported_in_one_round(
    users: dict[str, User], ruleset: None, client_as: Clients
) -> None:
    case = submitted_case(users["commercial"])
    response = post_decision(
        client_as(users["reviewer"]),
        case,
        action="override",
        option=other_option(case),
        review_by_day="1",
        review_by_month="Jan",
        review_by_year="2020",
    )
    html = response.content.decode()
    links = re.findall(r'<li><a href="(#[\w-]+)">([^<]+)</a></li>', html)
    assert [href for href, _ in links] == ["#rationale", "#review_by-day"], links
    assert links[1][1] == "Review-by date must be in the future"
    assert 'id="review_by-error"' in html and 'id="rationale-error"' in html
    assert not DecisionRecord.objects.exists()


def test_an_override_without_an_option_still_reports_a_past_review_by_date(
    users: dict[str, User], ruleset: None, client_as: Clients
) -> None:
    case = submitted_case(users["commercial"])
    past = {"review_by_day": "1", "review_by_month": "4", "review_by_year": "2001"}
    response = post_decision(
        client_as(users["reviewer"]), case, action="override", rationale="because", **past
    )
    assert error_summary(response) == [
        ("#option", "Select the option to approve instead"),
        ("#review_by-day", "Review-by date must be in the future"),
    ]
    assert not DecisionRecord.objects.exists()


@pytest.mark.parametrize("option", ["zzz", "recommended"])
def test_an_option_that_cannot_be_chosen_is_said_once_with_the_other_errors(
    users: dict[str, User], ruleset: None, client_as: Clients, option: str
) -> None:
    case = submitted_case(users["commercial"])
    if option == "recommended":
        option = case.assessments.order_by("-created_at").first().recommended  # type: ignore[union-attr]
    past = {"review_by_day": "1", "review_by_month": "4", "review_by_year": "2001"}
    response = post_decision(
        client_as(users["reviewer"]), case, action="override", option=option, **past
    )
    assert error_summary(response) == [
        ("#option", "Select the option to approve instead"),
        ("#review_by-day", "Review-by date must be in the future"),
    ]
    assert not DecisionRecord.objects.exists()


def test_reasons_that_are_too_long_are_said_once(
    users: dict[str, User], ruleset: None, client_as: Clients
) -> None:
    case = submitted_case(users["commercial"])
    response = post_decision(
        client_as(users["reviewer"]), case, action="return", rationale="x" * 10_001
    )
    links = re.findall(r'<li><a href="(#[\w-]+)">([^<]+)</a></li>', response.content.decode())
    assert links == [("#rationale", "Reasons must be 10,000 characters or fewer")]


def test_only_the_missing_part_of_the_review_by_date_is_highlighted_and_linked(
    users: dict[str, User], ruleset: None, client_as: Clients
) -> None:
    case = submitted_case(users["commercial"])
    response = post_decision(
        client_as(users["reviewer"]),
        case,
        action="approve",
        review_by_day="27",
        review_by_month="",
        review_by_year="2031",
    )
    html = response.content.decode()
    assert '<a href="#review_by-month">Review-by date must include a month</a>' in html
    wrong = re.findall(r'class="[^"]*govuk-input--error[^"]*" id="([\w-]+)"', html)
    assert wrong == ["review_by-month"]


def test_a_review_by_month_typed_as_a_name_is_accepted(
    users: dict[str, User], ruleset: None, client_as: Clients
) -> None:
    case = submitted_case(users["commercial"])
    response = post_decision(
        client_as(users["reviewer"]),
        case,
        action="approve",
        review_by_day="27",
        review_by_month="Apr",
        review_by_year="2031",
    )
    assert response.status_code == 302
    record = DecisionRecord.objects.get()
    assert record.review_by.isoformat() == "2031-04-27"


def test_a_return_needs_comments(users: dict[str, User], ruleset: None, client_as: Clients) -> None:
    case = submitted_case(users["commercial"])
    response = post_decision(client_as(users["reviewer"]), case, action="return", rationale="  ")
    assert (
        '<a href="#rationale">Enter your reasons for returning the case</a>'
        in response.content.decode()
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED


def test_an_impossible_review_by_date_is_named(
    users: dict[str, User], ruleset: None, client_as: Clients
) -> None:
    case = submitted_case(users["commercial"])
    response = post_decision(
        client_as(users["reviewer"]),
        case,
        action="approve",
        review_by_day="31",
        review_by_month="2",
        review_by_year="2030",
    )
    assert '<a href="#review_by-day">Review-by date must be a real date</a>' in (
        response.content.decode()
    )
    past = post_decision(
        client_as(users["reviewer"]),
        case,
        action="approve",
        review_by_day="1",
        review_by_month="1",
        review_by_year="2020",
    )
    assert "Review-by date must be in the future" in past.content.decode()
    assert not DecisionRecord.objects.exists()


def test_approving_issues_a_record_and_shows_it(
    users: dict[str, User], ruleset: None, client_as: Clients
) -> None:
    case = submitted_case(users["commercial"])
    client = client_as(users["reviewer"])
    response = post_decision(
        client,
        case,
        action="approve",
        review_by_day="1",
        review_by_month="6",
        review_by_year=str(timezone.now().year + 2),
    )
    record = DecisionRecord.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("record_detail", args=[record.pk])
    assert record.review_by.month == 6 and not record.overridden
    page = client.get(response["Location"]).content.decode()
    assert f"{case.reference} is approved and its decision record issued" in page


def test_an_override_with_reasons_is_recorded_as_an_override(
    users: dict[str, User], ruleset: None, client_as: Clients
) -> None:
    case = submitted_case(users["commercial"])
    option = other_option(case)
    post_decision(
        client_as(users["reviewer"]),
        case,
        action="override",
        option=option,
        rationale="Strong team.",
    )
    record = DecisionRecord.objects.get()
    assert record.overridden and record.decided_option == option


def test_returning_sends_the_case_back_and_its_comments_show_on_resubmission(
    users: dict[str, User], ruleset: None, client_as: Clients
) -> None:
    case = submitted_case(users["commercial"])
    client = client_as(users["reviewer"])
    response = post_decision(client, case, action="return", rationale="Add the exit plan.")
    assert response.status_code == 302 and response["Location"] == reverse("review_queue")
    case.refresh_from_db()
    assert case.status == CaseStatus.RETURNED and not DecisionRecord.objects.exists()
    assert (
        f"{case.reference} is returned to the department"
        in client.get(reverse("review_queue")).content.decode()
    )
    case_submit(case=case, by=users["commercial"])
    html = client.get(reverse("review_case", args=[case.reference])).content.decode()
    assert "Add the exit plan." in html and "Returned on" in html


def test_rejecting_issues_a_rejection_record(
    users: dict[str, User], ruleset: None, client_as: Clients
) -> None:
    case = submitted_case(users["commercial"])
    response = post_decision(
        client_as(users["reviewer"]), case, action="reject", rationale="Join the shared one."
    )
    record = DecisionRecord.objects.get()
    assert response["Location"] == reverse("record_detail", args=[record.pk])
    assert record.action == "reject"


def test_approving_twice_gives_a_clear_message_and_one_record(
    users: dict[str, User],
    ruleset: None,
    make_user: Callable[..., User],
    client_as: Clients,
) -> None:
    case = submitted_case(users["commercial"])
    assert post_decision(client_as(users["reviewer"]), case, action="approve").status_code == 302
    second = make_user("second-reviewer", Role.REVIEWER)
    response = post_decision(client_as(second), case, action="approve")
    html = response.content.decode()
    assert response.status_code == 409
    assert "not awaiting review: it may have been decided by someone else already" in html
    assert DecisionRecord.objects.count() == 1


def test_the_same_decision_sent_twice_is_answered_with_the_first_one_s_record(
    users: dict[str, User], ruleset: None, client_as: Clients
) -> None:
    case = submitted_case(users["commercial"])
    client = client_as(users["reviewer"])
    first = post_decision(client, case, action="approve")
    again = post_decision(client, case, action="approve")  # a double click
    record = DecisionRecord.objects.get()
    assert first["Location"] == again["Location"] == reverse("record_detail", args=[record.pk])
    # A different decision by the same reviewer is not a repeat: refused as before.
    other = post_decision(client, case, action="reject", rationale="No.")
    assert other.status_code == 409 and DecisionRecord.objects.count() == 1


def test_a_return_sent_twice_goes_back_to_the_queue_once(
    users: dict[str, User], ruleset: None, client_as: Clients
) -> None:
    case = submitted_case(users["commercial"])
    client = client_as(users["reviewer"])
    post_decision(client, case, action="return", rationale="Add the exit plan.")
    again = post_decision(client, case, action="return", rationale="Add the exit plan.")
    assert again.status_code == 302 and again["Location"] == reverse("review_queue")
    assert case.status_changes.filter(to_status=CaseStatus.RETURNED).count() == 1


def test_the_override_option_is_a_conditional_reveal_under_its_radio(
    users: dict[str, User], ruleset: None, client_as: Clients
) -> None:
    case = submitted_case(users["commercial"])
    client = client_as(users["reviewer"])
    html = client.get(reverse("review_case", args=[case.reference])).content.decode()
    assert 'value="override" data-aria-controls="conditional-override"' in html
    reveal = html[html.index('id="conditional-override"') - 80 :]
    assert "govuk-radios__conditional--hidden" in reveal[:120]
    assert reveal.index('name="option"') < reveal.index('name="rationale"')
    assert "Which option do you approve instead?" in reveal
    # Chosen and refused: shown open, with its error.
    refused = post_decision(client, case, action="override", rationale="Because.")
    page = refused.content.decode()
    start = page.index('id="conditional-override"') - 80
    assert "govuk-radios__conditional--hidden" not in page[start : start + 120]
    assert ("#option", "Select the option to approve instead") in error_summary(refused)
    # The approve button waits visibly and once (static/js/app.js).
    assert "data-app-busy-form" in html and 'data-app-busy-text="Recording the decision…"' in html


def test_a_rejected_record_shows_no_review_by_date(
    users: dict[str, User], ruleset: None, client_as: Clients
) -> None:
    case = submitted_case(users["commercial"])
    post_decision(client_as(users["reviewer"]), case, action="reject", rationale="Join it.")
    record = DecisionRecord.objects.get()
    auditor = client_as(users["auditor"])
    page = auditor.get(reverse("record_detail", args=[record.pk])).content.decode()
    assert "Review by" not in page
    listed = auditor.get(reverse("record_list")).content.decode()
    assert "Not applicable" in listed


def test_reviewer_text_is_shown_as_text_everywhere(
    users: dict[str, User], ruleset: None, client_as: Clients
) -> None:
    case = submitted_case(users["commercial"])
    review_decide(case=case, by=users["reviewer"], action="return", rationale=XSS)
    case_submit(case=case, by=users["commercial"])
    record = review_decide(
        case=case,
        by=users["reviewer"],
        action="approve",
        option=other_option(case),
        rationale=XSS,
    )
    assert record is not None
    pages = [
        client_as(users["reviewer"]).get(reverse("review_case", args=[case.reference])),
        client_as(users["auditor"]).get(reverse("record_detail", args=[record.pk])),
        client_as(users["commercial"]).get(reverse("record_detail", args=[record.pk])),
        client_as(None).get(reverse("register")),
    ]
    for response in pages:
        html = response.content.decode()
        assert response.status_code == 200
        assert "<script>alert" not in html and 'hx-get="/admin/"' not in html
    record_html = pages[1].content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;a hx-get=&quot;/admin/&quot;" in record_html


def test_decisions_due_for_review_are_listed_soonest_first(
    users: dict[str, User], ruleset: None, client_as: Clients
) -> None:
    today = timezone.now().date()
    later = approved_record(
        users["commercial"], users["reviewer"], review_by=today + timedelta(days=80)
    )
    sooner = approved_record(
        users["outsider"], users["reviewer"], review_by=today + timedelta(days=10)
    )
    distant = approved_record(
        users["commercial"], users["reviewer"]
    )  # default review-by: years away
    html = client_as(users["reviewer"]).get(reverse("review_due")).content.decode()
    assert html.index(f"{sooner.reference}:") < html.index(f"{later.reference}:")
    assert f"{distant.reference}:" not in html
    assert "Due in 10 days" in html and "Review again" in html


def test_the_due_list_reads_neither_a_record_s_content_nor_its_case_s_answers(
    users: dict[str, User], ruleset: None
) -> None:
    today = timezone.now().date()
    approved_record(users["commercial"], users["reviewer"], review_by=today + timedelta(days=10))
    [item] = selectors.due_for_review(today=today)
    record = item["record"]
    assert {"content", "answers"} <= record.get_deferred_fields()
    assert "answers" in record.case.get_deferred_fields()
    with CaptureQueriesContext(connection) as queries:  # what the list shows is read already
        shown = (record.reference, record.case.title, record.department.name, record.overridden)
        assert (record.decided_option, record.review_by, record.case_id) and shown
    assert len(queries) == 0


def test_the_due_list_comes_in_pages_and_a_refused_reason_shows_on_its_own_page(
    users: dict[str, User], ruleset: None, client_as: Clients, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(review_views, "PAGE_SIZE", 1)
    today = timezone.now().date()
    sooner = approved_record(
        users["commercial"], users["reviewer"], review_by=today + timedelta(days=10)
    )
    later = approved_record(
        users["outsider"], users["reviewer"], review_by=today + timedelta(days=20)
    )
    client = client_as(users["reviewer"])
    first = client.get(reverse("review_due")).content.decode()
    assert f"{sooner.reference}:" in first and f"{later.reference}:" not in first
    assert 'class="govuk-pagination"' in first and 'href="/review/due/?page=2"' in first
    second = client.get(reverse("review_due"), {"page": 2}).content.decode()
    assert f"{later.reference}:" in second and f"{sooner.reference}:" not in second
    refused = client.post(reverse("review_reopen", args=[later.reference]), {"reason": ""})
    html = refused.content.decode()
    assert f'<a href="#reason-{later.reference}">Enter why the decision' in html
    assert f"{later.reference}:" in html and 'href="/review/due/?page=1"' in html


def test_reviewing_again_needs_a_reason_then_opens_the_case(
    users: dict[str, User], ruleset: None, client_as: Clients
) -> None:
    today = timezone.now().date()
    record = approved_record(
        users["commercial"], users["reviewer"], review_by=today + timedelta(days=5)
    )
    client = client_as(users["reviewer"])
    url = reverse("review_reopen", args=[record.reference])
    response = client.post(url, {"reason": ""})
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<a href="#reason-{record.reference}">Enter why the decision' in html
    assert Case.objects.get(pk=record.case_id).status == CaseStatus.APPROVED
    response = client.post(url, {"reason": "The contract is ending."})
    assert response["Location"] == reverse("review_case", args=[record.reference])
    assert Case.objects.get(pk=record.case_id).status == CaseStatus.SUBMITTED
    post_decision(client, record.case, action="approve")
    newer = DecisionRecord.objects.get(supersedes=record)
    html = client.get(reverse("record_detail", args=[record.pk])).content.decode()
    assert reverse("record_detail", args=[newer.pk]) in html and "superseded by" in html


def test_reviewing_again_a_case_that_is_not_approved_is_refused(
    users: dict[str, User], ruleset: None, client_as: Clients
) -> None:
    case = submitted_case(users["commercial"])
    response = client_as(users["reviewer"]).post(
        reverse("review_reopen", args=[case.reference]), {"reason": "Why not."}
    )
    assert response.status_code == 409 and "There is a problem" in response.content.decode()


def test_the_review_page_says_why_and_when_a_decision_is_too_close_to_call(
    users: dict[str, User], ruleset: None, client_as: Clients
) -> None:
    owner = users["commercial"]
    case = case_submit(case=ready_case(owner, **golden_answers("G41")), by=owner)
    html = " ".join(
        client_as(users["reviewer"])
        .get(reverse("review_case", args=[case.reference]))
        .content.decode()
        .split()
    )
    assert "Too close to call between Build and Procure." in html
    assert "The strongest reasons for Build" in html and ">Fragile<" in html
    assert "Recommendation: Build, too close to call with Procure</h2>" in html
    assert "The rules recommend Build, too close to call with Procure." in html  # the form
    queue = " ".join(
        client_as(users["reviewer"]).get(reverse("review_queue")).content.decode().split()
    )
    assert '<td class="govuk-table__cell">Build, too close to call with Procure</td>' in queue
    # A reviewer weighing the runner-up sees the conditions it would carry.
    assert "Conditions if another option is chosen" in html
