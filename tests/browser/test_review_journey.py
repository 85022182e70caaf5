"""carol overrides alice's case, dave finds the record and the verified chain, the public sees
it in the register without sensitive fields; axe finds nothing on any review page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from decisions.records.models import DecisionRecord
from sourcing.demo import seed_cases
from sourcing.models import Case, CaseStatus
from tests.browser.conftest import assert_accessible, sign_in

pytestmark = pytest.mark.browser

ALICE_CASE = "Case management system for benefit appeals"
BOB_CASE = "Housing data analytics pilot"
RATIONALE = "The appeals rules change with every Budget, so the department must own the code."


@pytest.fixture
def demo_cases(demo_people: None) -> None:
    seed_cases()


def _sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()


def test_carol_overrides_dave_audits_and_the_public_register_shows_it(
    page: Page, browser: Browser, live_server: Any, demo_cases: None
) -> None:
    base = live_server.url
    csp_violations: list[str] = []
    page.on(
        "console",
        lambda msg: (
            csp_violations.append(msg.text) if "Content Security Policy" in msg.text else None
        ),
    )
    case = Case.objects.get(title=ALICE_CASE)

    # carol: the queue, the case, a refused override, then the override with reasons.
    sign_in(page, base, "carol")
    page.locator(".govuk-service-navigation").get_by_role("link", name="Review queue").click()
    expect(page.locator("h1")).to_have_text("Review queue")
    expect(page.locator("main")).to_contain_text(case.reference)
    assert_accessible(page)
    page.get_by_label("Department").select_option("dept-b")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("main")).not_to_contain_text(case.reference)
    expect(page.locator("main")).to_contain_text(BOB_CASE)
    page.get_by_role("link", name="Clear filters").click()

    page.get_by_role("link", name=case.reference).click()
    expect(page.locator("h1")).to_have_text(ALICE_CASE)
    expect(page.locator("main")).to_contain_text("The five options, ranked")
    assert_accessible(page)

    page.get_by_label("Approve a different option (override)").check()
    option = page.locator('input[name="option"]').first
    expect(option).to_be_visible()
    option_label = page.locator('label[for="option"]').inner_text()
    option.check()
    page.get_by_role("button", name="Record the decision").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text(f"Enter why you chose {option.get_attribute('value').title()}")
    assert page.title().startswith("Error:")
    assert_accessible(page)
    summary.get_by_role("link").first.click()
    expect(page.locator("#rationale")).to_be_focused()
    assert not DecisionRecord.objects.filter(case=case).exists()

    page.locator("#rationale").fill(RATIONALE)
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        f"{case.reference} is approved and its decision record issued"
    )
    expect(page.locator("h1")).to_have_text(ALICE_CASE)
    assert_accessible(page)
    record = DecisionRecord.objects.get(case=case)
    assert record.overridden and record.content["accountability"]["rationale"] == RATIONALE

    page.goto(f"{base}/review/due/")
    expect(page.locator("h1")).to_have_text("Decisions due for review")
    assert_accessible(page)
    _sign_out(page)

    # dave: the record in the auditor area, then the chain.
    sign_in(page, base, "dave")
    page.locator(".govuk-service-navigation").get_by_role("link", name="Decision records").click()
    expect(page.locator("h1")).to_have_text("Decision records")
    assert_accessible(page)
    page.get_by_label("Reference", exact=True).fill(case.reference)
    page.get_by_label("Override").select_option("yes")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("caption")).to_have_text(re.compile(r"1 record found"))
    page.get_by_role("link", name=re.compile(case.reference)).click()
    expect(page.locator("h1")).to_have_text(ALICE_CASE)
    main = page.locator("main")
    expect(main).to_contain_text(RATIONALE)
    expect(main).to_contain_text(record.record_sha256)
    expect(main).to_contain_text(f"Yes: {option_label} instead of the recommended")
    assert_accessible(page)
    page.get_by_text("Show all").click()
    expect(page.locator(".govuk-details__text")).to_be_visible()
    assert main.locator("form[method=post]").count() == 0  # auditors change nothing

    page.locator(".govuk-service-navigation").get_by_role("link", name="Audit chain").click()
    expect(page.locator("h1")).to_have_text("Audit chain")
    expect(page.locator("main")).to_contain_text("The chain is verified")
    assert_accessible(page)
    _sign_out(page)

    # The public: the register, without signing in.
    public = browser.new_context()
    visitor = public.new_page()
    visitor.goto(f"{base}/register/")
    expect(visitor.locator("h1")).to_have_text("Transparency register of sourcing decisions")
    row = visitor.locator("tr", has_text=ALICE_CASE)
    expect(row).to_contain_text(option_label)
    expect(row).to_contain_text("Override")
    text = visitor.locator("main").inner_text()
    budget = case.answers["whole_life_budget_gbp"]
    assert f"{budget:,}" not in text and RATIONALE not in text and "£" not in text
    assert_accessible(visitor)
    public.close()
    assert csp_violations == []


def test_carol_returns_a_case_with_javascript_off(
    browser: Browser, live_server: Any, demo_cases: None
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    base = live_server.url
    case = Case.objects.get(title=BOB_CASE)
    sign_in(page, base, "carol")
    page.goto(f"{base}/review/{case.reference}/")
    expect(page.locator('input[name="option"]').first).to_be_visible()
    page.get_by_label("Return to the department").check()
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter your reasons for returning the case"
    )
    page.locator("#rationale").fill("Add the exit plan.")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        f"{case.reference} is returned to the department"
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.RETURNED
    context.close()


def test_axe_finds_nothing_on_the_other_review_pages(
    page: Page, live_server: Any, demo_cases: None
) -> None:
    base = live_server.url
    record = DecisionRecord.objects.filter(overridden=True).first()
    assert record is not None
    sign_in(page, base, "carol")
    for path in (
        "/review/?status=all",
        f"/review/{record.reference}/",  # decided: no form, a link to the record
        "/records/?from_day=9&from_month=9&from_year=2026&to_day=1&to_month=1&to_year=2026",
    ):
        page.goto(base + path)
        assert_accessible(page)
    page.goto(f"{base}/review/due/")
    _sign_out(page)
    sign_in(page, base, "alice")  # a department user: their own records only
    page.goto(f"{base}/records/")
    expect(page.locator("main")).not_to_contain_text("Repairs scheduling tool")
    assert_accessible(page)
