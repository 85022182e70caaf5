"""dave (auditor) downloads an overridden record's PDF and runs a bulk export with its progress bar."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import pypdf
import pytest
from playwright.sync_api import Browser, Page, expect

from decisions.exports.models import ExportJob
from decisions.exports.services import export_build, export_verify
from decisions.records.models import DecisionRecord, RecordPdf
from sourcing.celery import app as celery_app
from sourcing.demo import seed_cases
from tests.browser.conftest import assert_accessible, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_records(demo_people: None, settings: Any, tmp_path: Path) -> Path:
    """The demo cases, decided by carol; their PDFs render in-process at approval."""
    settings.MEDIA_ROOT = tmp_path / "media"
    saved = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        seed_cases()
    finally:
        celery_app.conf.task_always_eager = saved
    return settings.MEDIA_ROOT


def test_dave_downloads_a_pdf_and_runs_a_bulk_export(
    page: Page,
    live_server: Any,
    demo_records: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    base = live_server.url
    record = DecisionRecord.objects.get(overridden=True)
    assert RecordPdf.objects.get(record=record).status == "done"
    sign_in(page, base, "dave")

    # The PDF of an approved, overridden record; the hash printed on it matches the API's.
    response = page.request.get(f"{base}/api/v1/decisions/{record.pk}/pdf")
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert f'filename="{record.reference}-decision.pdf"' in response.headers["content-disposition"]
    pdf_path = tmp_path / "record.pdf"
    pdf_path.write_bytes(response.body())
    api = page.request.get(f"{base}/api/v1/decisions/{record.pk}").json()
    text = "".join(p.extract_text() for p in pypdf.PdfReader(pdf_path).pages)
    assert api["record_sha256"] in text.replace("\n", "") and "Overridden" in text
    assert hashlib.sha256(pdf_path.read_bytes()).hexdigest() == api["pdf_sha256"]

    # A bulk export: the build is held back so the progress bar is seen polling.
    monkeypatch.setattr("decisions.exports.services.export_dispatch", lambda export_id: True)
    page.goto(f"{base}/exports/")
    expect(page.locator("h1")).to_have_text("Export decision records")
    assert_accessible(page)
    page.get_by_label("Day").first.fill("32")
    page.get_by_label("Month").first.fill("1")
    page.get_by_label("Year").first.fill("2026")
    page.get_by_role("button", name="Start the export").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Decided from must be a real date")
    assert_accessible(page)
    page.get_by_label("Day").first.fill("")
    page.get_by_label("Month").first.fill("")
    page.get_by_label("Year").first.fill("")
    page.get_by_role("button", name="Start the export").click()
    expect(page.locator("h1")).to_have_text(re.compile(r"Export \d+"))
    progress = page.locator("progress#export-progress-bar")
    expect(progress).to_have_attribute("value", "0")
    expect(page.locator("#export-status")).to_contain_text("Waiting to start")
    assert_accessible(page)
    job = ExportJob.objects.get()
    export_build(export_id=job.pk)  # what the worker does; the page's next poll shows it
    download_button = page.get_by_role("button", name=re.compile("Download the export"))
    expect(download_button).to_be_visible(timeout=10_000)
    expect(progress).to_have_attribute("value", str(job.total))
    expect(page.locator("#export-status")).to_contain_text("Finished")
    assert page.locator("[hx-trigger]").count() == 0  # polling stopped
    assert_accessible(page)
    with page.expect_download() as info:
        download_button.click()
    zip_path = tmp_path / "export.zip"
    info.value.save_as(zip_path)
    assert export_verify(zip_path) == []


def test_dave_checks_a_downloaded_pdf_and_the_chain_against_heads_he_kept_without_javascript(
    browser: Browser, live_server: Any, demo_records: Path, tmp_path: Path
) -> None:
    base = live_server.url
    record = DecisionRecord.objects.get(overridden=True)
    context = browser.new_context(java_script_enabled=False)  # axe needs JavaScript: below
    page = context.new_page()
    sign_in(page, base, "dave")
    pdf_path = tmp_path / "record.pdf"
    pdf_path.write_bytes(page.request.get(f"{base}/records/{record.pk}/pdf/").body())
    feed = page.request.get(f"{base}/api/v1/register/heads?limit=200").text()
    page.goto(f"{base}/audit/")
    page.get_by_role("link", name="check a decision record PDF you downloaded").click()
    expect(page.locator("h1")).to_have_text("Check a decision record PDF")
    page.get_by_role("button", name="Check").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose the decision record PDF")
    page.get_by_label("Decision record PDF").set_input_files(str(pdf_path))
    page.get_by_label("Signed heads you kept (optional)").fill(feed)
    page.get_by_role("button", name="Check").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "the PDF the service rendered"
    )
    page.goto(f"{base}/audit/verify/heads/")
    page.get_by_label("Signed heads you kept").fill(feed)
    page.get_by_role("button", name="Check").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "matches every signed head you gave"
    )
    page.goto(f"{base}/audit/verify/record/")
    page.get_by_label("Record reference").fill(record.reference)
    page.get_by_role("button", name="Check").click()
    expect(page.locator("#result-title")).to_have_text("Verified")
    context.close()


def test_axe_finds_nothing_on_the_auditor_s_checks(
    page: Page, live_server: Any, demo_records: Path
) -> None:
    base = live_server.url
    record = DecisionRecord.objects.get(overridden=True)
    sign_in(page, base, "dave")
    for path in ("heads", "pdf", "record"):
        page.goto(f"{base}/audit/verify/{path}/")
        assert_accessible(page)
        page.get_by_role("button", name="Check").click()
        expect(page.locator(".govuk-error-summary")).to_be_visible()
        assert_accessible(page)
    page.get_by_label("Record reference").fill(record.reference)
    page.get_by_role("button", name="Check").click()
    expect(page.locator("#result-title")).to_have_text("Verified")
    assert_accessible(page)
