"""Record, audit and register pages: per role and department, search, escaping, queries."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from decisions.audit.models import AuditEvent
from decisions.audit.services import audit_checkpoint
from decisions.cases.services import case_submit
from decisions.integrity.heads import head_sign
from decisions.integrity.verification import audit_verify
from decisions.review.services import review_decide
from sourcing.models import User
from tests.factories import (
    approved_record,
    golden_answers,
    other_option,
    pdf_record,
    ready_case,
    submitted_case,
)
from tests.pages import main_html, page_queries

Clients = Callable[[User | None], Client]


def test_the_record_page_shows_every_section_and_both_hashes(
    users: dict[str, User], ruleset: None, client_as: Clients
) -> None:
    first = approved_record(users["outsider"], users["reviewer"])
    record = approved_record(users["commercial"], users["reviewer"])
    html = client_as(users["auditor"]).get(reverse("record_detail", args=[record.pk])).content
    text = html.decode()
    for heading in (
        "Identity",
        "The need",
        "The five options",
        "Evidence",
        "Scoring trail",
        "Every rule and its contribution",
        "Policy checks",
        "Conditions",
        "Risk and exit",
        "Accountability",
        "Returns to the department",
        "Review and publication",
        "Integrity",
    ):
        assert f">{heading}<" in text, heading
    assert record.record_sha256 in text and first.record_sha256 in text
    assert record.previous_sha256 == first.record_sha256
    assert "govuk-details" in text and "Sam Owner" in text


def test_a_department_user_reads_only_their_own_department_records(
    users: dict[str, User], ruleset: None, client_as: Clients
) -> None:
    own = approved_record(users["commercial"], users["reviewer"])
    foreign = approved_record(users["outsider"], users["reviewer"])
    client = client_as(users["commercial"])
    html = client.get(reverse("record_list")).content.decode()
    assert own.reference in html and foreign.reference not in html
    assert 'name="department"' not in html
    assert client.get(reverse("record_detail", args=[own.pk])).status_code == 200
    assert client.get(reverse("record_detail", args=[foreign.pk])).status_code == 404


def test_records_are_searchable(users: dict[str, User], ruleset: None, client_as: Clients) -> None:
    plain = approved_record(users["commercial"], users["reviewer"])
    case = submitted_case(users["outsider"])
    override = review_decide(
        case=case,
        by=users["reviewer"],
        action="approve",
        option=other_option(case),
        rationale="Because.",
    )
    assert override is not None
    client = client_as(users["auditor"])

    def found(**params: str) -> set[str]:
        html = client.get(reverse("record_list"), params).content.decode()
        return {ref for ref in (plain.reference, override.reference) if f">{ref}<" in html}

    assert found() == {plain.reference, override.reference}
    assert found(department="dept-b") == {override.reference}
    assert found(overridden="yes") == {override.reference}
    assert found(overridden="no") == {plain.reference}
    assert found(option=override.decided_option) == {override.reference}
    assert found(reference=plain.reference.lower()) == {plain.reference}
    today = timezone.now().date()
    tomorrow = today + timedelta(days=1)
    day = {"from_day": str(today.day), "from_month": str(today.month), "from_year": str(today.year)}
    assert found(**day) == {plain.reference, override.reference}
    after = {
        "from_day": str(tomorrow.day),
        "from_month": str(tomorrow.month),
        "from_year": str(tomorrow.year),
    }
    assert found(**after) == set()


def test_an_impossible_date_range_is_a_clear_error(
    users: dict[str, User], ruleset: None, client_as: Clients
) -> None:
    approved_record(users["commercial"], users["reviewer"])
    params = {
        "from_day": "10",
        "from_month": "5",
        "from_year": "2026",
        "to_day": "1",
        "to_month": "5",
        "to_year": "2026",
    }
    html = client_as(users["auditor"]).get(reverse("record_list"), params).content.decode()
    assert '<a href="#to-day">Decided to must be the same as or after decided from</a>' in html
    assert "Correct the search to see records." in html
    bad = client_as(users["auditor"]).get(
        reverse("record_list"), {"from_day": "31", "from_month": "2", "from_year": "2026"}
    )
    assert '<a href="#from-day">Decided from must be a real date</a>' in bad.content.decode()


def test_the_record_list_makes_the_same_number_of_queries_for_3_and_20_records(
    users: dict[str, User],
    ruleset: None,
    client_as: Clients,
    django_assert_num_queries: Any,
) -> None:
    client = client_as(users["auditor"])
    url = reverse("record_list")
    for _ in range(3):
        approved_record(users["commercial"], users["reviewer"])
    expected = page_queries(client, url)
    for _ in range(17):
        approved_record(users["outsider"], users["reviewer"])
    with django_assert_num_queries(expected):
        response = client.get(url)
    assert response.content.decode().count('<th scope="row"') == 20


def test_the_audit_page_shows_the_verified_chain(
    users: dict[str, User], ruleset: None, client_as: Clients
) -> None:

    approved_record(users["commercial"], users["reviewer"])
    checkpoint = audit_checkpoint()
    assert checkpoint is not None
    html = client_as(users["auditor"]).get(reverse("audit_chain")).content.decode()
    assert "The chain is verified" in html
    assert checkpoint.head_sha256 in html and f"Event {checkpoint.seq}" in html
    assert "1 record" in html


@pytest.mark.tampers_audit_chain
def test_the_audit_page_lists_every_problem(
    users: dict[str, User], ruleset: None, client_as: Clients
) -> None:
    record = approved_record(users["commercial"], users["reviewer"])
    with connection.cursor() as cursor:  # around the ORM and the append-only trigger
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        cursor.execute(
            "UPDATE decisions_decisionrecord SET decided_option = 'innovate' WHERE id = %s",
            [record.pk],
        )
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = origin")
    html = client_as(users["auditor"]).get(reverse("audit_chain")).content.decode()
    assert "The chain has 1 problem" in html and "columns differ from the hashed content" in html


def test_auditors_change_nothing(users: dict[str, User], ruleset: None, client_as: Clients) -> None:
    record = approved_record(users["commercial"], users["reviewer"])
    client = client_as(users["auditor"])
    events = AuditEvent.objects.count()
    for url in (
        reverse("record_list"),
        reverse("record_detail", args=[record.pk]),
        reverse("audit_chain"),
        reverse("register"),
    ):
        html = main_html(client.get(url))
        assert 'method="post"' not in html.lower(), url
    assert AuditEvent.objects.count() == events
    assert client.post(reverse("review_case", args=[record.reference])).status_code == 403


def test_the_register_shows_publishable_fields_only(
    users: dict[str, User], ruleset: None, client_as: Clients
) -> None:
    case = submitted_case(users["commercial"], "Appeals case management")
    review_decide(
        case=case,
        by=users["reviewer"],
        action="approve",
        option=other_option(case),
        rationale="Private reasoning.",
    )
    rejected = submitted_case(users["outsider"], "Rejected idea")
    review_decide(case=rejected, by=users["reviewer"], action="reject", rationale="No.")
    html = main_html(client_as(None).get(reverse("register")))
    assert "Appeals case management" in html and "Department A" in html
    assert "Override" in html
    assert "Rejected idea" not in html
    answers = case.answers
    budget = answers["whole_life_budget_gbp"]
    for sensitive in (
        f"{budget:,}",
        "Private reasoning.",
        "Sam Owner",
        *(f"{cost:,}" for cost in answers.get("option_cost_estimates", {}).values() if cost),
    ):
        assert sensitive not in html, sensitive


def test_a_record_says_why_too_close_to_call_and_carries_the_decided_option_s_conditions(
    users: dict[str, User], ruleset: None, client_as: Clients
) -> None:
    owner = users["commercial"]
    case = case_submit(case=ready_case(owner, **golden_answers("G41")), by=owner)
    result = case.assessments.get().result
    assert result["recommended"] == "build" and result["conditions_by_option"]["procure"]
    record = review_decide(
        case=case,
        by=users["reviewer"],
        action="approve",
        option="procure",
        rationale="Procure: the team is needed elsewhere.",
    )
    assert record is not None and record.overridden
    wanted = result["conditions_by_option"]["procure"]
    assert record.content["conditions"] == wanted
    assert record.content["scoring"]["close_call"] == result["close_call"]
    # The public register's summary says the override and the close call in words.
    assert record.content["publishable"]["reasons_summary"] == [
        "Overridden by the Centre of Excellence: Procure instead of Build.",
        "Build scores 30 points, 5 points ahead of Procure (25 points).",
        "Too close to call between Build and Procure: Build leads Procure by 5 points, under the "
        "close-call threshold of 10 points.",
    ]
    html = " ".join(
        client_as(users["auditor"])
        .get(reverse("record_detail", args=[record.pk]))
        .content.decode()
        .split()
    )
    assert "Too close to call between Build and Procure." in html
    assert "The strongest reasons for Build" in html
    assert "The conditions attached to the decided option, Procure (chosen by the Centre" in html
    for condition in wanted:
        assert condition["text"] in html
    assert "No conditions are attached" not in html
    assert "How unusual is the need? (differentiation)" in html  # the trace, label and key
    api = client_as(users["auditor"]).get(f"/api/v1/decisions/{record.pk}").json()
    assert api["conditions"] == wanted
    assert api["scoring"]["close_call"]["options"] == ["build", "procure"]
    assert api["in_words"]["close_call"].startswith("Too close to call between Build and Procure")


def test_the_audit_page_makes_the_same_number_of_queries_for_a_short_and_a_long_chain(
    users: dict[str, User],
    ruleset: None,
    client_as: Clients,
    django_assert_num_queries: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("decisions.audit.services.CHAIN_CHUNK", 3)  # many chunks, one query
    client = client_as(users["auditor"])
    url = reverse("audit_chain")
    approved_record(users["commercial"], users["reviewer"])
    full = page_queries(client, f"{url}?full=1")  # every event walked; the chain is intact
    since = page_queries(client, url)  # only the events after the intact prefix
    for _ in range(4):
        approved_record(users["commercial"], users["reviewer"])
    audit_checkpoint()
    assert AuditEvent.objects.count() > 20
    with django_assert_num_queries(since):
        html = client.get(url).content.decode()
    assert "The chain is verified" in html and "The events after event" in html
    with django_assert_num_queries(full):
        html = client.get(f"{url}?full=1").content.decode()
    assert "The chain is verified" in html and "Every event, from the first" in html


def _around_triggers(sql: str, params: list[object]) -> None:
    with connection.cursor() as cursor:  # around the ORM and the append-only trigger
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = origin")


def _edit_event(seq: int) -> None:
    _around_triggers("UPDATE decisions_auditevent SET actor = 'mallory' WHERE seq = %s", [seq])


@pytest.mark.tampers_audit_chain
def test_the_audit_page_walks_the_events_after_the_intact_prefix_and_every_event_on_request(
    users: dict[str, User], ruleset: None, client_as: Clients
) -> None:
    client = client_as(users["auditor"])
    url = reverse("audit_chain")
    approved_record(users["commercial"], users["reviewer"])
    assert "The chain is verified" in client.get(f"{url}?full=1").content.decode()
    prefix_end = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()
    assert prefix_end is not None
    approved_record(users["commercial"], users["reviewer"])
    after, inside = f"event {prefix_end + 1}: ", "event 1: "
    edited = "content does not match its hash (edited)"
    _edit_event(prefix_end + 1)  # after the prefix: the default page walks it
    html = client.get(url).content.decode()
    assert "The chain has 1 problem" in html and after + edited in html
    assert f"The events after event {prefix_end}" in html
    _edit_event(1)  # inside the prefix found intact: not re-hashed by the default page
    html = client.get(url).content.decode()
    assert "The chain has 1 problem" in html and inside + edited not in html
    html = client.get(f"{url}?full=1").content.decode()
    assert "The chain has 2 problems" in html and inside + edited in html
    # A full walk that found a problem leaves nothing remembered: the default page walks it all.
    html = client.get(url).content.decode()
    assert "The chain has 2 problems" in html and "Every event, from the first" in html
    assert {inside + edited, after + edited} <= set(audit_verify().problems)


def _edit_record_title(seq: int) -> None:
    title = (
        "jsonb_set(content, '{title}', '\"Edited\"')"
        if connection.vendor == "postgresql"
        else "json_set(content, '$.title', 'Edited')"
    )
    _around_triggers(f"UPDATE decisions_decisionrecord SET content = {title} WHERE seq = %s", [seq])


@pytest.mark.tampers_audit_chain
def test_the_audit_page_checks_the_records_after_those_found_intact_and_all_on_request(
    users: dict[str, User], ruleset: None, client_as: Clients
) -> None:
    client = client_as(users["auditor"])
    url = reverse("audit_chain")
    first = approved_record(users["commercial"], users["reviewer"])
    assert "The chain is verified" in client.get(f"{url}?full=1").content.decode()
    second = approved_record(users["commercial"], users["reviewer"])
    edited = "content does not match its hash"
    _edit_record_title(second.seq)  # after the records found intact: the default page checks it
    html = client.get(url).content.decode()
    assert "The chain has 1 problem" in html and f"record {second.reference}: {edited}" in html
    assert f"The records after record {first.seq}" in html
    _edit_record_title(first.seq)  # inside them: not re-hashed by the default page
    html = client.get(url).content.decode()
    assert "The chain has 1 problem" in html
    assert f"record {first.reference}: {edited}" not in html
    html = client.get(f"{url}?full=1").content.decode()
    assert "The chain has 2 problems" in html and f"record {first.reference}: {edited}" in html
    # A full check that found a problem leaves nothing remembered: the default page checks all.
    html = client.get(url).content.decode()
    assert "The chain has 2 problems" in html and "Every decision record and its PDF" in html


def _checked_now(html: str) -> bool:
    """Whether the audit page made its check for this load (not one kept from before)."""
    if "Now, as this page loaded" in html:
        return True
    assert "nothing has been added since" in html
    return False


def test_the_audit_page_shows_its_last_intact_check_until_anything_is_appended(
    users: dict[str, User],
    eager: None,
    django_capture_on_commit_callbacks: Any,
    client_as: Clients,
    django_assert_num_queries: Any,
) -> None:
    def record() -> None:  # approved, its PDF rendered: nothing left to check later
        pdf_record(users["commercial"], users["reviewer"], django_capture_on_commit_callbacks)

    client = client_as(users["auditor"])
    url = reverse("audit_chain")
    record()
    assert _checked_now(client.get(url).content.decode())
    kept = page_queries(client, url)  # nothing appended since: that check, in one query
    html = client.get(url).content.decode()
    assert not _checked_now(html) and "The chain is verified" in html
    # Each kind of append retires it: a checkpoint, a signed head, a decision and its record.
    for append in (audit_checkpoint, head_sign, record):
        append()
        html = client.get(url).content.decode()
        assert _checked_now(html) and "The chain is verified" in html, append
        assert not _checked_now(client.get(url).content.decode())
    record()
    record()
    assert _checked_now(client.get(url).content.decode())
    with django_assert_num_queries(kept):  # constant with the chain's length
        html = client.get(url).content.decode()
    assert not _checked_now(html) and "4 records" in html
    assert "Now, as this page loaded" in client.get(f"{url}?full=1").content.decode()


def test_the_audit_page_keeps_no_check_while_a_pdf_is_still_to_render(
    users: dict[str, User], ruleset: None, client_as: Clients
) -> None:
    client = client_as(users["auditor"])
    approved_record(users["commercial"], users["reviewer"])  # its PDF not rendered yet
    for _ in range(2):  # it may become overdue or fail for good with nothing appended
        html = client.get(reverse("audit_chain")).content.decode()
        assert _checked_now(html) and "The chain is verified" in html


@pytest.mark.tampers_audit_chain
def test_a_problem_found_by_a_full_check_retires_the_audit_page_s_kept_check(
    users: dict[str, User],
    eager: None,
    django_capture_on_commit_callbacks: Any,
    client_as: Clients,
) -> None:
    client = client_as(users["auditor"])
    url = reverse("audit_chain")
    first = pdf_record(users["commercial"], users["reviewer"], django_capture_on_commit_callbacks)
    pdf_record(users["commercial"], users["reviewer"], django_capture_on_commit_callbacks)
    assert _checked_now(client.get(url).content.decode())
    _edit_record_title(first.seq)  # inside what was found intact, nothing appended
    html = client.get(url).content.decode()
    assert not _checked_now(html) and "The chain is verified" in html
    assert f"record {first.reference}: content does not match its hash" in " ".join(
        audit_verify().problems  # verify_audit and the API check everything
    )
    html = client.get(url).content.decode()
    assert _checked_now(html) and "The chain has 1 problem" in html
    assert _checked_now(client.get(url).content.decode())  # a result with problems: not kept
