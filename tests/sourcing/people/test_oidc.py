"""Sign-in through the department's identity provider, end to end against oidc-provider-mock
(the authorisation code flow with PKCE, state and nonce, the token exchange, the ID token's
signature and audience), and the ID token checks on tokens made here (wrong audience, wrong
issuer, expired, bad signature, a nonce of another sign-in)."""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.exceptions import SuspiciousOperation
from django.test import Client
from django.urls import reverse

from decisions.audit.models import AuditEvent
from sourcing.models import ApiToken, Case, Department, Invitation, Role, User
from sourcing.people.oidc import DepartmentOidcBackend
from sourcing.people.services import department_mapping_save, identity_link, token_issue
from tests.factories import account_closed
from tests.sourcing.people.oidc_flow import authorise, signed_in_as, start

pytestmark = pytest.mark.usefixtures("oidc")


@pytest.fixture
def mapped(dept_a: Department) -> None:
    department_mapping_save(
        by=None, mapping=None, department=dept_a, kind="email_domain", value="a.example.gov.uk"
    )


def sign_in(client: Client, sub: str) -> Any:
    return client.get(authorise(start(client), sub))


def test_the_authorisation_request_carries_state_nonce_and_a_pkce_challenge(
    oidc: str, db: None
) -> None:
    client = Client()
    request = start(client)
    assert request["_location"].startswith(f"{oidc}/oauth2/authorize?")
    assert request["response_type"] == "code"
    assert request["client_id"] == "sourcing-decisions-tests"
    assert set(request["scope"].split()) == {"openid", "email", "profile"}
    assert request["code_challenge_method"] == "S256"
    stored = client.session["oidc_states"][request["state"]]
    assert stored["nonce"] == request["nonce"] and len(request["nonce"]) >= 32
    verifier = stored["code_verifier"]
    digest = hashlib.sha256(verifier.encode()).digest()
    assert base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == request["code_challenge"]


