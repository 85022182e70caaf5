"""Finding things in a real browser: dave browses the audit events and opens one, searches
the records by title; the public searches the register; axe finds nothing on those pages."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from decisions.records.models import DecisionRecord
from sourcing.demo import seed_cases
from tests.browser.conftest import assert_accessible, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_cases(demo_people: None) -> None:
    seed_cases()


def test_dave_browses_the_audit_events_and_searches_the_records(
    page: Page, live_server: Any, demo_cases: None
) -> None:
    base = live_server.url
    sign_in(page, base, "dave")
    page.goto(f"{base}/audit/events/")
    expect(page.locator("h1")).to_have_text("Audit events")
    assert_accessible(page)
    page.get_by_label("Type of event").select_option("record.issued")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("caption")).to_contain_text("found")
    assert_accessible(page)
    page.locator("tbody a").first.click()
    expect(page.locator("h1")).to_have_text("record.issued")
    assert_accessible(page)
    record = DecisionRecord.objects.first()
    assert record is not None
    title = record.content["identity"]["title"]
    page.goto(f"{base}/records/")
    page.get_by_label("Title or reference").fill(title.split()[0])
    page.get_by_role("button", name="Search").click()
    expect(page.locator("main")).to_contain_text(record.reference)
    assert_accessible(page)


def test_the_public_searches_the_register(page: Page, live_server: Any, demo_cases: None) -> None:
    page.goto(f"{live_server.url}/register/")
    page.get_by_label("Search by title, reference or department").fill("zzzz")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("main")).to_contain_text("No published decision matches")
    assert_accessible(page)
