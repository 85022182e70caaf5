"""Bad input in a real browser: the API docs page, the 400, 405 and 404 pages pass axe under
the strict CSP, and Back after an htmx poll shows the whole page, not the fragment."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from decisions.exports.models import ExportJob
from tests.browser.conftest import assert_accessible, sign_in
from tests.browser.test_exports import demo_records  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser


def _csp_violations(page: Page) -> list[str]:
    found: list[str] = []
    page.on(
        "console",
        lambda msg: found.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    return found


def test_the_api_docs_page_passes_axe_under_the_strict_csp(
    page: Page, live_server: Any, demo_people: None
) -> None:
    violations = _csp_violations(page)
    page.goto(f"{live_server.url}/api/v1/docs")
    expect(page.locator("h1")).to_have_text("Sourcing decisions API")
    expect(page.get_by_role("main")).to_be_visible()
    expect(page.locator("code", has_text="POST /api/v1/cases").first).to_be_visible()
    assert_accessible(page)
    assert violations == []


def test_the_400_405_and_404_pages_pass_axe(
    page: Page, live_server: Any, demo_people: None
) -> None:
    sign_in(page, live_server.url, "alice")
    expect(page.locator("h1")).to_contain_text("Welcome")
    violations = _csp_violations(page)
    for path, heading in (
        ("/cases/%00/", "Sorry, there is a problem with your request"),
        ("/suppliers/?page=99999999999999999999", "Sorry, there is a problem with your request"),
        ("/cases/SRC-2026-0001/assess/", "This address is for sending a form"),
        ("/assessments/99999999999999999999/", "Page not found"),
    ):
        page.goto(live_server.url + path)
        expect(page.locator("h1")).to_have_text(heading)
        assert_accessible(page)
    assert violations == []


def test_back_after_an_htmx_poll_shows_the_whole_page(
    page: Page,
    live_server: Any,
    demo_records: Any,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The export is held back (no build dispatched), so its page keeps polling its own URL.
    monkeypatch.setattr("decisions.exports.services.export_dispatch", lambda export_id: True)
    sign_in(page, live_server.url, "dave")
    expect(page.locator("h1")).to_contain_text("Welcome")
    page.goto(f"{live_server.url}/exports/")
    page.get_by_role("button", name="Start the export").click()
    expect(page.locator("h1")).to_have_text(re.compile(r"Export \d+"))
    job = ExportJob.objects.get()
    with page.expect_response(
        lambda r: (
            r.url.endswith(f"/exports/{job.pk}/") and r.request.headers.get("hx-request") == "true"
        )
    ) as polled:
        pass  # the page polls every 2 seconds
    assert "HX-Request" in polled.value.headers["vary"]
    page.get_by_role("link", name="Home").first.click()
    expect(page.locator("h1")).to_contain_text("Welcome")
    page.go_back()
    expect(page.locator("h1")).to_have_text(re.compile(r"Export \d+"))
    expect(page.locator("header.govuk-template__header")).to_be_visible()
    assert page.evaluate("document.styleSheets.length") > 0
