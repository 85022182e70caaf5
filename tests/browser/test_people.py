"""Each demo user signs in and sees their role's navigation; sign-in works without JS; axe."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from sourcing.demo import DEMO_PASSWORD
from tests.browser.conftest import assert_accessible, sign_in

pytestmark = pytest.mark.browser

ROLE_CAPTIONS = {
    "alice": "Department commercial user, Department for Public Services",
    "bob": "Department commercial user, Department for Housing and Regions",
    "carol": "Centre of Excellence reviewer",
    "dave": "Auditor",
    "erin": "Ruleset steward",
    "ada": "Administrator",
}


@pytest.mark.parametrize("username", list(ROLE_CAPTIONS))
def test_each_demo_user_signs_in_and_sees_their_navigation(
    page: Page, live_server, demo_people: None, username: str
) -> None:
    sign_in(page, live_server.url, username)
    expect(page.locator("h1")).to_contain_text("Welcome")
    expect(page.locator(".govuk-caption-l")).to_have_text(ROLE_CAPTIONS[username])
    nav = page.locator(".govuk-service-navigation")
    expect(nav.get_by_role("link", name="Home")).to_be_visible()
    admin_link = nav.get_by_role("link", name="Administration")
    expect(admin_link).to_have_count(1 if username == "ada" else 0)
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("h1")).to_have_text("Sign in to Sourcing decisions")


def test_sign_in_works_with_javascript_off(
    browser: Browser, live_server, demo_people: None
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server.url, "alice")
    expect(page.locator("h1")).to_contain_text("Welcome, Alice")
    context.close()


def test_a_wrong_password_shows_the_error_summary(
    page: Page, live_server, demo_people: None
) -> None:
    sign_in(page, live_server.url, "alice", DEMO_PASSWORD + "x")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter a correct username and password")
    assert page.title().startswith("Error:")
    assert_accessible(page)


def test_axe_finds_nothing_on_the_pages_without_sign_in(
    page: Page, live_server, demo_people: None
) -> None:
    for path in ("/sign-in/", "/no-such-page/"):
        page.goto(live_server.url + path)
        assert_accessible(page)


def test_axe_finds_nothing_on_the_forbidden_and_missing_pages(
    page: Page, live_server, demo_people: None
) -> None:
    sign_in(page, live_server.url, "dave")
    for path in ("/admin/", "/no-such-page/"):
        page.goto(live_server.url + path)
        assert_accessible(page)


def test_no_page_breaks_the_content_security_policy(
    page: Page, live_server, demo_people: None
) -> None:
    violations: list[str] = []
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    sign_in(page, live_server.url, "carol")
    expect(page.locator("h1")).to_contain_text("Welcome")  # the sign-in navigation is over
    page.reload()
    assert violations == []
    assert page.evaluate("document.body.classList.contains('govuk-frontend-supported')")
    assert page.evaluate("typeof window.htmx") == "object"


def test_the_lockout_and_too_many_requests_pages_pass_axe(
    page: Page, live_server, demo_people: None, rate_limits
) -> None:
    for _ in range(5):
        sign_in(page, live_server.url, "bob", DEMO_PASSWORD + "x")
    expect(page.locator("h1")).to_have_text("You cannot sign in for 15 minutes")
    assert_accessible(page)
    rate_limits(sign_in="1/m")
    sign_in(page, live_server.url, "alice", DEMO_PASSWORD + "x")
    sign_in(page, live_server.url, "alice")
    expect(page.locator("h1")).to_have_text("Too many requests")
    assert_accessible(page)
