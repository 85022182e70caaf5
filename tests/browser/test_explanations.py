"""A tie is said aloud: "too close to call" on the assessment, review and record pages, with why
the recommendation stands and the answers that would separate the two options; axe finds
nothing on any of them."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from decisions.cases.services import case_submit
from sourcing.models import User
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import golden_answers, published_ruleset, ready_case

pytestmark = pytest.mark.browser


def test_a_tie_is_too_close_to_call_on_every_page_that_shows_the_assessment(
    page: Page, live_server: Any, demo_people: None
) -> None:
    base = live_server.url
    published_ruleset()
    alice = User.objects.get(username="alice")
    # G09's need with a partial cross-government platform: build and partner tie.
    answers = {**golden_answers("G09"), "cross_government_solution": "partial"}
    case = ready_case(alice, title="Grant scheme portal", **answers)
    assessment = case.assessments.get()
    assert assessment.result["margin"] == 0
    assert assessment.result["close_call"]["options"] == ["build", "partner"]

    sign_in(page, base, "alice")
    page.goto(f"{base}/assessments/{assessment.pk}/")
    close = page.locator(".app-close-call")
    expect(close).to_contain_text("Too close to call between Build and Partner.")
    expect(close).to_contain_text("Build and Partner are tied on")
    expect(close).to_contain_text("decides nothing on its own")
    expect(page.locator("main")).to_contain_text("The strongest reasons for Build")
    expect(page.locator(".app-robustness")).to_contain_text("Fragile")
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()

    case_submit(case=case, by=alice)
    sign_in(page, base, "carol")
    page.goto(f"{base}/review/{case.reference}/")
    expect(page.locator(".app-close-call")).to_contain_text(
        "Too close to call between Build and Partner."
    )
    page.get_by_text("Conditions if another option is chosen").click()
    expect(page.locator("main")).to_contain_text("Partner")
    assert_accessible(page)
    page.get_by_label("Approve the recommended option").check()
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("decision record issued")
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, base, "dave")
    record = case.records.get()  # type: ignore[attr-defined]
    page.goto(f"{base}/records/{record.pk}/")
    expect(page.locator(".app-close-call")).to_contain_text(
        "Too close to call between Build and Partner."
    )
    expect(page.locator("main")).to_contain_text("Points by factor, as they count")
    assert_accessible(page)
