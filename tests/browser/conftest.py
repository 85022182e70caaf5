"""Browser test helpers: sign in through the real form, and run axe-core."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from sourcing.demo import DEMO_PASSWORD, seed_people

_axe = Axe()


@pytest.fixture
def demo_people(transactional_db: None) -> None:
    seed_people()


def sign_in(page: Page, base_url: str, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{base_url}/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def assert_accessible(page: Page) -> None:
    """axe-core (WCAG 2.2 A/AA rules) finds no violations on the current page."""
    results = _axe.run(
        page,
        options={
            "runOnly": {
                "type": "tag",
                "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
            }
        },
    )
    assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"
