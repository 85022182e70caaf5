"""erin changes a rule, sees the golden cases and the impact on past cases, and publishes."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from decisions.records.models import DecisionRecord
from decisions.rulesets.models import Ruleset
from sourcing.demo import seed_cases, seed_golden_cases
from tests.browser.conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("eager_tasks")]


@pytest.fixture
def demo(demo_people: None) -> None:
    seed_cases()
    seed_golden_cases()


def test_erin_edits_a_rule_previews_the_impact_and_publishes(
    page: Page, live_server: Any, demo: None
) -> None:
    base = live_server.url
    sign_in(page, base, "erin")
    page.locator(".govuk-service-navigation").get_by_role("link", name="Rulesets").click()
    expect(page.locator("h1")).to_have_text("Rulesets")
    assert_accessible(page)

    page.get_by_role("link", name="Golden cases").click()
    expect(page.locator("h1")).to_have_text("Golden cases")
    assert_accessible(page)
    page.get_by_role("link", name="Back to rulesets").click()

    page.get_by_role("link", name="Start a new draft").click()
    expect(page.locator("h1")).to_have_text("Start a new draft")
    page.get_by_label("New version").fill("2026")
    page.get_by_role("button", name="Start the draft").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the version as a year")
    assert_accessible(page)
    page.get_by_label("New version").fill("2026.3")
    page.get_by_role("button", name="Start the draft").click()
    expect(page.locator("h1")).to_have_text("Draft 2026.3")
    assert_accessible(page)

    page.get_by_role("link", name="Change rule R03").click()
    expect(page.locator("h1")).to_have_text("Change rule R03")
    page.locator("#id_effect_buy").fill("12.5")
    page.get_by_role("button", name="Save the rule").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Rule R03, effects.buy: weight must be a whole number"
    )
    assert_accessible(page)
    page.locator("#id_effect_buy").fill("12")
    page.get_by_role("button", name="Save the rule").click()
    expect(page.locator("h1")).to_have_text("Draft 2026.3")
    expect(page.locator("#golden ~ p").first).to_contain_text("All 61 pass")

    page.get_by_role("link", name="See what changed from 2026.2").click()
    expect(page.locator("h1")).to_have_text("What changed from 2026.2")
    expect(page.locator("#change-R03")).to_contain_text("Buy +12")
    assert_accessible(page)
    page.get_by_role("link", name="Back to draft 2026.3").click()

    page.get_by_role("button", name="Preview the impact on past cases").click()
    expect(page.locator("h1")).to_have_text("Impact on past cases")
    expect(page.locator(".govuk-inset-text h2")).to_contain_text("recommendations would change")
    assert_accessible(page)

    page.get_by_role("link", name="Go on to publish draft 2026.3").click()
    expect(page.locator("h1")).to_have_text("Publish draft 2026.3")
    assert_accessible(page)
    page.get_by_role("button", name="Publish 2026.3").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a summary")
    assert_accessible(page)
    page.get_by_label("Change summary").fill("Buy scores 12 for a product that fits 80%.")
    page.get_by_role("button", name="Publish 2026.3").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Another ruleset steward must approve draft 2026.3"
    )
    expect(page.get_by_role("button", name="Approve draft 2026.3 as it is")).to_have_count(0)

    # Four eyes: tess reads the draft and approves it as it is; then erin publishes.
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, base, "tess")
    page.goto(f"{base}/rulesets/2026.3/publish/")
    page.get_by_label("Comment (optional)").fill("Checked the impact preview.")
    page.get_by_role("button", name="Approve draft 2026.3 as it is").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("You approved draft 2026.3")
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, base, "erin")
    page.goto(f"{base}/rulesets/2026.3/publish/")
    expect(page.locator("main")).to_contain_text("Yes, by Tess Turner")
    page.get_by_label("Change summary").fill("Buy scores 12 for a product that fits 80%.")
    page.get_by_role("button", name="Publish 2026.3").click()
    expect(page.locator("h1")).to_have_text("Version 2026.3")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("2026.3 is published")
    assert_accessible(page)
    assert Ruleset.objects.current().version == "2026.3"  # type: ignore[union-attr]


def test_axe_finds_nothing_on_the_other_ruleset_pages(
    page: Page, live_server: Any, demo: None
) -> None:

    base = live_server.url
    reference = DecisionRecord.objects.first().reference  # type: ignore[union-attr]  # a decided case
    sign_in(page, base, "erin")
    page.goto(f"{base}/rulesets/golden-cases/new/?case={reference}")
    expect(page.locator("h1")).to_have_text("Add a golden case")
    expect(page.get_by_label("Make an existing case a golden case (optional)")).to_have_value(
        reference
    )
    page.get_by_role("button", name="Save the golden case").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select the recommendation")
    assert_accessible(page)
    page.goto(f"{base}/rulesets/golden-cases/G01/")
    expect(page.locator("h1")).to_have_text("Change golden case G01")
    assert_accessible(page)
    # A real decision: its sources, basis and the options also acceptable are in the form.
    page.goto(f"{base}/rulesets/golden-cases/RC02/")
    expect(page.get_by_label("Sources (optional)")).to_contain_text("https://")
    expect(page.get_by_label("Basis (optional)")).not_to_be_empty()
    assert page.locator('input[name="also_acceptable"]:checked').count() >= 1
    assert_accessible(page)
    page.goto(f"{base}/rulesets/golden-cases/")
    expect(page.locator("main")).to_contain_text("public source")
    expect(page.locator("main")).to_contain_text("Revised in 2026.2")
    assert_accessible(page)

    page.goto(f"{base}/rulesets/new/")
    page.get_by_label("New version").fill("2026.3")
    page.get_by_role("button", name="Start the draft").click()
    page.get_by_role("link", name="Upload a whole ruleset file").click()
    page.get_by_label("Ruleset file (JSON, up to 1 MB)").set_input_files(
        files=[{"name": "r.json", "mimeType": "application/json", "buffer": b'{"rules": []}'}]
    )
    page.get_by_role("button", name="Check and save").click()
    expect(page.locator("#problems")).to_contain_text("must be a non-empty list of rules")
    assert_accessible(page)
    page.goto(f"{base}/rulesets/2026.3/rules/R02/remove/")
    expect(page.locator("h1")).to_have_text("Remove rule R02?")
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, base, "carol")
    page.goto(f"{base}/rulesets/")
    page.get_by_role("link", name="Replay approved decisions under the current version").click()
    expect(page.locator("h1")).to_have_text("Replay approved decisions")
    assert_accessible(page)
    page.get_by_role("button", name="Replay all approved decisions").click()
    expect(page.locator(".govuk-inset-text h2")).to_contain_text("would now come out differently")
    assert_accessible(page)
    page.goto(f"{base}/rulesets/2026.2/")
    expect(page.locator("h1")).to_have_text("Version 2026.2")
    assert_accessible(page)
