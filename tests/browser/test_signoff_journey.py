"""Real sign-offs in the browser: alice asks four colleagues, each signs in and signs off as
themselves; carol returns the case naming what needs changes and alice sees why at the top;
alice changes an answer and asks the stale sign-offs again with one action. axe on each page."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from decisions.assessments.services import assessment_run
from decisions.cases.services import case_create, case_update, signoff_request_decide
from decisions.rulesets.services import ruleset_publish_default
from sourcing.models import Case, CaseStatus, SignOffRequest, User
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import complete_answers

pytestmark = pytest.mark.browser

COLLEAGUES = {"Commercial": "Gita Ghosh", "Digital": "Hugo Hughes", "Finance": "Ines Irving"}
COLLEAGUES["Legal"] = "Jon Jenkins"
USERNAMES = {"Gita Ghosh": "gita", "Hugo Hughes": "hugo", "Ines Irving": "ines"}
USERNAMES["Jon Jenkins"] = "jon"


@pytest.fixture
def assessed(demo_people: None) -> Case:
    """alice's case with complete answers, assessed and explained (department A)."""
    ruleset_publish_default()
    alice = User.objects.get(username="alice")
    case = case_create(by=alice, title="Appeals casework", answers=complete_answers())
    assessment = assessment_run(case=case, by=alice)
    explain = {
        c["check"]: "Explained in the business case."
        for c in assessment.result["policy_checks"]
        if c["result"] == "explain"
    }
    case_update(case=case, by=alice, explanations=explain)
    return case


def _narrow(page: Page) -> None:
    """Nothing scrolls sideways at 320 px (a phone, or 400% zoom)."""
    assert page.evaluate("document.documentElement.scrollWidth") <= 320, page.url


def _sign_off_as(browser: Browser, base: str, username: str, reference: str) -> None:
    # The signatories read on a phone: 320 CSS pixels wide.
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    sign_in(page, base, username)
    page.goto(f"{base}/sign-off-requests/")
    expect(page.locator("h1")).to_have_text("Sign-off requests")
    assert_accessible(page)
    _narrow(page)
    page.get_by_role("link", name=reference).click()
    expect(page.locator("h1")).to_contain_text("sign-off")
    assert_accessible(page)
    _narrow(page)
    page.get_by_role("button", name="Save decision").click()  # nothing chosen: the error
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Select whether you sign off or decline"
    )
    assert page.title().startswith("Error:")
    assert_accessible(page)
    page.get_by_label("Yes, I sign off").check()
    page.get_by_role("button", name="Save decision").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("sign-off of")
    context.close()


def test_alice_asks_four_colleagues_who_sign_off_and_a_return_says_why(
    page: Page, browser: Browser, live_server: Any, assessed: Case
) -> None:
    base = live_server.url
    reference = assessed.reference
    sign_in(page, base, "alice")
    url = f"{base}/cases/{reference}/sign-offs/"
    page.goto(url)
    expect(page.get_by_text("Not asked yet", exact=True)).to_have_count(4)
    assert_accessible(page)
    page.get_by_role("button", name="Ask for sign-off").click()  # nothing chosen
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select the person to ask")
    assert_accessible(page)
    for discipline, name in COLLEAGUES.items():
        form = page.locator("form", has=page.get_by_role("button", name="Ask for sign-off"))
        form.get_by_label(discipline, exact=True).check()
        form.get_by_label("Colleague to ask").select_option(label=name)
        form.get_by_role("button", name="Ask for sign-off").click()
        expect(page.locator(".govuk-notification-banner")).to_contain_text(f"{name} is asked")
    expect(page.get_by_text("Waiting", exact=True)).to_have_count(4)
    page.get_by_label("Senior Responsible Owner", exact=True).select_option(label="Fiona Fraser")
    page.get_by_role("button", name="Save Senior Responsible Owner").click()
    assert_accessible(page)

    for name in COLLEAGUES.values():
        _sign_off_as(browser, base, USERNAMES[name], reference)

    page.goto(url)
    expect(page.get_by_text("Signed off", exact=True)).to_have_count(4)
    expect(page.get_by_text("Signed off as themselves").first).to_be_visible()
    assert_accessible(page)
    page.goto(f"{base}/cases/{reference}/submit/")
    page.get_by_role("button", name="Submit the case").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("is submitted")

    reviewer_context = browser.new_context()
    carol = reviewer_context.new_page()
    sign_in(carol, base, "carol")
    carol.goto(f"{base}/review/{reference}/")
    carol.get_by_label("Return to the department").check()
    carol.get_by_label("Your reasons").fill("Name the components you checked.")
    carol.get_by_label("The market", exact=True).check()
    carol.get_by_role("button", name="Record the decision").click()
    expect(carol.locator(".govuk-notification-banner")).to_contain_text("is returned")
    reviewer_context.close()

    page.goto(f"{base}/cases/{reference}/")
    banner = page.locator(".govuk-notification-banner").first
    expect(banner).to_contain_text("Name the components you checked.")
    expect(page.get_by_text("Needs changes", exact=True)).to_have_count(1)
    assert_accessible(page)

    page.get_by_role("link", name="The market").click()
    page.locator("#credible_suppliers").fill("2")
    page.get_by_role("button", name="Save and continue").click()
    page.goto(url)
    expect(page.get_by_text("Needs signing again", exact=True)).to_have_count(4)
    assert_accessible(page)
    page.get_by_role("button", name="Ask them again").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Asked again")
    expect(page.get_by_text("Waiting", exact=True)).to_have_count(4)
    assert Case.objects.get(reference=reference).status == CaseStatus.DRAFT
    pending = SignOffRequest.objects.pending().filter(case__reference=reference)
    assert pending.count() == 4

    # A new recommendation and the four signatories again (through the services: the browser
    # journey of signing off is above), then alice resubmits and carol sees what changed.
    case = Case.objects.get(reference=reference)
    alice = User.objects.get(username="alice")
    assessment = assessment_run(case=case, by=alice)
    explain = {
        c["check"]: "Explained again, with the components checked."
        for c in assessment.result["policy_checks"]
        if c["result"] == "explain"
    }
    case_update(case=case, by=alice, explanations=explain)
    for request in list(pending.select_related("signatory")):
        signoff_request_decide(request=request, by=request.signatory, decision="signed")
    page.goto(f"{base}/cases/{reference}/submit/")
    page.get_by_role("button", name="Submit the case").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("is submitted")

    reviewer_context = browser.new_context()
    carol = reviewer_context.new_page()
    sign_in(carol, base, "carol")
    carol.goto(f"{base}/review/{reference}/")
    changes = carol.locator("#changes")
    expect(changes).to_have_text("What changed since the return")
    expect(carol.locator("table", has_text="Answers changed (1)")).to_contain_text("2")
    assert_accessible(carol)
    reviewer_context.close()
