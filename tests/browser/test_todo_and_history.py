"""The home to-do lists, the answer history and the notification settings in a browser: axe
finds nothing, and the settings save without JavaScript."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from decisions.rulesets.services import ruleset_publish_default
from sourcing.demo import seed_cases
from sourcing.models import Case, NotificationSetting, User
from tests.browser.conftest import assert_accessible, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_cases(demo_people: None) -> None:
    ruleset_publish_default()
    seed_cases()


def test_each_role_s_home_page_history_and_settings_pass_axe(
    page: Page, live_server: Any, demo_cases: None
) -> None:
    base = live_server.url
    returned = Case.objects.get(status="returned", owner__username="alice")
    sign_in(page, base, "alice")
    expect(page.locator("h2", has_text="What waits for you")).to_be_visible()
    expect(page.get_by_text("Returned cases (1)")).to_be_visible()
    assert_accessible(page)
    page.goto(f"{base}/cases/{returned.reference}/")
    page.get_by_role("link", name="See the answer history").click()
    expect(page.locator("h1")).to_have_text("Answer history")
    assert_accessible(page)
    page.goto(f"{base}/account/notifications/")
    assert_accessible(page)
    for username in ("carol", "erin", "dave"):
        page.context.clear_cookies()
        sign_in(page, base, username)
        expect(page.locator("h2", has_text="What waits for you")).to_be_visible()
        assert_accessible(page)
    page.goto(f"{base}/records/")
    page.locator("a[href^='/records/']").filter(has_text="SRC-").first.click()
    page.get_by_role("link", name="See the answer history of this case").click()
    expect(page.locator("h1")).to_have_text("Answer history")
    assert_accessible(page)


def test_notification_settings_save_without_javascript(
    browser: Browser, live_server: Any, demo_people: None
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server.url, "carol")
    page.goto(f"{live_server.url}/account/notifications/")
    page.get_by_label("A case is submitted for review").uncheck()
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("saved")
    carol = User.objects.get(username="carol")
    assert NotificationSetting.objects.filter(user=carol, kind="case_submitted").exists()
    context.close()
