"""carol reads the similar cases on a case under review and the consistency report; alice
records an outcome of her decision; axe finds nothing on these pages."""

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


def test_similar_cases_the_report_and_an_outcome_pass_axe(
    page: Page, live_server: Any, demo_people: None
) -> None:
    alice, bob, carol = (User.objects.get(username=n) for n in ("alice", "bob", "carol"))
    earlier = case_submit(case=assessed_case(bob), by=bob)
    review_decide(
        case=earlier, by=carol, action="approve", option=other_option(earlier), rationale="Why."
    )
    decided = case_submit(case=assessed_case(alice), by=alice)
    record = review_decide(case=decided, by=carol, action="approve")
    assert record is not None
    base = live_server.url

    sign_in(page, base, "carol")
    page.goto(f"{base}/review/{decided.reference}/")
    expect(page.locator("#similar-cases-summary")).to_contain_text("1 similar case: 1 decided")
    assert_accessible(page)
    page.goto(f"{base}/review/consistency/")
    expect(page.locator("main")).to_contain_text("1 pair decided differently")
    assert_accessible(page)
    page.get_by_label("Decided from").fill("not a date")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, base, "alice")
    page.goto(f"{base}/records/{record.pk}/")
    page.get_by_role("link", name="Record the outcome").click()
    page.get_by_role("button", name="Record the outcome").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page)
    page.locator("#delivered").check()
    page.locator("#on_time").check()
    page.get_by_label("Actual whole-life cost to date").fill("750,000")
    page.locator("#benefits_realised-fully").check()
    page.locator("#lock_in").check()
    page.locator("#same_again").check()
    page.get_by_role("button", name="Record the outcome").click()
    expect(page.locator("#outcomes")).to_be_visible()
    expect(page.locator("main")).to_contain_text("£750,000 against an estimate of £800,000")
    assert_accessible(page)
