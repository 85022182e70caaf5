"""Two identity providers at once (OIDC_PROVIDERS), each an oidc-provider-mock of its own: one
button each on the sign-in page, each its own client and callback, people found by (issuer, sub)
so one provider's subject never signs in another provider's person, and an answer delivered to
the other provider's callback refused."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import oidc_provider_mock
import pytest
import requests
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse

from sourcing.env import env_oidc_providers
from sourcing.models import Department, Invitation, Role, SignInIdentity, User
from sourcing.people.oidc import DepartmentOidcBackend
from sourcing.people.services import department_mapping_save, identity_link, invitation_create
from tests.sourcing.people.oidc_flow import authorise, signed_in_as, start


@pytest.fixture(scope="module")
def second_server() -> Iterator[str]:
    """A second development provider on its own port: another department's provider."""
    with oidc_provider_mock.run_server_in_thread(require_nonce=True) as server:
        yield f"http://localhost:{server.server_port}"


def _entry(key: str, name: str, issuer: str, departments: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "departments": list(departments),
        "key": key,
        "name": name,
        "issuer": issuer,
        "client_id": f"sourcing-{key}",
        "client_secret": f"secret-{key}",
        "scopes": "openid email profile",
        "authorization_endpoint": f"{issuer}/oauth2/authorize",
        "token_endpoint": f"{issuer}/oauth2/token",
        "userinfo_endpoint": f"{issuer}/userinfo",
        "jwks_uri": f"{issuer}/jwks",
        "end_session_endpoint": f"{issuer}/oauth2/end_session",
        "sign_algorithm": "RS256",
    }


