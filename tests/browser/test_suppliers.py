"""alice searches the catalogue and reads her case's shortlist; ada imports a catalogue with a
bad row; carol sees the radar flag a concentrated segment; axe finds nothing on any page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from sourcing.demo import seed_cases, seed_suppliers
from sourcing.models import Case
from suppliers.models import Supplier
from tests.browser.conftest import assert_accessible, sign_in

pytestmark = pytest.mark.browser

ALICE_CASE = "Case management system for benefit appeals"


@pytest.fixture
def demo_suppliers(demo_people: None) -> None:
    seed_cases()
    seed_suppliers()


def test_search_shortlist_import_and_radar(
    page: Page, live_server: Any, demo_suppliers: None, tmp_path: Path
) -> None:
    base = live_server.url
    csp_violations: list[str] = []
    page.on(
        "console",
        lambda msg: (
            csp_violations.append(msg.text) if "Content Security Policy" in msg.text else None
        ),
    )

    # alice: the supplier search, filtered, then a supplier.
    sign_in(page, base, "alice")
    page.locator(".govuk-service-navigation").get_by_role("link", name="Suppliers").click()
    expect(page.locator("h1")).to_have_text("Suppliers")
    total = Supplier.objects.count()
    expect(page.locator("caption")).to_contain_text(f"{total} suppliers")
    assert_accessible(page)
    page.get_by_label("Segment").select_option("specialist-smes")
    page.get_by_label("Size").select_option("yes")
    page.get_by_role("button", name="Search").click()
    smes = Supplier.objects.filter(segments__key="specialist-smes", sme=True).count()
    expect(page.locator("caption")).to_contain_text(f"{smes} suppliers found")
    assert_accessible(page)
    page.locator("tbody th a").first.click()
    expect(page.locator("main")).to_contain_text("Accredited for data up to")
    assert_accessible(page)

    # alice: the shortlist for her submitted case, explained.
    case = Case.objects.get(title=ALICE_CASE)
    page.goto(f"{base}/cases/{case.reference}/shortlist/")
    expect(page.locator("#shortlist-heading")).to_have_text("Suppliers to engage")
    expect(page.locator("main")).to_contain_text("Why it is on the list")
    expect(page.locator("main")).to_contain_text("Runner-up")
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()

    # ada: an import with a bad row imports nothing and names the line and column.
    sign_in(page, base, "ada")
    page.goto(f"{base}/suppliers/import/")
    assert_accessible(page)
    bad = tmp_path / "bad.csv"
    header = (
        "company_number,name,segments,sme,frameworks,capabilities,classification,"
        "clearance,accreditations,regions,website,description\n"
    )
    bad.write_text(
        header + "01234567,Good Ltd,saas-platforms,yes,g-cloud,crm,official,none,,,,\n"
        "07654321,Bad Ltd,quantum-brokers,yes,,,,,,,,\n"
    )
    page.get_by_label("Catalogue file").set_input_files(str(bad))
    page.get_by_role("button", name="Check and import").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("nothing was imported")
    expect(page.locator("#problems")).to_contain_text("quantum-brokers")
    assert page.title().startswith("Error:")
    assert_accessible(page)
    assert not Supplier.objects.filter(company_number="01234567").exists()
    page.get_by_role("button", name="Sign out").click()

    # carol: the radar flags a concentrated segment; charts are images with a data table.
    sign_in(page, base, "carol")
    page.locator(".govuk-service-navigation").get_by_role("link", name="Concentration").click()
    expect(page.locator("h1")).to_have_text("Concentration radar")
    expect(page.locator("#warnings")).to_contain_text("Productivity and SaaS platforms")
    expect(page.locator("#warnings")).to_contain_text("over 25%")
    expect(page.get_by_role("img", name="Concentration index (HHI) by segment")).to_be_visible()
    assert_accessible(page)
    assert csp_violations == []
