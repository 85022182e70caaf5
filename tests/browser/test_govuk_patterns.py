"""GOV.UK patterns in a real browser: the override's option is a conditional reveal (hidden
until "Approve a different option" is chosen with JavaScript, always shown without it), axe
finds nothing either way, and the approve button says it is working and cannot send twice."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from decisions.records.models import DecisionRecord
from sourcing.demo import seed_cases
from sourcing.models import Case, CaseStatus
from tests.browser.conftest import assert_accessible, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_cases(demo_people: None) -> None:
    seed_cases()


def _submitted() -> Case:
    case = Case.objects.filter(status=CaseStatus.SUBMITTED, department__code="dept-a").first()
    assert case is not None
    return case


def test_the_override_option_is_revealed_under_its_radio(
    page: Page, live_server: Any, demo_cases: None
) -> None:
    case = _submitted()
    sign_in(page, live_server.url, "carol")
    page.goto(f"{live_server.url}/review/{case.reference}/")
    option = page.locator('input[name="option"]').first
    expect(option).to_be_hidden()
    assert_accessible(page)
    page.get_by_label("Approve a different option (override)").check()
    expect(option).to_be_visible()
    assert (
        page.get_by_label("Approve a different option (override)").get_attribute("aria-controls")
        == "conditional-override"
    )
    assert_accessible(page)
    page.get_by_label("Return to the department").check()
    expect(option).to_be_hidden()


def test_without_javascript_the_option_question_is_shown(
    browser: Browser, live_server: Any, demo_cases: None
) -> None:
    case = _submitted()
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server.url, "carol")
    page.goto(f"{live_server.url}/review/{case.reference}/")
    expect(page.locator('input[name="option"]').first).to_be_visible()
    context.close()


def test_the_approve_button_waits_visibly_and_sends_once(
    page: Page, live_server: Any, demo_cases: None
) -> None:
    case = _submitted()
    sign_in(page, live_server.url, "carol")
    page.goto(f"{live_server.url}/review/{case.reference}/")
    page.get_by_label("Approve the recommended option").check()
    # A listener after the service's own counts what would be sent, and stops the navigation
    # so the waiting state can be read (the server's answer to a repeat is tested in
    # tests/decisions/review/test_views.py).
    page.evaluate(
        """() => {
          window.sent = 0
          document.querySelector('form[data-app-busy-form]').addEventListener('submit', (e) => {
            if (!e.defaultPrevented) window.sent++
            e.preventDefault()
          })
        }"""
    )
    button = page.get_by_role("button", name="Record the decision")
    button.click()
    busy = page.locator("button[data-app-busy-text]")
    expect(busy).to_have_text("Recording the decision…")
    expect(busy).to_have_attribute("aria-disabled", "true")
    expect(page.locator("[data-app-busy-status]")).to_have_text(
        "Recording the decision. This can take a few seconds."
    )
    busy.click(force=True)  # a second press sends nothing (aria-disabled: forced)
    assert page.evaluate("window.sent") == 1
    assert not DecisionRecord.objects.filter(case=case).exists()


def test_alice_changes_her_case_s_title_and_axe_finds_nothing(
    page: Page, live_server: Any, demo_cases: None
) -> None:
    case = Case.objects.filter(status=CaseStatus.DRAFT, department__code="dept-a").first()
    assert case is not None
    sign_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/cases/{case.reference}/")
    page.get_by_role("link", name="Change the title and summary").click()
    assert_accessible(page)
    page.get_by_label("Title").fill("")
    page.get_by_role("button", name="Save the title and summary").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a title for the case")
    assert_accessible(page)
    page.get_by_label("Title").fill("Appeals case management, renamed")
    page.get_by_role("button", name="Save the title and summary").click()
    expect(page.locator("h1")).to_have_text("Appeals case management, renamed")
    page.goto(f"{live_server.url}/cases/{case.reference}/check/")
    assert_accessible(page)