def test_a_linked_user_signs_in_through_the_provider_with_the_verifier_sent(
    oidc: str, oidc_account, users: dict[str, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = users["commercial"]
    identity_link(user=alice, issuer=oidc, subject=oidc_account("alice-at-a"))
    sent: list[dict[str, Any]] = []
    exchange = DepartmentOidcBackend.get_token

    def recording(self: DepartmentOidcBackend, payload: dict[str, Any]) -> Any:
        sent.append(dict(payload))
        return exchange(self, payload)

    monkeypatch.setattr(DepartmentOidcBackend, "get_token", recording)
    client = Client()
    request = start(client)
    verifier = client.session["oidc_states"][request["state"]]["code_verifier"]
    response = client.get(authorise(request, "alice-at-a"))
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert signed_in_as(client) == alice.username
    assert sent[0]["code_verifier"] == verifier and sent[0]["grant_type"] == "authorization_code"
    assert request["state"] not in client.session["oidc_states"]
    assert client.session["oidc_id_token"].count(".") == 2


def test_the_same_answer_from_the_provider_is_refused_a_second_time(
    oidc: str, oidc_account, users: dict[str, User]
) -> None:
    identity_link(user=users["commercial"], issuer=oidc, subject=oidc_account("alice-at-a"))
    client = Client()
    callback = authorise(start(client), "alice-at-a")
    assert client.get(callback).status_code == 302
    client.post(reverse("sign_out"))
    replayed = client.get(callback)
    assert replayed.status_code == 400
    assert "Sign-in could not be completed" in replayed.content.decode()
    assert signed_in_as(client) is None


def test_an_answer_for_another_browsers_sign_in_is_refused(
    oidc: str, oidc_account, users: dict[str, User]
) -> None:
    identity_link(user=users["commercial"], issuer=oidc, subject=oidc_account("alice-at-a"))
    victim, attacker = Client(), Client()
    start(victim)
    callback = authorise(start(attacker), "alice-at-a")
    response = victim.get(callback)  # state unknown to this session
    assert response.status_code in (302, 400)
    assert signed_in_as(victim) is None


def test_a_first_sign_in_at_an_unmapped_domain_is_refused_with_a_clear_page(
    oidc_account, mapped: None
) -> None:
    oidc_account("stranger", email="stranger@unknown.example")
    before = User.objects.count()
    client = Client()
    response = sign_in(client, "stranger")
    assert response.status_code == 403
    page = response.content.decode()
    assert "Your department is not set up to use this service" in page
    assert User.objects.count() == before and signed_in_as(client) is None


def test_a_first_sign_in_at_a_mapped_domain_waits_for_a_role(
    oidc: str, oidc_account, mapped: None, users: dict[str, User]
) -> None:
    oidc_account("grace-1", email="grace@a.example.gov.uk", given_name="Grace")
    client = Client()
    assert sign_in(client, "grace-1").status_code == 302
    grace = User.objects.get(identities__issuer=oidc, identities__subject="grace-1")
    assert grace.role == Role.NONE and grace.department == users["commercial"].department
    home = client.get(reverse("home")).content.decode()
    assert "you do not have a role in this service yet" in home
    assert client.get(reverse("case_list")).status_code == 403
    assert client.get(reverse("api:cases")).status_code == 403


def test_an_invited_colleague_signs_in_and_starts_a_case(
    oidc_account, mapped: None, users: dict[str, User], client_as: Callable[..., Client]
) -> None:
    admin = client_as(users["department_admin"])
    invited = admin.post(reverse("department_invite"), {"email": "grace@a.example.gov.uk"})
    assert invited.status_code == 302
    oidc_account("grace-2", email="grace@a.example.gov.uk", given_name="Grace")
    client = Client()
    assert sign_in(client, "grace-2").status_code == 302
    started = client.post(reverse("case_start"), {"title": "Grants portal", "summary": "Need"})
    assert started.status_code == 302
    case = Case.objects.get(title="Grants portal")
    assert case.owner.email == "grace@a.example.gov.uk" and case.department.code == "dept-a"
    assert Invitation.objects.get().accepted_by == case.owner


def test_refused_provider_sign_ins_from_one_address_lock_nobody_out(
    oidc: str, oidc_account, mapped: None, users: dict[str, User], settings
) -> None:
    # Colleagues behind one office address: the password lockout (django-axes, per username and
    # address) must not count provider sign-ins, which have no username: five refused ones
    # (an unmapped colleague, say) locked every provider sign-in from that address for
    # SIGN_IN_LOCKOUT_MINUTES, behind a "wrong password" page.
    oidc_account("stranger", email="stranger@unknown.example")
    for _ in range(settings.SIGN_IN_FAILURE_LIMIT + 1):
        refused = sign_in(Client(), "stranger")
        assert refused.status_code == 403
        assert "Your department is not set up" in refused.content.decode()
    identity_link(user=users["commercial"], issuer=oidc, subject=oidc_account("alice-at-a"))
    client = Client()
    assert sign_in(client, "alice-at-a").status_code == 302
    assert signed_in_as(client) == users["commercial"].username


def test_a_closed_account_cannot_sign_in_through_the_provider(
    oidc: str, oidc_account, users: dict[str, User]
) -> None:
    alice = users["commercial"]
    identity_link(user=alice, issuer=oidc, subject=oidc_account("alice-at-a"))
    token_issue(user=alice)
    account_closed(alice, by=users["admin"])
    client = Client()
    response = sign_in(client, "alice-at-a")
    assert response.status_code == 403
    assert "Your account cannot sign in" in response.content.decode()
    assert not ApiToken.objects.usable().filter(user=alice).exists()


def test_a_provider_that_refuses_the_code_is_a_page_not_a_500(
    oidc: str, oidc_account, users: dict[str, User], settings
) -> None:
    identity_link(user=users["commercial"], issuer=oidc, subject=oidc_account("alice-at-a"))
    client = Client()
    callback = authorise(start(client), "alice-at-a")
    # Another client id at the token endpoint: the provider refuses the code (invalid_grant).
    settings.OIDC_RP_CLIENT_ID = "someone-else"
    response = client.get(callback)
    assert response.status_code == 400 and signed_in_as(client) is None


def test_an_unreachable_provider_is_a_page_not_a_500(
    oidc: str, oidc_account, users: dict[str, User], settings
) -> None:
    client = Client()
    callback = authorise(start(client), oidc_account("alice-at-a"))
    settings.OIDC_OP_TOKEN_ENDPOINT = "http://127.0.0.1:9/token"
    response = client.get(callback)
    assert response.status_code == 503
    assert "not answering" in response.content.decode()


def test_the_provider_refusing_the_person_is_a_page(oidc: str, db: None) -> None:
    client = Client()
    request = start(client)
    denied = requests.post(
        request["_location"], data={"action": "deny"}, allow_redirects=False, timeout=10
    )
    callback = urlsplit(denied.headers["Location"])
    response = client.get(f"{callback.path}?{callback.query}")
    assert response.status_code == 400 and signed_in_as(client) is None


def test_signing_out_ends_the_providers_session_too(
    oidc: str, oidc_account, users: dict[str, User]
) -> None:
    identity_link(user=users["commercial"], issuer=oidc, subject=oidc_account("alice-at-a"))
    client = Client()
    sign_in(client, "alice-at-a")
    id_token = client.session["oidc_id_token"]
    response = client.post(reverse("sign_out"))
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{oidc}/oauth2/end_session"
    query = parse_qs(location.query)
    assert query["id_token_hint"] == [id_token]
    assert query["post_logout_redirect_uri"] == ["http://testserver/sign-in/"]
    assert signed_in_as(client) is None


def test_a_password_sign_out_stays_local(users: dict[str, User]) -> None:
    client = Client()
    client.force_login(users["commercial"])
    assert client.post(reverse("sign_out"))["Location"] == reverse("sign_in")


# The sign-in page -------------------------------------------------------------------------------


def test_the_sign_in_page_offers_the_department_account_and_the_password_form(db: None) -> None:
    page = Client().get(reverse("sign_in")).content.decode()
    assert "Sign in with your department account" in page
    assert 'name="password"' in page


def test_without_password_sign_in_only_the_department_account_is_offered(
    settings, users: dict[str, User]
) -> None:
    settings.PASSWORD_SIGN_IN = False
    client = Client()
    page = client.get(reverse("sign_in")).content.decode()
    assert "Sign in with your department account" in page and 'name="password"' not in page
    posted = client.post(reverse("sign_in"), {"username": "user-commercial", "password": "x"})
    assert posted.status_code == 404 and signed_in_as(client) is None


def test_without_a_provider_only_the_password_form_is_offered(settings, db: None) -> None:
    settings.OIDC_ENABLED = False
    client = Client()
    page = client.get(reverse("sign_in")).content.decode()
    assert "department account" not in page and 'name="password"' in page
    assert client.get(reverse("oidc_start", args=["department"])).status_code == 404
    assert client.get(reverse("oidc_callback", args=["department"])).status_code == 404


# The ID token's checks, on tokens made here -----------------------------------------------------

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _public_pem(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


@pytest.fixture
def backend(settings) -> DepartmentOidcBackend:  # type: ignore[no-untyped-def]
    """The backend checking tokens against KEY's public half (OIDC_RP_IDP_SIGN_KEY)."""
    settings.OIDC_RP_IDP_SIGN_KEY = _public_pem(KEY)
    return DepartmentOidcBackend()


def token(settings, key: Any = KEY, algorithm: str = "RS256", **changes: Any) -> str:  # type: ignore[no-untyped-def]
    now = int(time.time())
    claims = {
        "iss": settings.OIDC_ISSUER,
        "aud": settings.OIDC_RP_CLIENT_ID,
        "sub": "alice",
        "iat": now,
        "exp": now + 300,
        "nonce": "the-nonce",
        **changes,
    }
    return jwt.encode({k: v for k, v in claims.items() if v is not None}, key, algorithm=algorithm)


def test_a_good_id_token_is_accepted(backend: DepartmentOidcBackend, settings) -> None:
    claims = backend.verify_token(token(settings), nonce="the-nonce")
    assert claims["sub"] == "alice"


def test_an_issuer_named_with_a_trailing_slash_in_its_tokens_is_accepted(
    backend: DepartmentOidcBackend, settings
) -> None:
    # The issuer setting is kept without a trailing slash (env_oidc_providers, OIDC_ISSUER),
    # so a provider whose iss ends with one (Auth0, Entra ID v1) refused every sign-in.
    slashed = token(settings, iss=f"{settings.OIDC_ISSUER}/")
    assert backend.verify_token(slashed, nonce="the-nonce")["sub"] == "alice"


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"aud": "another-service"}, "InvalidAudienceError"),
        ({"aud": ["sourcing-decisions-tests", "another"], "azp": "another"}, "azp"),
        ({"iss": "https://evil.example"}, "InvalidIssuerError"),
        ({"exp": int(time.time()) - 3600}, "ExpiredSignatureError"),
        ({"iat": None}, "MissingRequiredClaimError"),
        ({"key": OTHER_KEY}, "InvalidSignatureError"),
        ({"nonce": "an-earlier-sign-ins-nonce"}, "Nonce"),
        ({"nonce": None}, "Nonce"),
        (
            {"algorithm": "HS256", "key": "sourcing-decisions-tests-secret-0123456789abcdef"},
            "algorithm",
        ),
    ],
)
def test_a_bad_id_token_is_refused(
    backend: DepartmentOidcBackend, settings, changes: dict[str, Any], why: str
) -> None:
    with pytest.raises(SuspiciousOperation, match=why):
        backend.verify_token(token(settings, **changes), nonce="the-nonce")


