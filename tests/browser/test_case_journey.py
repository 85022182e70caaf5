"""alice takes a case from start to submitted in the browser; bob cannot see it; without JS too."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from decisions.rulesets.services import ruleset_publish_default
from sourcing.demo import seed_cases
from sourcing.models import Case, CaseStatus
from sourcing.questionnaire import SECTIONS
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import complete_answers

pytestmark = pytest.mark.browser


@pytest.fixture
def ruleset(demo_people: None) -> None:
    ruleset_publish_default()


def _answer(page: Page, keys: tuple[str, ...], answers: dict[str, Any]) -> None:
    """Fill in one section's questions from a dict of answers."""
    for key in keys:
        if key not in answers:
            continue
        value = answers[key]
        if isinstance(value, bool):
            page.locator(f'input[name="{key}"][value="{"yes" if value else "no"}"]').check()
        elif isinstance(value, str):
            page.locator(f'input[name="{key}"][value="{value}"]').check()
        else:
            page.locator(f"#{key}").fill(str(value))


def _start(page: Page, base_url: str, title: str, *, check: bool) -> str:
    """Start a case from "Your cases" and return its reference."""
    page.goto(base_url + "/")
    page.locator(".govuk-service-navigation").get_by_role("link", name="Your cases").click()
    expect(page.locator("h1")).to_have_text("Your cases")
    if check:
        assert_accessible(page)
    page.get_by_role("button", name="Start a case").click()
    expect(page.locator("h1")).to_have_text("Start a case")
    if check:
        assert_accessible(page)
    page.get_by_label("Title").fill(title)
    page.get_by_label("Summary of the need (optional)").fill("Caseworkers need one place.")
    page.get_by_role("button", name="Start the case").click()
    expect(page.locator("h1")).to_have_text(title)
    match = re.search(r"/cases/(SRC-\d{4}-\d{4})/$", page.url)
    assert match, page.url
    return match.group(1)


def _finish(page: Page, base_url: str, reference: str, *, check: bool) -> None:
    """Recommendation, explanations, four sign-offs, the SRO, and submit."""
    expect(page.locator("h1")).to_have_text("Check your answers")
    if check:
        assert_accessible(page)
    page.get_by_role("button", name="Get recommendation").click()
    expect(page.locator("h1")).to_have_text("Recommendation: Buy")
    if check:
        assert_accessible(page)
        trace = page.locator(".govuk-details", has_text="Show all")
        trace.get_by_text("Show all").click()  # the rule trace opens
        expect(trace.locator(".govuk-details__text")).to_be_visible()

    page.goto(f"{base_url}/cases/{reference}/explanations/")
    expect(page.locator("h1")).to_have_text("Explain policy checks")
    if check:
        assert_accessible(page)
    for textarea in page.locator("textarea").all():
        textarea.fill("The exit plan is in the business case, section 4.")
    page.get_by_role("button", name="Save explanations").click()
    expect(page.locator("h1")).to_contain_text("Case management")

    page.goto(f"{base_url}/cases/{reference}/sign-offs/")
    if check:
        assert_accessible(page)
    # Typed sign-offs, for signatories with no account (tests/browser/test_signoff_journey.py
    # asks colleagues who sign in and sign off themselves).
    for discipline in ("Commercial", "Digital", "Finance", "Legal"):
        typed = page.locator("#typed")
        typed.locator("summary").click()
        typed.get_by_label(discipline, exact=True).check()
        typed.get_by_label("Name of the person signing off").fill(f"{discipline} lead")
        typed.get_by_label("Job title (optional)").fill(f"Head of {discipline.lower()}")
        typed.get_by_role("button", name="Record sign-off without an account").click()
        expect(page.locator(".govuk-notification-banner")).to_contain_text(
            f"The {discipline.lower()} sign-off is recorded"
        )
    page.get_by_label("Senior Responsible Owner", exact=True).select_option(label="Gita Ghosh")
    page.get_by_role("button", name="Save Senior Responsible Owner").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Senior Responsible Owner")
    expect(page.get_by_text("Signed off", exact=True)).to_have_count(4)
    if check:
        assert_accessible(page)

    page.goto(f"{base_url}/cases/{reference}/submit/")
    if check:
        assert_accessible(page)
    page.get_by_role("button", name="Submit the case").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("is submitted")
    expect(page.locator("main .govuk-tag").first).to_have_text("Submitted")
    if check:
        assert_accessible(page)
    assert Case.objects.get(reference=reference).status == CaseStatus.SUBMITTED


