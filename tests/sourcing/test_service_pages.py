"""The service pages: accessibility statement, privacy notice, cookies, feedback. Open to
everyone, linked from every page's footer (and the phase banner for feedback)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from sourcing.models import User
from sourcing.service.views import AXE_VERSION, KNOWN_ISSUES

SERVICE_PAGES = ("accessibility", "privacy", "cookies", "feedback")


@pytest.mark.django_db
@pytest.mark.parametrize("name", SERVICE_PAGES)
def test_each_service_page_is_open_to_anyone_and_sets_only_the_form_cookie(
    name: str, settings
) -> None:
    response = Client().get(reverse(name))
    assert response.status_code == 200
    # As the cookies page says: no session for reading, the form protection cookie only.
    assert set(response.cookies) == {settings.CSRF_COOKIE_NAME}


@pytest.mark.django_db
def test_every_page_links_the_service_pages_from_its_footer_and_feedback_from_its_banner(
    users: dict[str, User], client_as: Callable[[User | None], Client]
) -> None:
    for path in (reverse("register"), reverse("sign_in"), reverse("accessibility")):
        html = Client().get(path).content.decode()
        footer = html[html.index('<footer class="govuk-template__footer">') :]
        for name in SERVICE_PAGES:
            assert f'href="{reverse(name)}"' in footer, (path, name)
        banner = html[html.index("govuk-phase-banner") : html.index("</header>")]
        assert f'href="{reverse("feedback")}">give your feedback</a>' in banner
    home = client_as(users["commercial"]).get(reverse("home")).content.decode()
    assert f'href="{reverse("accessibility")}">Accessibility statement</a>' in home


@pytest.mark.django_db
def test_the_accessibility_statement_follows_the_model_and_lists_its_known_issues(
    settings,
) -> None:
    settings.SERVICE_CONTACT_EMAIL = "help@sourcing.test"
    html = Client().get(reverse("accessibility")).content.decode()
    for heading in (
        "How accessible this service is",
        "Feedback and contact information",
        "Enforcement procedure",
        "Technical information about this service",
        "Compliance status",
        "Non-accessible content",
        "Preparation of this accessibility statement",
    ):
        assert heading in html
    assert f"axe-core {AXE_VERSION}" in html
    assert "partially compliant" in html
    for issue in KNOWN_ISSUES:
        assert issue in html
    assert "mailto:help@sourcing.test" in html


@pytest.mark.django_db
def test_the_cookies_page_names_the_cookies_the_service_really_sets(settings) -> None:
    html = Client().get(reverse("cookies")).content.decode()
    assert settings.SESSION_COOKIE_NAME in html and settings.CSRF_COOKIE_NAME in html
    assert "analytics" in html  # says there are none


@pytest.mark.django_db
def test_the_privacy_notice_names_the_controller_and_the_lawful_basis(settings) -> None:
    settings.SERVICE_OPERATOR = "the Test Office"
    html = Client().get(reverse("privacy")).content.decode()
    assert "the Test Office, the data controller" in html
    assert "article 6(1)(e)" in html
