"""The service administrator's Centre of Excellence roles page (GOV.UK pattern, not the Django
admin): who has a CoE role or none, grant and take away through coe_role_set, audited."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
import requests
from django.test import Client
from django.urls import reverse

from decisions.audit.models import AuditEvent
from sourcing.models import Role, User
from sourcing.people.services import department_mapping_save, department_save


@pytest.fixture
def service_admin(users: dict[str, User], client_as: Callable[..., Client]) -> Client:
    return client_as(users["admin"])


def test_the_page_lists_the_coe_and_people_without_a_role(
    service_admin: Client, users: dict[str, User]
) -> None:
    page = service_admin.get(reverse("coe_people")).content.decode()
    assert "Centre of Excellence roles" in page
    for who in ("reviewer", "auditor", "steward", "none"):
        assert f'id="person-{users[who].pk}"' in page
    for who in ("commercial", "department_admin", "admin", "outsider"):
        assert f'id="person-{users[who].pk}"' not in page
    assert 'action="/sign-out/"' in page  # the page's navigation, signed in


def test_the_navigation_offers_the_page_to_the_service_administrator_only(
    users: dict[str, User], client_as: Callable[..., Client]
) -> None:
    url = reverse("coe_people")
    assert f'href="{url}"' in client_as(users["admin"]).get(reverse("home")).content.decode()
    assert f'href="{url}"' not in client_as(users["reviewer"]).get(reverse("home")).content.decode()


def test_granting_a_role_on_the_page(service_admin: Client, users: dict[str, User]) -> None:
    waiting = users["none"]
    url = reverse("coe_person_role", kwargs={"user_id": waiting.pk})
    response = service_admin.post(url, {"role": "steward"}, follow=True)
    assert response.redirect_chain == [(reverse("coe_people"), 302)]
    assert "now has the role Ruleset steward" in response.content.decode()
    changed = User.objects.get(pk=waiting.pk)
    assert changed.role == Role.STEWARD and changed.department is None
    assert AuditEvent.objects.filter(action="user.changed", object_id=waiting.pk).exists()


def test_taking_a_role_away_on_the_page(service_admin: Client, users: dict[str, User]) -> None:
    url = reverse("coe_person_role", kwargs={"user_id": users["reviewer"].pk})
    response = service_admin.post(url, {"role": "none"}, follow=True)
    assert "no longer has a role" in response.content.decode()
    assert User.objects.get(pk=users["reviewer"].pk).role == Role.NONE


@pytest.mark.parametrize("role", ["", "commercial", "admin"])
def test_a_bad_role_shows_the_error_summary_and_changes_nothing(
    service_admin: Client, users: dict[str, User], role: str
) -> None:
    url = reverse("coe_person_role", kwargs={"user_id": users["auditor"].pk})
    response = service_admin.post(url, {"role": role})
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Choose reviewer, auditor, ruleset steward or no role" in page
    assert f'href="#person-{users["auditor"].pk}"' in page
    assert User.objects.get(pk=users["auditor"].pk).role == Role.AUDITOR


def test_someone_with_a_departments_role_is_a_404(
    service_admin: Client, users: dict[str, User]
) -> None:
    url = reverse("coe_person_role", kwargs={"user_id": users["commercial"].pk})
    assert service_admin.post(url, {"role": "reviewer"}).status_code == 404
    assert User.objects.get(pk=users["commercial"].pk).role == Role.COMMERCIAL


def test_nobody_else_may_use_the_page(
    users: dict[str, User], client_as: Callable[..., Client]
) -> None:
    for who in ("department_admin", "reviewer"):
        client = client_as(users[who])
        assert client.get(reverse("coe_people")).status_code == 403
        url = reverse("coe_person_role", kwargs={"user_id": users["none"].pk})
        assert client.post(url, {"role": "reviewer"}).status_code == 403
    assert User.objects.get(pk=users["none"].pk).role == Role.NONE


def test_a_new_coe_colleague_admitted_by_a_mapping_is_given_their_role_and_keeps_it(
    oidc: str, oidc_account: Callable[..., str], service_admin: Client, users: dict[str, User]
) -> None:
    holding = department_save(by=users["admin"], department=None, code="coe", name="CoE")
    department_mapping_save(
        by=users["admin"], mapping=None, department=holding, kind="email_domain", value="coe.gov.uk"
    )
    oidc_account("rita-1", email="rita@coe.gov.uk")
    colleague = Client()
    assert colleague.get(_provider_answer(colleague, "rita-1")).status_code == 302
    rita = User.objects.get(identities__subject="rita-1")
    assert (rita.role, rita.department) == (Role.NONE, holding)
    url = reverse("coe_person_role", kwargs={"user_id": rita.pk})
    assert service_admin.post(url, {"role": "reviewer"}).status_code == 302
    again = Client()
    assert again.get(_provider_answer(again, "rita-1")).status_code == 302
    assert again.get(reverse("review_queue")).status_code == 200
    rita.refresh_from_db()
    assert (rita.role, rita.department) == (Role.REVIEWER, None)


def _provider_answer(client: Client, sub: str) -> str:
    """Start a sign-in at the (one) provider and approve it as `sub`: the callback to call."""
    started = client.get(reverse("oidc_start", args=["department"]))
    answer = requests.post(
        started["Location"], data={"sub": sub}, allow_redirects=False, timeout=10
    )
    callback = urlsplit(answer.headers["Location"])
    return f"{callback.path}?{callback.query}"
