"""carol reads the Centre of Excellence dashboard from the navigation, filters it (a wrong date
gets the error summary) and downloads a chart's CSV; dave reads it too; axe finds nothing."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from decisions.cases.services import case_submit
from decisions.review.services import review_decide
from sourcing.models import User
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import assessed_case, other_option

pytestmark = pytest.mark.browser


def test_the_dashboard_its_filters_and_errors_pass_axe(
    page: Page, live_server: Any, demo_people: None
) -> None:
    alice, bob, carol = (User.objects.get(username=n) for n in ("alice", "bob", "carol"))
    overridden = case_submit(case=assessed_case(bob), by=bob)
    review_decide(
        case=overridden,
        by=carol,
        action="approve",
        option=other_option(overridden),
        rationale="Why.",
    )
    decided = case_submit(case=assessed_case(alice), by=alice)
    review_decide(case=decided, by=carol, action="approve")
    base = live_server.url

    sign_in(page, base, "carol")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Dashboard").click()
    expect(page.locator("h1")).to_have_text("Dashboard")
    expect(page.locator("#key-figures")).to_contain_text("50% (1 of 2 approvals")
    expect(page.get_by_role("img", name="Decisions by option decided")).to_be_visible()
    expect(page.locator("svg.app-chart__svg")).to_have_count(7)
    assert_accessible(page)
    page.get_by_label("Department", exact=True).select_option(
        label="Department for Public Services"
    )
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#key-figures")).to_contain_text("0% (0 of 1 approvals")
    with page.expect_download() as download:
        page.locator("#options").get_by_role("link", name="Download this table as CSV").click()
    assert download.value.suggested_filename == "dashboard-options.csv"
    page.get_by_label("Decided from").fill("31 February 2026")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Decided from must be a real date")
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, base, "dave")
    page.goto(f"{base}/review/dashboard/")
    expect(page.locator("#key-figures")).to_contain_text("2 (2 approved, 0 rejected)")
    assert_accessible(page)
