"""Small screens: at 320 CSS pixels wide (a phone, or 400% zoom) no page scrolls sideways,
for every role's pages of the demo data, and axe finds nothing there; wide tables scroll inside
themselves, charts give way to their data tables."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from playwright.sync_api import Browser

from decisions.audit.models import AuditEvent
from decisions.cases.services import case_submit
from decisions.records.models import DecisionRecord
from decisions.records.outcomes import outcome_record
from decisions.review.services import review_decide
from decisions.rulesets.models import Ruleset
from sourcing.access import access_for
from sourcing.demo import seed_cases
from sourcing.models import Case, CaseStatus, User
from suppliers.models import Supplier
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import assessed_case, other_option

pytestmark = pytest.mark.browser

WIDTH = 320


@pytest.fixture
def demo_cases(demo_people: None) -> None:
    seed_cases()


def _pages() -> dict[str, list[str]]:
    """Every role's pages, with the demo data's objects (the route list of the axe tests)."""
    draft = Case.objects.filter(department__code="dept-a", status=CaseStatus.DRAFT).first()
    submitted = Case.objects.filter(status=CaseStatus.SUBMITTED).first()
    record = DecisionRecord.objects.filter(department__code="dept-a").first()
    assert draft and submitted and record
    assessment = draft.assessments.first() or submitted.assessments.first()
    ruleset = Ruleset.objects.current()
    supplier = Supplier.objects.first()
    event = AuditEvent.objects.order_by("-seq").first()
    alice = [
        "/",
        "/cases/",
        "/cases/start/",
        f"/cases/{draft.reference}/",
        f"/cases/{draft.reference}/sections/need/",
        f"/cases/{draft.reference}/check/",
        f"/cases/{draft.reference}/details/",
        f"/cases/{draft.reference}/sign-offs/",
        f"/cases/{draft.reference}/submit/",
        "/records/",
        f"/records/{record.pk}/",
        "/suppliers/",
        "/contracts/",
    ]
    if assessment is not None and assessment.case.department.code == "dept-a":
        alice.append(f"/assessments/{assessment.pk}/")
    carol = [
        "/review/",
        "/review/due/",
        f"/review/{submitted.reference}/",
        "/records/",
        f"/records/{record.pk}/",
        "/concentration/",
        "/audit/",
        "/exports/",
    ]
    dave = ["/audit/", "/audit/events/", f"/audit/events/{event.seq}/" if event else "/audit/"]
    erin = ["/rulesets/", f"/rulesets/{ruleset.version}/" if ruleset else "/rulesets/"]
    public = ["/register/", "/sign-in/", "/accessibility/", "/privacy/", "/cookies/", "/feedback/"]
    if supplier is not None:
        alice.append(f"/suppliers/{supplier.company_number}/")
    return {"alice": alice, "carol": carol, "dave": dave, "erin": erin, "": public}


# Routes that are not pages: files, redirects to an identity provider, the Django admin.
NOT_PAGES = (
    "oidc_start",
    "oidc_callback",
    "catalogue_sample",
    "export_csv",
    "export_ocds",
    "consistency_report_csv",
    "calibration_report_csv",
)
NOT_PAGE_ENDINGS = (".csv", ".json", "/pdf/")


def _plain_pages(role: str) -> list[str]:
    """Every page without parameters that the role may open, from the URLconf and the
    permissions table (so a new page is measured without being listed here)."""
    found = []
    for pattern in get_resolver().url_patterns:
        for name, entry in _named(pattern):
            access = access_for(name, "GET")
            if (
                access is None
                or role not in access.roles
                or entry.pattern.regex.groups
                or ":" in name
                or name in NOT_PAGES
            ):
                continue
            url = reverse(name)
            if not url.endswith(NOT_PAGE_ENDINGS):
                found.append(url)
    return found


def _named(entry: Any, namespace: str = "") -> list[tuple[str, Any]]:
    if isinstance(entry, URLResolver):
        if entry.namespace:
            return []  # the API and the admin: not pages of the service
        return [n for inner in entry.url_patterns for n in _named(inner)]
    return [(entry.name, entry)] if isinstance(entry, URLPattern) and entry.name else []


def test_no_page_scrolls_sideways_at_320_pixels(
    browser: Browser, live_server: Any, demo_cases: None
) -> None:
    wide: list[str] = []
    roles = {"alice": "commercial", "carol": "reviewer", "dave": "auditor", "erin": "steward"}
    pages = _pages()
    for username, role in {**roles, "ada": "admin", "fiona": "department_admin"}.items():
        pages[username] = sorted({*pages.get(username, []), *_plain_pages(role)})
    pages[""] = sorted({*pages[""], *_plain_pages("anonymous")})
    for username, paths in pages.items():
        context = browser.new_context(viewport={"width": WIDTH, "height": 640})
        page = context.new_page()
        if username:
            sign_in(page, live_server.url, username)
        for path in paths:
            response = page.goto(live_server.url + path)
            assert response is not None and response.status < 400, (username, path)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > WIDTH:
                wide.append(f"{username or 'public'} {path}: {width} px")
            assert_accessible(page)  # a table that scrolls inside itself can be focused
        context.close()
    assert wide == [], "pages wider than 320 px:\n" + "\n".join(wide)


def test_a_long_unbroken_title_wraps_at_320_pixels(
    browser: Browser, live_server: Any, demo_cases: None
) -> None:
    """A title is the department's own text: one long word (a pasted address, a formula) wraps
    rather than pushing the lists that link it (home pages, sign-off requests) sideways."""
    case = Case.objects.get(department__code="dept-a", title="Hosting migration to public cloud")
    Case.objects.filter(pk=case.pk).update(
        title="=HYPERLINK(https://example.gov.uk/a-long-address)"
    )
    wide: list[str] = []
    for username, paths in {
        "alice": ["/", "/cases/"],
        "jon": ["/", "/sign-off-requests/"],
        "dave": ["/", "/records/"],
    }.items():
        context = browser.new_context(viewport={"width": WIDTH, "height": 640})
        page = context.new_page()
        sign_in(page, live_server.url, username)
        for path in paths:
            page.goto(live_server.url + path)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > WIDTH:
                wide.append(f"{username} {path}: {width} px")
        context.close()
    assert wide == [], "pages wider than 320 px:\n" + "\n".join(wide)


def test_a_table_of_buttons_with_hidden_text_scrolls_inside_itself_at_320_pixels(
    browser: Browser, live_server: Any, demo_people: None
) -> None:
    """erin's calibration report has a "Make a golden case" button in each row of a wide table
    (wider with the option to choose for a decision the department would not choose again),
    its visually hidden words ("from the outcome of ...") placed absolutely: they widened the
    page to 366 px rather than scrolling with the table."""
    alice, carol = (User.objects.get(username=n) for n in ("alice", "carol"))
    case = case_submit(case=assessed_case(alice), by=alice)
    record = review_decide(case=case, by=carol, action="approve")
    assert record is not None
    outcome = {"delivered": True, "on_time": True, "benefits_realised": "fully"}
    outcome_record(
        record=record,
        by=alice,
        data={**outcome, "lock_in": "none", "actual_cost_gbp": 750_000, "same_again": False},
    )
    case = case_submit(case=assessed_case(alice), by=alice)
    overridden = review_decide(
        case=case, by=carol, action="approve", option=other_option(case), rationale="Why."
    )
    assert overridden is not None
    late = {**outcome, "on_time": False, "months_late": 14, "lock_in": "severe"}
    outcome_record(
        record=overridden,
        by=alice,
        data={**late, "actual_cost_gbp": 12_345_678, "same_again": True},
    )
    context = browser.new_context(viewport={"width": WIDTH, "height": 640})
    page = context.new_page()
    sign_in(page, live_server.url, "erin")
    page.goto(live_server.url + reverse("calibration_report"))
    golden = f"Make a golden case from the outcome of {record.reference}"
    assert page.get_by_role("button", name=golden).count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    assert_accessible(page)
    context.close()
