"""In the browser: signing in through the department's identity provider (oidc-provider-mock),
signing out of both, a refused first sign-in, and the department administrator inviting a
colleague who then signs in and starts a case; axe on every new page."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page, expect

from sourcing.demo import demo_provider_accounts
from tests.browser.conftest import assert_accessible

pytestmark = pytest.mark.browser


@pytest.fixture
def provider_accounts(oidc: str, oidc_account: Callable[..., str], demo_people: None) -> str:
    """The demo users as the test provider's accounts, linked as `make run` links them."""
    for account in demo_provider_accounts():
        oidc_account(**account)
    return oidc


def provider_sign_in(page: Page, base_url: str, subject: str) -> None:
    page.goto(f"{base_url}/sign-in/")
    page.get_by_role("button", name="Sign in with your department account").click()
    page.get_by_label("Subject").fill(subject)
    page.get_by_role("button", name="Authorize", exact=True).click()


def test_alice_signs_in_through_her_department_account_and_out_of_both(
    page: Page, live_server, provider_accounts: str
) -> None:
    page.goto(f"{live_server.url}/sign-in/")
    assert_accessible(page)
    provider_sign_in(page, live_server.url, "alice")
    expect(page.locator("h1")).to_have_text("Welcome, Alice Adeyemi")
    expect(page.locator(".govuk-caption-l")).to_contain_text("Department commercial user")
    page.get_by_role("button", name="Sign out").click()
    # The provider asks to end its session too, then sends people back to the sign-in page.
    page.get_by_role("button", name="End session").click()
    expect(page.locator("h1")).to_have_text("Sign in to Sourcing decisions")
    page.goto(f"{live_server.url}/")
    expect(page.locator("h1")).to_have_text("Sign in to Sourcing decisions")


def test_a_first_sign_in_from_an_unknown_department_is_refused_with_a_clear_page(
    page: Page, live_server, provider_accounts: str
) -> None:
    provider_sign_in(page, live_server.url, "someone@unknown.example")
    expect(page.locator("h1")).to_have_text("Your department is not set up to use this service")
    assert_accessible(page)


def test_a_department_administrator_invites_a_colleague_who_signs_in_and_starts_a_case(
    browser: Browser, page: Page, live_server, provider_accounts: str
) -> None:
    provider_sign_in(page, live_server.url, "fiona")
    expect(page.locator(".govuk-caption-l")).to_contain_text("Department administrator")
    page.get_by_role("link", name="Your department").first.click()
    expect(page.locator("h1")).to_have_text("People and access")
    assert_accessible(page)
    page.get_by_role("button", name="Invite a colleague").click()
    assert_accessible(page)
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the email address")
    assert_accessible(page)
    page.get_by_label("Invite a colleague").fill("grace@publicservices.example.gov.uk")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("grace@publicservices.example.gov.uk is invited")).to_be_visible()
    assert_accessible(page)

    colleague = browser.new_context(java_script_enabled=False).new_page()
    provider_sign_in(colleague, live_server.url, "grace@publicservices.example.gov.uk")
    expect(colleague.locator(".govuk-caption-l")).to_contain_text("Department commercial user")
    colleague.get_by_role("link", name="Your cases").first.click()
    colleague.get_by_role("button", name="Start a case").click()
    colleague.get_by_label("Title").fill("Grants portal")
    colleague.get_by_role("button", name="Start the case").click()
    expect(colleague.locator("body")).to_contain_text("Grants portal")
    colleague.context.close()

    page.reload()
    row = page.locator("tr", has_text="grace@publicservices.example.gov.uk")
    expect(row).to_contain_text("Department commercial user")
    row.get_by_role("button", name="Remove role").click()
    row = page.locator("tr", has_text="grace@publicservices.example.gov.uk")
    expect(row).to_contain_text("No role yet")


def test_the_sign_in_page_with_two_providers_offers_a_button_each(
    page: Page, live_server, oidc: str, settings, db: None
) -> None:
    entry = {
        "issuer": oidc,
        "client_id": "x",
        "client_secret": "y",
        "scopes": "openid email",
        "authorization_endpoint": f"{oidc}/oauth2/authorize",
        "token_endpoint": f"{oidc}/oauth2/token",
        "userinfo_endpoint": f"{oidc}/userinfo",
        "jwks_uri": f"{oidc}/jwks",
        "end_session_endpoint": "",
        "sign_algorithm": "RS256",
    }
    settings.OIDC_PROVIDERS = [
        {**entry, "key": "dps", "name": "Microsoft Entra ID"},
        {**entry, "key": "housing", "name": "Google Workspace", "issuer": oidc + "/other"},
    ]
    page.goto(f"{live_server.url}/sign-in/")
    expect(page.get_by_role("button", name="Sign in with Microsoft Entra ID")).to_be_visible()
    expect(page.get_by_role("button", name="Sign in with Google Workspace")).to_be_visible()
    assert_accessible(page)


def test_the_service_administrator_grants_and_takes_away_a_centre_of_excellence_role(
    page: Page, live_server, provider_accounts: str
) -> None:
    provider_sign_in(page, live_server.url, "ada")
    page.get_by_role("link", name="Centre of Excellence roles").first.click()
    expect(page.locator("h1")).to_have_text("Centre of Excellence roles")
    assert_accessible(page)
    row = page.locator("tr", has_text="Erin Evans")
    row.get_by_label("Role of Erin Evans").select_option("reviewer")
    row.get_by_role("button", name="Change role").click()
    expect(
        page.get_by_text("Erin Evans now has the role Centre of Excellence reviewer")
    ).to_be_visible()
    assert_accessible(page)
    row = page.locator("tr", has_text="Erin Evans")
    expect(row).to_contain_text("Centre of Excellence reviewer")