def test_a_userinfo_answer_about_someone_else_is_refused(
    backend: DepartmentOidcBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    # OpenID Connect Core 1.0, 5.3.2: the userinfo sub must be the ID token's.
    monkeypatch.setattr(backend, "get_userinfo", lambda *args: {"sub": "mallory"})
    with pytest.raises(SuspiciousOperation, match="userinfo sub"):
        backend.get_or_create_user("access", "id", {"sub": "alice", "iss": "x"})


def test_a_claim_only_in_the_id_token_maps_a_first_sign_in(
    backend: DepartmentOidcBackend, monkeypatch: pytest.MonkeyPatch, dept_b: Department
) -> None:
    # Entra ID's tenant id `tid` is in its ID token, not in its userinfo answer (names, sub,
    # email): a `tid` mapping, as the README suggests, must still admit the person.
    department_mapping_save(
        by=None, mapping=None, department=dept_b, kind="claim", claim="tid", value="tenant-b"
    )
    monkeypatch.setattr(backend, "get_userinfo", lambda *args: {"sub": "t-1", "name": "T"})
    backend.request = Client().get("/").wsgi_request
    payload = {"sub": "t-1", "iss": "https://login.example/tenant-b/v2.0", "tid": "tenant-b"}
    user = backend.get_or_create_user("access", "id", payload)
    assert user is not None and user.department == dept_b and user.role == Role.NONE


def test_a_refused_id_token_in_the_flow_signs_nobody_in(
    oidc: str, oidc_account, users: dict[str, User], settings
) -> None:
    identity_link(user=users["commercial"], issuer=oidc, subject=oidc_account("alice-at-a"))
    client = Client()
    callback = authorise(start(client), "alice-at-a")
    settings.OIDC_ISSUER = "https://not-this-provider.example"  # the token's iss no longer ours
    response = client.get(callback)
    assert response.status_code == 400 and signed_in_as(client) is None
    assert not AuditEvent.objects.filter(action="user.created").exists()


def test_deactivating_someone_ends_their_provider_session_and_revokes_their_tokens(
    oidc: str, oidc_account, users: dict[str, User]
) -> None:
    alice = users["commercial"]
    identity_link(user=alice, issuer=oidc, subject=oidc_account("alice-at-a"))
    token = token_issue(user=alice)
    client = Client()
    sign_in(client, "alice-at-a")
    assert signed_in_as(client) == alice.username
    account_closed(alice, by=users["admin"])
    # The session signed in through the provider no longer signs anyone in...
    assert signed_in_as(client) is None
    assert client.get(reverse("case_list")).status_code == 302
    # ...and neither does their API token.
    assert Client().get(reverse("api:me"), HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    assert AuditEvent.objects.filter(action="token.revoked", object_id=alice.pk).exists()
