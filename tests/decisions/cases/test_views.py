"""Case pages: per role and department, errors naming fields, save as you go, preview, submit."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from decisions.assessments.models import Assessment
from decisions.assessments.services import assessment_run
from decisions.cases.services import (
    REOPENED_NOT_WITHDRAWN,
    case_create,
    case_update,
    case_withdraw,
    signoff_record,
    signoff_request_create,
)
from decisions.engine import assess, default_ruleset
from decisions.review.services import review_decide, review_reopen
from sourcing import compiled_sql
from sourcing.models import Case, CaseStatus, User
from sourcing.questionnaire import LABELS
from tests.factories import (
    complete_answers,
    golden_answers,
    published_ruleset,
    ready_case,
    submitted_case,
)

ClientAs = Callable[[User | None], Client]


def _html(response: Any) -> str:
    return response.content.decode()


def _fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def test_only_commercial_users_reach_the_case_list(
    users: dict[str, User], client_as: ClientAs
) -> None:
    assert client_as(users["commercial"]).get("/cases/").status_code == 200
    for role in ("reviewer", "steward", "auditor", "admin"):
        assert client_as(users[role]).get("/cases/").status_code == 403
    assert client_as(None).get("/cases/")["Location"].startswith("/sign-in/")


def test_the_case_list_shows_only_the_department_s_cases(
    users: dict[str, User], alice: Client
) -> None:
    case_create(by=users["commercial"], title="Ours")
    theirs = case_create(by=users["outsider"], title="Theirs")
    html = _html(alice.get("/cases/"))
    assert "Ours" in html
    assert "Theirs" not in html and theirs.reference not in html


def test_the_case_list_and_history_name_people_by_their_full_name(
    make_user: Callable[..., User], client_as: ClientAs
) -> None:
    named = make_user("alice-named", "commercial", first_name="Alice", last_name="Adams")
    case = case_create(by=named, title="Named owner")
    case_withdraw(case=case, by=named, comment="Not needed")
    page = client_as(named)
    assert "Alice Adams" in _html(page.get("/cases/?status=withdrawn"))
    detail = _html(page.get(f"/cases/{case.reference}/"))
    assert '<td class="govuk-table__cell">Alice Adams</td>' in detail  # the status history


def test_the_case_list_filters_by_status_and_searches(
    users: dict[str, User], alice: Client
) -> None:
    hosting = case_create(by=users["commercial"], title="Hosting migration")
    identity = case_create(by=users["commercial"], title="Identity verification")
    case_update(case=identity, by=users["commercial"])

    case_withdraw(case=hosting, by=users["commercial"])
    html = _html(alice.get("/cases/", {"status": "withdrawn"}))
    assert "Hosting migration" in html and "Identity verification" not in html
    html = _html(alice.get("/cases/", {"q": "identity"}))
    assert "Identity verification" in html and "Hosting migration" not in html
    html = _html(alice.get("/cases/", {"q": hosting.reference}))
    assert "Hosting migration" in html and "Identity verification" not in html
    assert alice.get("/cases/", {"status": "nonsense", "page": "x"}).status_code == 200


def test_the_case_list_is_paginated(users: dict[str, User], alice: Client) -> None:
    for n in range(25):
        case_create(by=users["commercial"], title=f"Need {n:02d}")
    first = _html(alice.get("/cases/"))
    assert "govuk-pagination" in first and 'href="?page=2"' in first
    second = _html(alice.get("/cases/", {"page": 2}))
    assert second.count('<tr class="govuk-table__row">') == 1 + 5


def test_the_case_list_query_count_does_not_grow_with_the_cases(
    users: dict[str, User], alice: Client, django_assert_num_queries: Any
) -> None:
    for n in range(3):
        case_create(by=users["commercial"], title=f"Need {n}")
    alice.get("/cases/")  # warm the session
    with CaptureQueriesContext(connection) as three:
        assert alice.get("/cases/").status_code == 200
    for n in range(27):
        case_create(by=users["commercial"], title=f"More {n}")
    with django_assert_num_queries(len(three.captured_queries)):
        response = alice.get("/cases/")
    assert "30 cases" in _html(response)


def test_the_navigation_offers_your_cases_to_commercial_users_only(
    users: dict[str, User], client_as: ClientAs
) -> None:
    assert 'href="/cases/"' in _html(client_as(users["commercial"]).get("/"))
    assert 'href="/cases/"' not in _html(client_as(users["reviewer"]).get("/"))


def test_starting_a_case_goes_to_its_task_list(users: dict[str, User], alice: Client) -> None:
    response = alice.post("/cases/start/", {"title": "Grants platform", "summary": "Pay grants"})
    case = Case.objects.get(title="Grants platform")
    assert case.department_id == users["commercial"].department_id
    assert response["Location"] == f"/cases/{case.reference}/"
    html = _html(alice.get(response["Location"]))
    assert "govuk-task-list" in html
    assert html.count("Not yet started") == 5  # four sections and the sign-offs
    assert "Cannot start yet" in html
    # GOV.UK task list: a task that cannot start yet is not a link.
    assert f'href="/cases/{case.reference}/check/"' not in html
    assert f'href="/cases/{case.reference}/submit/"' not in html
    assert "<div>Check your answers</div>" in html
    assert "<div>Submit to the Centre of Excellence</div>" in html


def test_check_your_answers_becomes_a_link_once_every_question_is_answered(
    users: dict[str, User], alice: Client
) -> None:
    case = case_create(by=users["commercial"], title="Full", answers=complete_answers())
    html = _html(alice.get(f"/cases/{case.reference}/"))
    assert f'href="/cases/{case.reference}/check/"' in html
    assert f'href="/cases/{case.reference}/submit/"' not in html  # not assessed: cannot start


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": ""}, "Enter a title for the case"),
        ({"title": "x" * 201}, "Title must be 200 characters or fewer"),
        ({"title": "ok", "summary": "x" * 5001}, "Summary must be 5,000 characters or fewer"),
    ],
)
def test_a_bad_start_names_the_field_and_saves_nothing(
    alice: Client, data: dict[str, str], message: str
) -> None:
    response = alice.post("/cases/start/", data)
    html = _html(response)
    assert response.status_code == 200
    assert message in html and "govuk-error-summary" in html
    assert "<title>Error:" in html
    assert not Case.objects.exists()


def test_user_text_is_escaped(users: dict[str, User], alice: Client) -> None:
    case = case_create(by=users["commercial"], title="<script>alert(1)</script>")
    html = _html(alice.get(f"/cases/{case.reference}/"))
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html


def test_a_section_saves_valid_answers_and_goes_to_the_next(case: Case, alice: Client) -> None:
    response = alice.post(
        f"/cases/{case.reference}/sections/need/",
        {"differentiation": "commodity", "personal_data": "no", "months_to_live": "18"},
    )
    assert response["Location"] == f"/cases/{case.reference}/sections/market/"
    saved = _fresh(case).answers
    assert saved == {"differentiation": "commodity", "personal_data": False, "months_to_live": 18}
    html = _html(alice.get(f"/cases/{case.reference}/"))
    assert "In progress" in html


def test_the_last_section_goes_to_check_answers_and_money_accepts_pounds(
    case: Case, alice: Client
) -> None:
    response = alice.post(
        f"/cases/{case.reference}/sections/money/",
        {
            "whole_life_budget_gbp": "£1,200,000",
            "whole_life_years": "5",
            "option_cost_estimates-buy": "900,000",
            "option_cost_estimates-build": "",
            "option_cost_estimates-procure": "1 100 000",
        },
    )
    assert response["Location"] == f"/cases/{case.reference}/check/"
    answers = _fresh(case).answers
    assert answers["whole_life_budget_gbp"] == 1_200_000
    assert answers["option_cost_estimates"] == {"buy": 900_000, "procure": 1_100_000}


@pytest.mark.parametrize(
    "typed", ["250 000", "250\u00a0000", "250\u202f000", "250,000.00", "£250,000", "£ 250000"]
)
def test_money_is_read_as_people_type_it_in_the_questionnaire(
    typed: str, case: Case, alice: Client
) -> None:
    response = alice.post(
        f"/cases/{case.reference}/sections/money/",
        {"whole_life_budget_gbp": typed, "option_cost_estimates-buy": typed},
    )
    assert response.status_code == 302, _html(response)
    answers = _fresh(case).answers
    assert answers["whole_life_budget_gbp"] == 250_000
    assert answers["option_cost_estimates"] == {"buy": 250_000}


def test_pence_in_the_questionnaire_get_the_govuk_message(case: Case, alice: Client) -> None:
    response = alice.post(
        f"/cases/{case.reference}/sections/money/", {"whole_life_budget_gbp": "250,000.50"}
    )
    html = _html(response)
    assert (
        '<a href="#whole_life_budget_gbp">The whole-life budget must be in whole pounds, '
        "like 250,000</a>" in html
    )
    assert "whole_life_budget_gbp" not in _fresh(case).answers


def test_save_and_return_goes_to_the_task_list(case: Case, alice: Client) -> None:
    response = alice.post(
        f"/cases/{case.reference}/sections/market/", {"open_standards": "yes", "then": "tasks"}
    )
    assert response["Location"] == f"/cases/{case.reference}/"
    assert _fresh(case).answers == {"open_standards": True}


@pytest.mark.parametrize(
    ("section", "data", "message", "anchor"),
    [
        (
            "market",
            {"credible_suppliers": "lots"},
            "Enter the number of credible suppliers, like 12",
            "credible_suppliers",
        ),
        (
            "need",
            {"months_to_live": "121"},
            "Enter a whole number of months from 1 to 120",
            "months_to_live",
        ),
        (
            "need",
            {"months_to_live": "1.5"},
            "Enter the number of months until it must be live, like 18",
            "months_to_live",
        ),
        (
            "need",
            {"differentiation": "bespoke"},
            "Select how unusual the need is",
            "differentiation",
        ),
        (
            "need",
            {"personal_data": "maybe"},
            "Select yes if it processes personal data",
            "personal_data",
        ),
        (
            "market",
            {"best_product_fit_pct": "-5"},
            "Enter the share of requirements the best product meets, like 80",
            "best_product_fit_pct",
        ),
        (
            "money",
            {"option_cost_estimates-build": "a lot"},
            "The estimate for build must be a number, like 250,000",
            "option_cost_estimates-build",  # the wrong one, not the first
        ),
    ],
)
def test_bad_input_names_the_field_links_to_it_and_saves_nothing(
    case: Case, alice: Client, section: str, data: dict[str, str], message: str, anchor: str
) -> None:
    # A valid answer beside the bad one is not saved either: nothing is half-saved.
    valid = {"need": {"criticality": "high"}, "market": {"market_maturity": "emerging"}}
    posted = {**valid.get(section, {"whole_life_years": "5"}), **data}
    response = alice.post(f"/cases/{case.reference}/sections/{section}/", posted)
    html = _html(response)
    assert response.status_code == 200
    assert f'<a href="#{anchor}">{message}</a>' in html
    assert f'<span class="govuk-visually-hidden">Error:</span> {message}' in html
    assert f'id="{anchor}"' in html
    assert "<title>Error:" in html
    fresh = _fresh(case)
    assert fresh.answers == {} and fresh.answers_version == 1


def test_an_unknown_section_is_404(case: Case, alice: Client) -> None:
    assert alice.get(f"/cases/{case.reference}/sections/nope/").status_code == 404
    assert alice.post(f"/cases/{case.reference}/sections/nope/", {}).status_code == 404


def test_int_questions_use_numeric_inputs_with_decorations(case: Case, alice: Client) -> None:
    html = _html(alice.get(f"/cases/{case.reference}/sections/money/"))
    assert 'inputmode="numeric"' in html
    assert '<div class="govuk-input__prefix" aria-hidden="true">£</div>' in html
    html = _html(alice.get(f"/cases/{case.reference}/sections/need/"))
    assert '<div class="govuk-input__suffix" aria-hidden="true">months</div>' in html


def test_the_section_form_asks_htmx_for_the_preview_and_works_without_it(
    ruleset: None, case: Case, alice: Client
) -> None:
    html = _html(alice.get(f"/cases/{case.reference}/sections/need/"))
    assert f'action="/cases/{case.reference}/sections/need/"' in html
    assert f'hx-post="/cases/{case.reference}/preview/"' in html
    assert 'hx-target="#preview-panel"' in html and 'id="preview-panel"' in html
    assert f'href="/cases/{case.reference}/preview/"' in html


def test_the_preview_is_a_partial_for_htmx_and_a_full_page_otherwise(
    ruleset: None, case: Case, alice: Client
) -> None:
    url = f"/cases/{case.reference}/preview/"
    full = _html(alice.get(url))
    assert "<html" in full and 'id="preview-panel"' in full
    assert "Answer some questions" in full
    partial = alice.post(
        url,
        {"differentiation": "commodity", "market_maturity": "commoditised", "months_to_live": "x"},
        headers={"HX-Request": "true"},
    )
    body = _html(partial)
    assert partial.status_code == 200
    assert "<html" not in body and body.strip().startswith('<div id="preview-panel"')
    assert "Leading option: <strong>Buy</strong>" in body
    assert "19 questions not answered yet" in body
    assert "A commodity need is bought" in body
    # It changes nothing.
    fresh = _fresh(case)
    assert fresh.answers == {} and fresh.answers_version == 1


def test_the_preview_merges_saved_answers_with_posted_ones(
    ruleset: None, users: dict[str, User], alice: Client
) -> None:
    answers = complete_answers()
    case = case_create(by=users["commercial"], title="Full", answers=answers)
    body = _html(
        alice.post(
            f"/cases/{case.reference}/preview/",
            {"market_maturity": "none"},
            headers={"HX-Request": "true"},
        )
    )
    expected = assess({**answers, "market_maturity": "none"}, default_ruleset(), with_flip=False)
    assert "not answered yet" not in body
    leader = expected.recommended
    assert leader is not None
    assert f"Leading option: <strong>{leader.capitalize()}</strong>" in body
    assert "Ruled out" in body  # buy is not viable with no market


def test_a_near_tie_is_said_on_the_task_list_and_in_the_preview(
    ruleset: None, users: dict[str, User], alice: Client
) -> None:
    case = ready_case(users["commercial"], **golden_answers("G41"))  # build leads procure by 5
    said = "Build, too close to call with Procure"
    task_list = " ".join(_html(alice.get(f"/cases/{case.reference}/")).split())
    assert f"Recommended: {said}" in task_list  # the task's hint
    assert f'<dd class="govuk-summary-list__value">{said}</dd>' in task_list
    preview = _html(
        alice.post(f"/cases/{case.reference}/preview/", {}, headers={"HX-Request": "1"})
    )
    assert f"Leading option: <strong>{said}</strong>" in preview
    assessment = " ".join(_html(alice.get(f"/assessments/{case.assessments.get().pk}/")).split())
    assert f"Recommendation: {said}" in assessment


def test_the_task_list_shows_the_latest_assessment_and_reads_the_status_history_once(
    ruleset: None, users: dict[str, User], alice: Client
) -> None:
    owner = users["commercial"]
    case = ready_case(owner)
    first = case.assessments.get()
    case_update(case=case, by=owner, answers=golden_answers("G41"))
    stale = " ".join(_html(alice.get(f"/cases/{case.reference}/")).split())
    assert "No, the answers changed after it" in stale
    assert f'href="/assessments/{first.pk}/">See the full recommendation' in stale
    second = assessment_run(case=case, by=owner)
    with CaptureQueriesContext(connection) as queries:
        current = " ".join(_html(alice.get(f"/cases/{case.reference}/")).split())
    assert "Yes, it assessed the current answers" in current
    assert f'href="/assessments/{second.pk}/">See the full recommendation' in current
    assert "Recommended: Build, too close to call with Procure" in current
    explain = [c for c in second.result["policy_checks"] if c["result"] == "explain"]
    assert f"{len(explain)} to explain" in current
    assert "Started as draft" in current  # the status history
    history_reads = [q for q in queries.captured_queries if "sourcing_casestatuschange" in q["sql"]]
    assert len(history_reads) == 1


def test_the_task_list_offers_withdrawal_until_a_decision_is_reopened(
    users: dict[str, User], alice: Client
) -> None:
    case = submitted_case(users["commercial"])
    link = f'href="/cases/{case.reference}/withdraw/">Withdraw this case'
    assert link in _html(alice.get(f"/cases/{case.reference}/"))
    review_decide(case=case, by=users["reviewer"], action="approve")
    review_reopen(case=case, by=users["reviewer"], reason="The market has changed.")
    assert _fresh(case).status == CaseStatus.SUBMITTED
    assert link not in _html(alice.get(f"/cases/{case.reference}/"))
    assert REOPENED_NOT_WITHDRAWN in _html(alice.get(f"/cases/{case.reference}/withdraw/"))


def test_check_answers_offers_a_recommendation_once_a_ruleset_is_published(
    users: dict[str, User], alice: Client
) -> None:
    case = case_create(by=users["commercial"], title="Check", answers=complete_answers())
    url = f"/cases/{case.reference}/check/"
    assert "No ruleset has been published yet" in _html(alice.get(url))
    published_ruleset()
    html = _html(alice.get(url))
    assert "Get recommendation</button>" in html and "No ruleset has been published" not in html


def test_a_submitted_case_s_answers_link_to_its_latest_recommendation(
    users: dict[str, User], alice: Client
) -> None:
    case = submitted_case(users["commercial"])
    html = _html(alice.get(f"/cases/{case.reference}/check/"))
    latest = case.assessments.get()
    assert f'href="/assessments/{latest.pk}/">See the latest recommendation' in html
    assert "Get recommendation</button>" not in html


def test_the_preview_says_when_no_ruleset_is_published(case: Case, alice: Client) -> None:
    body = _html(alice.post(f"/cases/{case.reference}/preview/", {}, headers={"HX-Request": "1"}))
    assert "No ruleset has been published yet" in body


def test_check_answers_has_change_links_with_context(users: dict[str, User], alice: Client) -> None:
    case = case_create(by=users["commercial"], title="Check", answers={"criticality": "high"})
    html = _html(alice.get(f"/cases/{case.reference}/check/"))
    assert "High" in html and "Not answered" not in html
    assert (
        f'href="/cases/{case.reference}/sections/need/?return=check#criticality">Change'
        '<span class="govuk-visually-hidden"> what is the impact if it fails?</span>'
    ) in html
    # A missing answer: a link in the value column, no "Change" (GOV.UK check answers).
    assert (
        f'<dd class="govuk-summary-list__value"><a class="govuk-link" '
        f'href="/cases/{case.reference}/sections/need/?return=check#differentiation">'
        "Select how unusual the need is</a></dd>"
    ) in html
    assert ">Enter the whole-life budget in pounds</a>" in html
    assert ">Select whether it processes personal data</a>" in html
    assert html.count(">Change<") == 1


def test_change_on_check_your_answers_returns_there_once_saved(
    users: dict[str, User], alice: Client
) -> None:
    case = case_create(by=users["commercial"], title="Check", answers={"criticality": "high"})
    url = f"/cases/{case.reference}/sections/need/"
    page = _html(alice.get(url + "?return=check"))
    assert 'name="then" value="check"' in page and "Save and return to check your answers" in page
    assert f'href="/cases/{case.reference}/check/" class="govuk-back-link' in page
    saved = alice.post(url, {"criticality": "low", "then": "check"})
    assert saved["Location"] == f"/cases/{case.reference}/check/"
    assert _fresh(case).answers["criticality"] == "low"
    # Without it, saving moves on to the next section as before.
    onward = alice.post(url, {"criticality": "medium"})
    assert onward["Location"] != f"/cases/{case.reference}/check/"


def test_a_submitted_case_s_answers_are_not_headed_check_your_answers(
    users: dict[str, User], alice: Client
) -> None:
    case = submitted_case(users["commercial"], title="Sent")
    html = _html(alice.get(f"/cases/{case.reference}/check/"))
    assert '<h1 class="govuk-heading-l">Your answers</h1>' in html
    assert "Check your answers" not in html and ">Change<" not in html


def test_a_recommendation_with_missing_answers_lists_each_linking_to_its_section(
    ruleset: None, users: dict[str, User], alice: Client
) -> None:
    answers = complete_answers()
    del answers["credible_suppliers"], answers["differentiation"]
    case = case_create(by=users["commercial"], title="Missing", answers=answers)
    response = alice.post(f"/cases/{case.reference}/assess/")
    html = _html(response)
    assert response.status_code == 200
    assert (
        f'<a href="/cases/{case.reference}/sections/need/#differentiation">'
        "Select how unusual the need is</a>"
    ) in html
    assert (
        f'<a href="/cases/{case.reference}/sections/market/#credible_suppliers">'
        "Enter the number of credible suppliers, like 12</a>"
    ) in html
    assert not Assessment.objects.exists()


def test_explanations_are_saved_and_too_long_ones_are_refused(
    ruleset: None, users: dict[str, User], alice: Client
) -> None:
    case = case_create(by=users["commercial"], title="Explain", answers=complete_answers())
    assessment = assessment_run(case=case, by=users["commercial"])
    checks = [c["check"] for c in assessment.result["policy_checks"] if c["result"] == "explain"]
    assert checks, "the first golden case needs an explanation"
    url = f"/cases/{case.reference}/explanations/"
    assert f'name="{checks[0]}"' in _html(alice.get(url))
    too_long = alice.post(url, {checks[0]: "x" * 5001})
    assert "must be 5,000 characters or fewer" in _html(too_long)
    assert f'href="#id_{checks[0]}"' in _html(too_long)
    assert _fresh(case).explanations == {}
    response = alice.post(url, {check: "We have an exit plan." for check in checks})
    assert response["Location"] == f"/cases/{case.reference}/"
    assert _fresh(case).explanations == {check: "We have an exit plan." for check in checks}


def test_a_typed_sign_off_is_for_someone_without_an_account_and_the_sro_is_chosen(
    case: Case, users: dict[str, User], alice: Client
) -> None:
    url = f"/cases/{case.reference}/sign-offs/"
    html = _html(alice.get(url))
    assert html.count("Not asked yet") == 4
    missing = alice.post(url, {"form": "signoff", "discipline": "legal"})
    assert '<a href="#id_name">Enter the name of the person signing off</a>' in _html(missing)
    assert not case.signoffs.exists()
    bad = alice.post(url, {"form": "signoff", "discipline": "catering", "name": "Sam"})
    assert "Select the discipline that is signing off" in _html(bad)
    # Someone of the department with an account signs off themselves: the typed name is refused.
    colleague = users["department_admin"]
    has_account = alice.post(
        url, {"form": "signoff", "discipline": "legal", "name": colleague.username}
    )
    assert "has an account: ask them for a sign-off instead" in _html(has_account)
    assert not case.signoffs.exists()
    response = alice.post(
        url, {"form": "signoff", "discipline": "legal", "name": "Sam Legal", "role": "Counsel"}
    )
    assert response["Location"] == url
    signoff = case.signoffs.get()
    assert signoff.name == "Sam Legal" and signoff.no_account and signoff.signatory is None
    no_choice = _html(alice.post(url, {"form": "sro"}))
    assert '<a href="#id_sro">Select the Senior Responsible Owner</a>' in no_choice
    outsider = _html(alice.post(url, {"form": "sro", "sro": users["outsider"].username}))
    assert "Select the Senior Responsible Owner from your department" in outsider
    chosen = alice.post(url, {"form": "sro", "sro": colleague.username})
    assert chosen["Location"] == url
    assert _fresh(case).sro == colleague
    html = _html(alice.get(url))
    assert html.count(">Signed off</strong>") == 1 and "Sam Legal, Counsel" in html
    assert "No account on this service: typed by" in html


def test_the_sign_offs_page_asks_commercial_colleagues_and_offers_the_department_as_sro(
    case: Case, users: dict[str, User], make_user: Callable[..., User], alice: Client
) -> None:
    colleague = make_user("colleague", "commercial")
    admin = users["department_admin"]
    case_update(case=case, by=users["commercial"], sro=admin.username)
    html = _html(alice.get(f"/cases/{case.reference}/sign-offs/"))
    ask = html.split('id="id_user"', 1)[1].split("</select>", 1)[0]
    sro = html.split('id="id_sro"', 1)[1].split("</select>", 1)[0]
    asked = re.findall(r'<option value="([^"]+)"', ask)
    assert asked == [colleague.username]  # not the owner, an administrator or an outsider
    offered = re.findall(r'<option value="([^"]+)"', sro)
    assert set(offered) == {colleague.username, admin.username, users["commercial"].username}
    assert f'<option value="{admin.username}" selected>' in sro


def test_the_sign_offs_page_reads_people_for_their_names_in_as_many_queries_whatever_the_count(
    case: Case, users: dict[str, User], make_user: Callable[..., User], alice: Client
) -> None:
    owner = users["commercial"]
    path = f"/cases/{case.reference}/sign-offs/"
    first = make_user("first", "commercial", first_name="Fay", last_name="First")
    signoff_request_create(case=case, by=owner, discipline="legal", user=first.username)
    signoff_record(case=case, by=owner, discipline="digital", name="Dee")
    alice.get(path)  # warm the session
    with CaptureQueriesContext(connection) as few:
        assert "Asked Fay First" in _html(alice.get(path))
    for n in range(5):
        person = make_user(f"more{n}", "commercial")
        signoff_request_create(case=case, by=owner, discipline="finance", user=person.username)
        signoff_record(case=case, by=owner, discipline="commercial", name=f"Signer {n}")
    with CaptureQueriesContext(connection) as many:
        html = _html(alice.get(path))
    assert "Asked more4" in html and "Signer 4" in html
    assert len(many.captured_queries) == len(few.captured_queries)
    # Only the signed-in user's own row (sign-in) is read whole; everyone the page names is
    # read for their name.
    whole = [q for q in many.captured_queries if '"sourcing_user"."password"' in q["sql"]]
    assert len(whole) == 1


def test_the_task_list_s_reads_are_compiled_once_for_every_case_and_name_who_changed_it(
    ruleset: None, users: dict[str, User], alice: Client
) -> None:
    owner = users["commercial"]
    first = submitted_case(owner, "First submitted")
    second = ready_case(owner, title="Second, ready")
    compiled_sql.forget()
    page = _html(alice.get(f"/cases/{first.reference}/"))
    kept = set(compiled_sql._kept)
    assert {"case-status-history", "case-signoff-versions", "latest-assessment-summary"} <= {
        key[0] for key in kept
    }
    with CaptureQueriesContext(connection) as queries:
        again = _html(alice.get(f"/cases/{second.reference}/"))
    assert set(compiled_sql._kept) == kept  # by shape: nothing compiled for the second case
    assert "First submitted" in page and "Submitted" in page
    assert "Second, ready" in again and "4 of 4 current" in again
    history = [
        q["sql"] for q in queries.captured_queries if "sourcing_casestatuschange" in q["sql"]
    ]
    assert history and not any('"password"' in sql for sql in history)


def test_the_task_list_and_submit_go_by_each_discipline_s_latest_sign_off(
    ruleset: None, users: dict[str, User], alice: Client
) -> None:
    owner = users["commercial"]
    case = ready_case(owner)
    detail, submit = f"/cases/{case.reference}/", f"/cases/{case.reference}/submit/"
    submit_task = f'href="{submit}" aria-describedby'
    with CaptureQueriesContext(connection) as queries:
        ready = _html(alice.get(detail))
    assert "4 of 4 current" in ready and submit_task in ready
    assert len([q for q in queries.captured_queries if 'sourcing_signoff"' in q["sql"]]) == 1
    case_update(case=_fresh(case), by=owner, title="Retitled")  # what they signed changed
    stale = _html(alice.get(detail))
    assert "0 of 4 current" in stale and submit_task not in stale  # cannot start yet
    again = "Get the {} sign-off again: the case changed after it was signed"
    assert again.format("legal") in _html(alice.get(submit))
    signoff_record(case=_fresh(case), by=owner, discipline="legal", name="Legal lead")
    assert "1 of 4 current" in _html(alice.get(detail))
    html = _html(alice.get(submit))
    assert again.format("legal") not in html and again.format("digital") in html


def test_changed_answers_make_sign_offs_stale(
    case: Case, users: dict[str, User], alice: Client
) -> None:
    signoff_record(case=case, by=users["commercial"], discipline="digital", name="Dee")
    alice.post(f"/cases/{case.reference}/sections/need/", {"criticality": "low"})
    assert "Needs signing again" in _html(alice.get(f"/cases/{case.reference}/sign-offs/"))


def test_submit_lists_what_is_missing_and_a_refusal_changes_nothing(
    case: Case, alice: Client
) -> None:
    url = f"/cases/{case.reference}/submit/"
    html = _html(alice.get(url))
    assert "Get a recommendation on the current answers" in html
    assert "Get a legal sign-off" in html and "Submit the case</button>" not in html
    # Each blocker links to where it is cleared, routed by its code (not by its words).
    assert f'href="/cases/{case.reference}/check/">Get a recommendation' in html
    assert f'href="/cases/{case.reference}/sign-offs/#id_sro">Name the Senior' in html
    response = alice.post(url)
    assert response.status_code == 200
    assert "govuk-error-summary" in _html(response)
    assert "cannot be submitted yet" in _html(response)
    assert _fresh(case).status == CaseStatus.DRAFT


def test_a_ready_case_is_submitted_and_becomes_read_only(
    ruleset: None, users: dict[str, User], alice: Client
) -> None:
    case = ready_case(users["commercial"])
    url = f"/cases/{case.reference}/submit/"
    assert "Submit the case</button>" in _html(alice.get(url))
    response = alice.post(url)
    assert response["Location"] == f"/cases/{case.reference}/"
    case = _fresh(case)
    assert case.status == CaseStatus.SUBMITTED
    detail = _html(alice.get(f"/cases/{case.reference}/"))
    assert "is submitted to the Centre of Excellence" in detail
    assert "/sections/" not in detail
    check = _html(alice.get(f"/cases/{case.reference}/check/"))
    assert "Change<span" not in check and "Get recommendation" not in check
    assert "Record sign-off" not in _html(alice.get(f"/cases/{case.reference}/sign-offs/"))
    assert "<textarea" not in _html(alice.get(f"/cases/{case.reference}/explanations/"))
    # Nothing can be changed through the forms either.
    section = alice.post(f"/cases/{case.reference}/sections/need/", {"criticality": "low"})
    assert section["Location"] == f"/cases/{case.reference}/check/"
    refused = alice.post(
        f"/cases/{case.reference}/sign-offs/",
        {"form": "signoff", "discipline": "legal", "name": "Late"},
    )
    assert "Sign-offs can only be given while the case is a draft" in _html(refused)
    refused = alice.post(f"/cases/{case.reference}/assess/")
    assert "cannot be assessed again" in _html(refused)
    after = _fresh(case)
    assert after.answers == case.answers and after.answers_version == case.answers_version
    assert case.signoffs.count() == 4 and case.assessments.count() == 1


def test_a_case_can_be_withdrawn_with_a_reason(case: Case, alice: Client) -> None:
    url = f"/cases/{case.reference}/withdraw/"
    too_long = alice.post(url, {"reason": "x" * 5001})
    assert '<a href="#reason">Reason must be 5,000 characters or fewer</a>' in _html(too_long)
    assert _fresh(case).status == CaseStatus.DRAFT
    response = alice.post(url, {"reason": "Merged with another case"})
    assert response["Location"] == f"/cases/{case.reference}/"
    assert _fresh(case).status == CaseStatus.WITHDRAWN
    assert "Merged with another case" in _html(alice.get(response["Location"]))
    again = alice.post(url, {})
    assert "cannot be withdrawn" in _html(again)


def test_another_department_s_case_is_404_on_every_page_and_partial(
    ruleset: None, users: dict[str, User], alice: Client
) -> None:
    theirs = case_create(by=users["outsider"], title="Theirs", answers=complete_answers())
    assessment = assessment_run(case=theirs, by=users["outsider"])
    ref = theirs.reference
    gets = [
        f"/cases/{ref}/",
        f"/cases/{ref}/sections/need/",
        f"/cases/{ref}/preview/",
        f"/cases/{ref}/check/",
        f"/cases/{ref}/explanations/",
        f"/cases/{ref}/sign-offs/",
        f"/cases/{ref}/submit/",
        f"/cases/{ref}/withdraw/",
        f"/assessments/{assessment.pk}/",
        f"/assessments/{assessment.pk}/replay/?ruleset=current",
    ]
    for url in gets:
        assert alice.get(url).status_code == 404, url
        assert alice.get(url, headers={"HX-Request": "true"}).status_code == 404, url
    read_only = ("assessments", "/check/")
    posts = [u for u in gets if not any(r in u for r in read_only) and not u.endswith(f"{ref}/")]
    posts.append(f"/cases/{ref}/assess/")
    for url in posts:
        assert alice.post(url, {"form": "sro", "sro_name": "Mallory"}).status_code == 404, url
    assert (
        alice.post(f"/cases/{ref}/preview/", {}, headers={"HX-Request": "true"}).status_code == 404
    )
    after = _fresh(theirs)
    assert after.status == CaseStatus.DRAFT and after.sro_name == ""
    assert after.assessments.count() == 1


def test_clearing_a_number_removes_the_saved_answer(users, client_as) -> None:  # type: ignore[no-untyped-def]

    case = case_create(by=users["commercial"], title="Clear me", answers={"months_to_live": 9})
    client = client_as(users["commercial"])
    response = client.post(f"/cases/{case.reference}/sections/need/", {"months_to_live": ""})
    assert response.status_code == 302
    case.refresh_from_db()
    assert "months_to_live" not in case.answers


LATER = {
    "process_change": ("need", "will_adapt", "Yes, processes will change to fit the product"),
    "existing_service_team": ("capability", "yes", "Yes"),
    "service_integration_capability": ("capability", "limited", "Limited"),
    "depends_on_platform_not_live": ("money", "no", "No"),
    "delivery_approach": ("money", "incremental", "Step by step, with old and new running"),
}


def test_the_later_questions_are_asked_in_their_sections_and_checked(
    case: Case, alice: Client
) -> None:
    for key, (section, value, shown) in LATER.items():
        page = _html(alice.get(f"/cases/{case.reference}/sections/{section}/"))
        assert escape(LABELS[key][0]) in page and f'name="{key}"' in page, key
        if value not in ("yes", "no"):
            assert shown in page, key
    # Left blank, an optional question stays unanswered.
    alice.post(f"/cases/{case.reference}/sections/need/", {"months_to_live": "18"})
    assert "process_change" not in _fresh(case).answers
    for section in ("need", "capability", "money"):
        data = {k: v for k, (s, v, _) in LATER.items() if s == section}
        response = alice.post(f"/cases/{case.reference}/sections/{section}/", data)
        assert response.status_code == 302, section
    answers = _fresh(case).answers
    assert answers["process_change"] == "will_adapt" and answers["existing_service_team"] is True
    assert answers["depends_on_platform_not_live"] is False
    check = " ".join(_html(alice.get(f"/cases/{case.reference}/check/")).split())
    for key, (_, _, shown) in LATER.items():
        assert escape(LABELS[key][0]) in check and shown in check, key
    # A value outside the choices names the field.
    bad = alice.post(f"/cases/{case.reference}/sections/money/", {"delivery_approach": "big_bang"})
    assert bad.status_code == 200 and 'href="#delivery_approach"' in _html(bad)


@pytest.mark.parametrize(
    ("section", "key"),
    [
        ("money", "whole_life_years"),
        ("market", "credible_suppliers"),
        ("capability", "team_capacity_fte"),
        ("need", "months_to_live"),
    ],
)
def test_a_number_of_thousands_of_digits_is_a_field_error_not_a_crash(
    case: Case, alice: Client, section: str, key: str
) -> None:
    # Past CPython's int-string limit (4,300 digits), int() raises ValueError.
    huge = "9" * 5000
    response = alice.post(f"/cases/{case.reference}/sections/{section}/", {key: huge})
    html = _html(response)
    assert response.status_code == 200
    assert f'<a href="#{key}">' in html and "<title>Error:" in html
    assert _fresh(case).answers == {}
    preview = alice.post(f"/cases/{case.reference}/preview/", {key: huge})
    assert preview.status_code == 200
