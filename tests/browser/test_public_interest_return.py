"""carol reads the quarterly Public Interest Test return of every department, chooses one, gets
the error summary for a quarter that is not one, and prints it; alice sees her department's
only; axe finds nothing on the page."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from decisions.cases.services import case_submit
from decisions.review.services import review_decide
from sourcing.models import User
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import assessed_case, format_1_published

pytestmark = pytest.mark.browser


def test_the_return_flags_a_test_not_completed_prints_and_passes_axe(
    page: Page, live_server: Any, demo_people: None
) -> None:
    alice, bob, carol, erin = (
        User.objects.get(username=n) for n in ("alice", "bob", "carol", "erin")
    )
    done = case_submit(
        case=assessed_case(
            alice, whole_life_budget_gbp=2_000_000, differentiation="unique_to_policy"
        ),
        by=alice,
    )
    completed = review_decide(case=done, by=carol, action="approve")
    format_1_published(erin)
    old = case_submit(case=assessed_case(bob, whole_life_budget_gbp=5_000_000), by=bob)
    flagged = review_decide(case=old, by=carol, action="approve")
    assert completed is not None and flagged is not None
    base = live_server.url

    sign_in(page, base, "carol")
    page.get_by_role("link", name="Quarterly Public Interest Test return").click()
    main = page.locator("main")
    expect(main).to_contain_text("All departments")
    expect(main).to_contain_text("From 1 April 2027 (PPN 024)")
    expect(page.locator(f"#row-{completed.reference}")).to_contain_text("Completed")
    row = page.locator(f"#row-{flagged.reference}")
    expect(row).to_contain_text("Flagged: not completed")
    expect(row).to_contain_text("Part 1 and Part 2 were not recorded")
    assert_accessible(page)

    page.get_by_label("Department").select_option(label=alice.department.name)  # type: ignore[union-attr]
    page.get_by_role("button", name="Show the return").click()
    expect(page.locator(f"#row-{completed.reference}")).to_be_visible()
    expect(page.locator(f"#row-{flagged.reference}")).to_have_count(0)

    page.get_by_label("Quarter", exact=True).fill("next spring")
    page.get_by_role("button", name="Show the return").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("2026-Q3")
    summary.get_by_role("link").first.click()
    expect(page.get_by_label("Quarter", exact=True)).to_be_focused()
    assert_accessible(page)

    page.goto(f"{base}/returns/public-interest/")
    page.emulate_media(media="print")
    expect(page.locator("form.app-filter")).to_be_hidden()
    expect(page.locator(".govuk-service-navigation")).to_be_hidden()
    expect(page.locator(f"#row-{flagged.reference}")).to_contain_text("Flagged: not completed")
    page.emulate_media(media="screen")
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, base, "alice")
    page.goto(f"{base}/returns/public-interest/")
    expect(page.locator(f"#row-{completed.reference}")).to_be_visible()
    expect(page.locator(f"#row-{flagged.reference}")).to_have_count(0)
    assert_accessible(page)