def test_alice_takes_a_case_from_start_to_submitted_and_bob_cannot_see_it(
    page: Page, browser: Browser, live_server: Any, ruleset: None
) -> None:
    base = live_server.url
    answers = complete_answers()
    csp_violations: list[str] = []
    page.on(
        "console",
        lambda msg: (
            csp_violations.append(msg.text) if "Content Security Policy" in msg.text else None
        ),
    )
    sign_in(page, base, "alice")
    reference = _start(page, base, "Case management for appeals", check=True)
    assert_accessible(page)

    page.get_by_role("link", name="About the need").click()
    expect(page.locator("h1")).to_have_text("About the need")
    expect(page.locator("#preview-panel")).to_contain_text("Answer some questions")
    assert_accessible(page)

    # Invalid input once: the error summary names the field and links to it.
    page.locator("#months_to_live").fill("soon")
    page.get_by_role("button", name="Save and continue").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter the number of months until it must be live, like 18")
    assert page.title().startswith("Error:")
    assert_accessible(page)
    summary.get_by_role("link").first.click()
    expect(page.locator("#months_to_live")).to_be_focused()

    # The live preview follows the answers through htmx, before anything is saved.
    need = SECTIONS[0]
    _answer(page, need.keys, answers)
    panel = page.locator("#preview-panel")
    expect(panel).to_contain_text("Leading option")
    expect(panel).to_contain_text("questions not answered yet")
    assert Case.objects.get(reference=reference).answers == {}
    assert_accessible(page)
    page.get_by_role("button", name="Save and continue").click()

    for section in SECTIONS[1:]:
        expect(page.locator("h1")).to_have_text(section.title)
        _answer(page, section.keys, answers)
        if section.slug == "money":
            expect(panel).not_to_contain_text("not answered yet")
            expect(panel).to_contain_text("Leading option: Buy")
        assert_accessible(page)
        page.get_by_role("button", name="Save and continue").click()

    _finish(page, base, reference, check=True)
    assert csp_violations == []

    other = browser.new_context()
    bob = other.new_page()
    sign_in(bob, base, "bob")
    for path in ("", "sections/need/", "preview/", "check/", "sign-offs/"):
        response = bob.goto(f"{base}/cases/{reference}/{path}")
        assert response is not None and response.status == 404, path
    bob.goto(f"{base}/cases/")
    expect(bob.locator("main")).not_to_contain_text(reference)
    other.close()


def test_the_journey_works_with_javascript_off(
    browser: Browser, live_server: Any, ruleset: None
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    base = live_server.url
    answers = complete_answers()
    sign_in(page, base, "alice")
    reference = _start(page, base, "Case management without scripts", check=False)
    page.get_by_role("link", name="About the need").click()
    page.locator("#months_to_live").fill("999")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter a whole number of months from 1 to 120"
    )
    for section in SECTIONS:
        expect(page.locator("h1")).to_have_text(section.title)
        _answer(page, section.keys, answers)
        page.get_by_role("button", name="Save and continue").click()
    page.goto(f"{base}/cases/{reference}/preview/")
    expect(page.locator("#preview-panel")).to_contain_text("Leading option: Buy")
    page.goto(f"{base}/cases/{reference}/check/")
    _finish(page, base, reference, check=False)
    context.close()


def test_axe_finds_nothing_on_the_other_case_pages(
    page: Page, live_server: Any, ruleset: None
) -> None:

    seed_cases()
    base = live_server.url
    submitted = Case.objects.get(title="Case management system for benefit appeals")
    assessed = Case.objects.get(title="Hosting migration to public cloud")
    started = Case.objects.get(title="Identity verification service")
    assessment = assessed.assessments.get()
    sign_in(page, base, "alice")
    paths = [
        "/cases/?status=draft",
        "/cases/?q=nothing-matches",
        f"/cases/{started.reference}/preview/",
        f"/cases/{started.reference}/check/",
        f"/cases/{started.reference}/explanations/",
        f"/cases/{started.reference}/submit/",
        f"/cases/{started.reference}/withdraw/",
        f"/cases/{assessed.reference}/",
        f"/cases/{assessed.reference}/sections/money/",
        f"/assessments/{assessment.pk}/replay/?ruleset=pinned",
        f"/assessments/{assessment.pk}/replay/?ruleset=current",
        f"/assessments/{assessment.pk}/replay/?ruleset=bogus",
        f"/cases/{submitted.reference}/",
        f"/cases/{submitted.reference}/check/",
        f"/cases/{submitted.reference}/sign-offs/",
        f"/cases/{submitted.reference}/explanations/",
        f"/cases/{submitted.reference}/submit/",
    ]
    for path in paths:
        page.goto(base + path)
        assert_accessible(page)
    page.goto(f"{base}/cases/{started.reference}/sections/market/")
    page.get_by_role("button", name="Save and continue").click()  # nothing typed: saves nothing
    page.goto(f"{base}/cases/{assessed.reference}/check/")
    page.get_by_role("button", name="Get recommendation").click()
    expect(page.locator("h1")).to_contain_text("Recommendation")
    page.goto(f"{base}/cases/{started.reference}/check/")
    page.get_by_role("button", name="Get recommendation").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select")
    assert_accessible(page)
