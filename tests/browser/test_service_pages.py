"""The service pages pass axe, signed in and not, and are reached from the footer."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible, sign_in

pytestmark = pytest.mark.browser


def test_the_service_pages_are_reached_from_the_footer_and_pass_axe(
    page: Page, live_server, demo_people: None
) -> None:
    page.goto(f"{live_server.url}/")
    footer = page.locator("footer")
    for link, heading in (
        ("Accessibility statement", "Accessibility statement for Sourcing decisions"),
        ("Privacy", "Privacy notice"),
        ("Cookies", "Cookies"),
        ("Feedback", "Give feedback on Sourcing decisions"),
    ):
        footer.get_by_role("link", name=link, exact=True).click()
        expect(page.locator("h1")).to_have_text(heading)
        assert_accessible(page)
    page.get_by_role("link", name="give your feedback").click()
    expect(page.locator("h1")).to_have_text("Give feedback on Sourcing decisions")
    sign_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/accessibility/")
    assert_accessible(page)
