"""carol and dave read the calibration report (outcomes against estimates); erin makes golden
cases from outcomes, choosing the expected option when the department would not choose its
decision again; axe finds nothing on these pages."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from decisions.cases.services import case_submit
from decisions.records.outcomes import outcome_record
from decisions.review.services import review_decide
from decisions.rulesets.models import GoldenCase
from sourcing.models import User
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import assessed_case, other_option

pytestmark = pytest.mark.browser

OUTCOME = {"delivered": True, "benefits_realised": "partly", "lock_in": "none"}


def test_the_calibration_report_and_a_golden_case_from_an_outcome_pass_axe(
    page: Page, live_server: Any, demo_people: None
) -> None:
    alice, bob, carol = (User.objects.get(username=n) for n in ("alice", "bob", "carol"))
    case = case_submit(case=assessed_case(bob), by=bob)
    regretted = review_decide(
        case=case, by=carol, action="approve", option=other_option(case), rationale="Why."
    )
    assert regretted is not None
    outcome_record(
        record=regretted,
        by=bob,
        data={
            **OUTCOME,
            "on_time": False,
            "months_late": 4,
            "actual_cost_gbp": 1_100_000,
            "same_again": False,
        },
    )
    case = case_submit(case=assessed_case(alice), by=alice)
    kept = review_decide(case=case, by=carol, action="approve")
    assert kept is not None
    outcome_record(
        record=kept,
        by=alice,
        data={**OUTCOME, "on_time": True, "actual_cost_gbp": 750_000, "same_again": True},
    )
    base = live_server.url

    sign_in(page, base, "carol")
    page.get_by_role("link", name="Calibration report").click()
    expect(page.locator("#calibration-summary")).to_contain_text(
        "2 approvals, 2 with an outcome review"
    )
    expect(page.locator("main")).to_contain_text("£300,000 over (37.5%)")
    expect(page.locator("main")).to_contain_text("£50,000 under (6.3%)")
    assert_accessible(page)
    page.get_by_label("Decided to").fill("31 February 2026")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, base, "erin")
    page.get_by_role("link", name="Calibration report").click()
    regretted_row = page.locator(f"#outcome-{regretted.reference}")
    regretted_row.get_by_role("button", name="Make a golden case").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Select the option the outcome shows was right"
    )
    assert_accessible(page)
    page.locator(f"#option-{regretted.reference}").select_option(regretted.recommended)
    page.locator(f"#outcome-{regretted.reference}").get_by_role(
        "button", name="Make a golden case"
    ).click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        f"Golden case OUT-{regretted.reference}"
    )
    page.locator(f"#outcome-{kept.reference}").get_by_role(
        "button", name="Make a golden case"
    ).click()
    expect(page.locator(f"#outcome-{kept.reference}")).to_contain_text(f"OUT-{kept.reference}")
    assert_accessible(page)
    assert GoldenCase.objects.get(code=f"OUT-{kept.reference}").expected == {
        "recommended": kept.decided_option
    }
