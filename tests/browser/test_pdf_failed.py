"""A record whose PDF failed for good: carol (reviewer) and dave (auditor) see "PDF failed" on
the record list and the record page, ada (administrator) presses "Try again" and gets the PDF;
axe finds nothing on any of those pages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from decisions.integrity.verification import audit_verify
from decisions.records.models import DecisionRecord, RecordPdf
from decisions.records.pdf import pdf_retry
from decisions.review.services import review_decide
from sourcing.celery import app as celery_app
from sourcing.jobs import JobStatus
from sourcing.models import User
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import pdf_case

pytestmark = pytest.mark.browser


@pytest.fixture
def failed_record(
    demo_people: None, settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[DecisionRecord]:
    """alice's case approved by carol; its PDF rendered in-process and failed at its only
    attempt (the renderer broken), so it is failed for good."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PDF_MAX_ATTEMPTS = 1
    saved = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    monkeypatch.setattr(
        "decisions.records.pdf.record_pdf_bytes",
        lambda record, prove=None: (_ for _ in ()).throw(RuntimeError("font cache exploded")),
    )
    try:
        record = review_decide(
            case=pdf_case(User.objects.get(username="alice")),
            by=User.objects.get(username="carol"),
            action="approve",
        )
        assert record is not None
        pdf = RecordPdf.objects.get(record=record)
        assert (pdf.status, pdf.attempts) == (JobStatus.FAILED, 1)
        yield record
    finally:
        celery_app.conf.task_always_eager = saved


def _signed_in(browser: Browser, base: str, username: str) -> Page:
    page = browser.new_context().new_page()
    sign_in(page, base, username)
    return page


@pytest.mark.parametrize("username", ["carol", "dave"])
def test_a_failed_pdf_is_shown_on_the_record_list_and_page(
    browser: Browser,
    live_server: Any,
    failed_record: DecisionRecord,
    username: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    base = live_server.url
    page = _signed_in(browser, base, username)
    page.goto(f"{base}/records/")
    row = page.locator("tr", has_text=failed_record.reference)
    expect(row.locator(".govuk-tag--red")).to_have_text("PDF failed")
    assert_accessible(page)
    page.goto(f"{base}/records/{failed_record.pk}/")
    expect(page.locator(".govuk-tag--red", has_text="PDF failed")).to_be_visible()
    expect(page.get_by_text("Last error: RuntimeError: font cache exploded")).to_be_visible()
    expect(page.get_by_role("button", name="Try again")).to_have_count(0)  # administrators'
    assert_accessible(page)
    page.goto(f"{base}/records/{failed_record.pk}/pdf/")  # the PDF's own page: 503
    expect(page.locator("h1")).to_contain_text(failed_record.reference)
    expect(page.locator(".govuk-tag--red", has_text="PDF failed")).to_be_visible()
    assert_accessible(page)
    # Put right for the chain's verification after the test: the renderer fixed, tried again.
    monkeypatch.undo()
    pdf_retry(record=failed_record, by=User.objects.get(username="ada"))
    assert RecordPdf.objects.get(record=failed_record).status == JobStatus.DONE


def test_an_administrator_tries_a_failed_pdf_again_and_gets_it(
    browser: Browser,
    live_server: Any,
    failed_record: DecisionRecord,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    base = live_server.url
    page = _signed_in(browser, base, "ada")
    page.goto(f"{base}/records/{failed_record.pk}/")
    button = page.get_by_role("button", name="Try again")
    expect(button).to_be_visible()
    assert_accessible(page)
    monkeypatch.undo()  # the renderer put right
    button.click()
    expect(page).to_have_url(f"{base}/records/{failed_record.pk}/")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        f"The PDF of {failed_record.reference} is being rendered again"
    )
    expect(page.get_by_role("button", name="Download the record (PDF")).to_be_visible()
    assert_accessible(page)
    assert RecordPdf.objects.get(record=failed_record).status == JobStatus.DONE
    assert audit_verify().valid