@pytest.fixture
def two(settings, oidc_server: str, second_server: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Providers "dps" (the suite's provider) and "housing" (the second), as OIDC_PROVIDERS
    gives them; their issuers by key."""
    settings.OIDC_ENABLED = True
    settings.OIDC_ISSUER = ""
    settings.OIDC_PROVIDERS = [
        _entry("dps", "Public Services Entra ID", oidc_server, ("dept-a",)),
        _entry("housing", "Housing Google Workspace", second_server, ("dept-b",)),
    ]
    settings.SECURE_CSP = {
        **settings.SECURE_CSP,
        "form-action": ["'self'", oidc_server, second_server],
    }
    return {"dps": oidc_server, "housing": second_server}


def account(issuer: str, sub: str, **claims: object) -> str:
    claims.setdefault("email_verified", True)
    response = requests.put(f"{issuer}/users/{quote(sub)}", json=claims, timeout=10)
    assert response.status_code == 204, response.text
    return sub


def test_the_sign_in_page_offers_one_button_per_provider(two: dict[str, str], db: None) -> None:
    page = Client().get(reverse("sign_in")).content.decode()
    assert "Sign in with Public Services Entra ID" in page
    assert "Sign in with Housing Google Workspace" in page
    assert reverse("oidc_start", args=["dps"]) in page
    assert reverse("oidc_start", args=["housing"]) in page
    assert "Sign in with your department account" not in page


def test_each_provider_is_asked_with_its_own_client_and_callback(
    two: dict[str, str], db: None
) -> None:
    client = Client()
    for key, issuer in two.items():
        request = start(client, key)
        assert request["_location"].startswith(f"{issuer}/oauth2/authorize?")
        assert request["client_id"] == f"sourcing-{key}"
        assert request["redirect_uri"] == f"http://testserver/sign-in/{key}/callback/"
        assert client.session["oidc_states"][request["state"]]["provider"] == key


def test_an_unknown_provider_is_a_404(two: dict[str, str], db: None) -> None:
    client = Client()
    assert client.get(reverse("oidc_start", args=["department"])).status_code == 404
    assert client.get(reverse("oidc_callback", args=["elsewhere"])).status_code == 404


def test_a_person_signs_in_through_the_second_provider(
    two: dict[str, str], users: dict[str, User]
) -> None:
    bob = users["outsider"]
    identity_link(user=bob, issuer=two["housing"], subject=account(two["housing"], "bob-at-b"))
    client = Client()
    response = client.get(authorise(start(client, "housing"), "bob-at-b"))
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert signed_in_as(client) == bob.username
    identity = SignInIdentity.objects.get(user=bob)
    assert identity.issuer == two["housing"] and identity.last_sign_in_at is not None


def test_a_subject_of_one_provider_never_signs_in_the_other_providers_person(
    two: dict[str, str], users: dict[str, User], dept_b: Department
) -> None:
    alice = users["commercial"]
    identity_link(user=alice, issuer=two["dps"], subject=account(two["dps"], "shared-sub"))
    # The second provider has an account with the same subject, at an unmapped domain: refused.
    account(two["housing"], "shared-sub", email="someone@unknown.example")
    client = Client()
    refused = client.get(authorise(start(client, "housing"), "shared-sub"))
    assert refused.status_code == 403 and signed_in_as(client) is None
    # At a mapped domain it is a new person of that department, never alice.
    department_mapping_save(
        by=None, mapping=None, department=dept_b, kind="email_domain", value="b.example.gov.uk"
    )
    account(two["housing"], "shared-sub", email="sam@b.example.gov.uk")
    assert client.get(authorise(start(client, "housing"), "shared-sub")).status_code == 302
    signed_in = User.objects.get(username=signed_in_as(client))
    assert signed_in != alice and signed_in.department == dept_b
    assert SignInIdentity.objects.get(user=signed_in).issuer == two["housing"]
    assert list(SignInIdentity.objects.filter(user=alice).values_list("issuer", flat=True)) == [
        two["dps"]
    ]


def test_another_providers_account_never_takes_a_departments_invitation_or_domain(
    two: dict[str, str], users: dict[str, User], dept_b: Department
) -> None:
    fiona = users["department_admin"]
    dept_a = fiona.department
    assert dept_a is not None and dept_a.code == "dept-a"
    domain = "publicservices.example.gov.uk"
    department_mapping_save(
        by=None, mapping=None, department=dept_a, kind="email_domain", value=domain
    )
    invitation = invitation_create(by=fiona, email=f"victor@{domain}")
    people = User.objects.count()
    # mallory at the housing provider (which admits department B only) claims victor's email.
    account(two["housing"], "mallory", email=f"victor@{domain}")
    client = Client()
    refused = client.get(authorise(start(client, "housing"), "mallory"))
    assert refused.status_code == 403 and signed_in_as(client) is None
    assert "Your department is not set up to use this service" in refused.content.decode()
    # A look-alike of department A's people there gets no account either.
    account(two["housing"], "lookalike", email=f"grace@{domain}")
    again = client.get(authorise(start(client, "housing"), "lookalike"))
    assert again.status_code == 403 and signed_in_as(client) is None
    assert User.objects.count() == people and not SignInIdentity.objects.exists()
    assert Invitation.objects.pending().filter(pk=invitation.pk).exists()
    # victor at department A's own provider accepts the invitation.
    account(two["dps"], "victor", email=f"victor@{domain}")
    assert client.get(authorise(start(client, "dps"), "victor")).status_code == 302
    victor = User.objects.get(username=signed_in_as(client))
    assert victor.department == dept_a and victor.role == Role.COMMERCIAL
    assert not Invitation.objects.pending().filter(pk=invitation.pk).exists()


def test_an_identity_linked_before_keeps_signing_in_whatever_its_department(
    two: dict[str, str], users: dict[str, User]
) -> None:
    alice = users["commercial"]  # department A; housing admits department B only
    identity_link(user=alice, issuer=two["housing"], subject=account(two["housing"], "old-link"))
    client = Client()
    assert client.get(authorise(start(client, "housing"), "old-link")).status_code == 302
    assert signed_in_as(client) == alice.username


def test_an_answer_delivered_to_the_other_providers_callback_is_refused(
    two: dict[str, str], users: dict[str, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = users["commercial"]
    identity_link(user=alice, issuer=two["dps"], subject=account(two["dps"], "alice-at-a"))
    client = Client()
    callback = authorise(start(client, "dps"), "alice-at-a")
    mixed_up = callback.replace("/sign-in/dps/", "/sign-in/housing/")
    exchanges: list[str] = []
    exchange = DepartmentOidcBackend.get_token

    def recording(self: DepartmentOidcBackend, payload: dict[str, Any]) -> Any:
        exchanges.append(self.OIDC_OP_TOKEN_ENDPOINT)
        return exchange(self, payload)

    monkeypatch.setattr(DepartmentOidcBackend, "get_token", recording)
    response = client.get(mixed_up)
    assert response.status_code == 400 and signed_in_as(client) is None
    assert exchanges == []  # the code never went to the other provider
    # The sign-in it belonged to is over: the genuine answer is refused now too.
    assert client.get(callback).status_code == 400 and signed_in_as(client) is None


def test_signing_out_ends_the_session_at_the_provider_signed_in_with(
    two: dict[str, str], users: dict[str, User]
) -> None:
    bob = users["outsider"]
    identity_link(user=bob, issuer=two["housing"], subject=account(two["housing"], "bob-at-b"))
    client = Client()
    client.get(authorise(start(client, "housing"), "bob-at-b"))
    response = client.post(reverse("sign_out"))
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == (
        f"{two['housing']}/oauth2/end_session"
    )
    assert parse_qs(location.query)["client_id"] == ["sourcing-housing"]
    assert signed_in_as(client) is None


def test_the_provider_list_is_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    entry: dict[str, Any] = _entry("dps", "DPS", "https://login.example/tenant/v2.0/")
    del entry["scopes"], entry["sign_algorithm"], entry["end_session_endpoint"]
    monkeypatch.setenv("OIDC_PROVIDERS", json.dumps([entry]))
    [parsed] = env_oidc_providers("OIDC_PROVIDERS", scopes="openid email")
    assert parsed["issuer"] == "https://login.example/tenant/v2.0"  # no trailing slash
    assert parsed["scopes"] == "openid email" and parsed["sign_algorithm"] == "RS256"
    assert parsed["end_session_endpoint"] == ""
    assert parsed["departments"] == []  # a lone provider may admit to every department


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("not json", "JSON list"),
        ("[]", "non-empty"),
        ('[{"key": "dps"}]', "lacks issuer"),
        (
            json.dumps(
                [_entry("dps", "", "https://a", ("a",)), _entry("dps", "", "https://b", ("b",))]
            ),
            "dps is",
        ),
        (
            json.dumps([_entry("dps", "", "https://a", ("a",)), _entry("b", "", "https://b")]),
            "entry 2 lacks departments",
        ),
        (json.dumps([_entry("dps", "", "https://a", ("",))]), "departments must be a list"),
        ('[{"key": "dps", "colour": "blue"}]', "unknown fields: colour"),
    ],
)
def test_a_bad_provider_list_is_refused_at_start_naming_the_fault(
    monkeypatch: pytest.MonkeyPatch, value: str, says: str
) -> None:
    monkeypatch.setenv("OIDC_PROVIDERS", value)
    with pytest.raises(ImproperlyConfigured, match=says):
        env_oidc_providers("OIDC_PROVIDERS")


ROOT = Path(__file__).resolve().parents[3]
READ_SETTINGS = (
    "from django.conf import settings as s; "
    "print(s.OIDC_ENABLED, s.OIDC_MOCK, [p['key'] for p in s.OIDC_PROVIDERS], "
    "[str(o) for o in s.SECURE_CSP['form-action']])"
)


def _settings_with(**env: str) -> subprocess.CompletedProcess[str]:
    """manage.py reading its settings with these environment variables (development)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("OIDC_")}
    clean.pop("DJANGO_ENV", None)
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", READ_SETTINGS],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_settings_take_the_provider_list_instead_of_the_development_provider() -> None:
    providers = [
        _entry("dps", "Entra ID", "https://login.example.com/t/v2.0", ("dept-a",)),
        _entry("housing", "Google", "https://accounts.example.net", ("dept-b",)),
    ]
    result = _settings_with(OIDC_PROVIDERS=json.dumps(providers))
    assert result.returncode == 0, result.stderr
    # No development provider; each provider's end-session origin may be a sign-out's target.
    assert result.stdout.strip() == (
        "True False ['dps', 'housing'] "
        "[\"'self'\", 'https://login.example.com', 'https://accounts.example.net']"
    )


def test_a_provider_list_and_a_single_issuer_together_are_refused() -> None:
    providers = [_entry("dps", "Entra ID", "https://login.example.com/t/v2.0")]
    result = _settings_with(
        OIDC_PROVIDERS=json.dumps(providers), OIDC_ISSUER="https://other.example"
    )
    assert result.returncode != 0
    assert "Set OIDC_PROVIDERS or OIDC_ISSUER, not both" in result.stderr
