"""Abuse limits: sign-in lockout (django-axes), request rates on pages (django-ratelimit) and
the API (django-ninja's throttles), each answering 429 with Retry-After."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse

from decisions.audit.models import AuditEvent
from decisions.cases.services import case_create
from sourcing.api import api
from sourcing.env import env_rate
from sourcing.limits import client_ip, limits_cache
from sourcing.models import User
from sourcing.people.services import token_issue
from tests.conftest import PASSWORD
from tests.factories import approved_record, assessed_case, published_ruleset


def _sign_in(client: Client, username: str, password: str, address: str = "192.0.2.1") -> Any:
    return client.post(
        reverse("sign_in"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def test_wrong_passwords_lock_the_account_out_from_that_address(
    users: dict[str, User], settings: Any
) -> None:
    settings.SIGN_IN_FAILURE_LIMIT = settings.AXES_FAILURE_LIMIT = 5
    username = users["commercial"].username
    client = Client()
    for _ in range(4):
        page = _sign_in(client, username, "wrong-password")
        assert page.status_code == 200
        assert "Enter a correct username and password" in page.content.decode()
    locked = _sign_in(client, username, "wrong-password")  # the fifth: locked out
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) == settings.SIGN_IN_LOCKOUT_MINUTES * 60
    text = locked.content.decode()
    assert "You cannot sign in for 15 minutes" in text and "govuk-heading-l" in text
    # Even the right password is refused while it lasts; more tries add no audit events.
    for _ in range(3):
        assert _sign_in(client, username, PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session
    events = AuditEvent.objects.filter(action="auth.locked_out")
    assert [(e.payload["username"], e.payload["ip_address"]) for e in events] == [
        (username, "192.0.2.1")
    ]
    # The lockout is of that username from that address: the owner elsewhere signs in.
    elsewhere = Client()
    assert _sign_in(elsewhere, username, PASSWORD, address="198.51.100.7").status_code == 302


def test_a_right_password_resets_the_count(users: dict[str, User]) -> None:
    username = users["commercial"].username
    client = Client()
    for _ in range(4):
        _sign_in(client, username, "wrong-password")
    assert _sign_in(client, username, PASSWORD).status_code == 302
    client.post(reverse("sign_out"))
    for _ in range(4):
        assert _sign_in(client, username, "wrong-password").status_code == 200
    assert not AuditEvent.objects.filter(action="auth.locked_out").exists()


def test_sign_in_attempts_beyond_the_rate_answer_429_before_any_password_is_checked(
    users: dict[str, User], rate_limits: Callable[..., None]
) -> None:
    rate_limits(sign_in="3/m")
    client = Client()
    for number in range(3):
        assert _sign_in(client, f"nobody-{number}", "guess").status_code == 200
    refused = _sign_in(client, users["commercial"].username, PASSWORD)
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    text = refused.content.decode()
    assert "Too many requests" in text and "signing in" in text
    assert "_auth_user_id" not in client.session
    # Another address is counted apart.
    assert (
        _sign_in(client, users["commercial"].username, PASSWORD, "198.51.100.9").status_code == 302
    )


def test_bad_bearer_tokens_from_one_address_are_refused_429(
    users: dict[str, User], rate_limits: Callable[..., None]
) -> None:
    rate_limits(token_failure="3/h")
    good = token_issue(user=users["auditor"])
    client = Client()
    for number in range(3):
        bad = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer wrong-{number}")
        assert bad.status_code == 401
    refused = client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer wrong-again")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    assert "tokens that are not valid" in refused.json()["detail"]
    # From that address even a good token waits; from another it works.
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {good}").status_code == 429
    other = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {good}", REMOTE_ADDR="10.0.0.2")
    assert other.status_code == 200


def test_the_api_throttles_each_user_and_anonymous_addresses(
    users: dict[str, User], rate_limits: Callable[..., None]
) -> None:
    rate_limits(api="3/m", api_anonymous="2/m")
    token = token_issue(user=users["auditor"])
    client = Client()
    for _ in range(3):
        assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    throttled = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert throttled.status_code == 429
    assert 1 <= int(throttled["Retry-After"]) <= 60
    assert throttled.json()["detail"].startswith("Too many requests")
    # Another user has their own count; the anonymous register its own, per address.
    reviewer = token_issue(user=users["reviewer"])
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {reviewer}").status_code == 200
    anonymous = Client()
    assert [anonymous.get("/api/v1/register").status_code for _ in range(3)] == [200, 200, 429]


def _case_start(client: Client, users: dict[str, User]) -> Any:
    return client.post(reverse("case_start"), {"title": "A new need"})


def _assess(client: Client, users: dict[str, User]) -> Any:
    case = assessed_case(users["commercial"])
    return client.post(reverse("case_assess", args=[case.reference]))


def _record_pdf(client: Client, users: dict[str, User]) -> Any:
    record = approved_record(users["commercial"], users["reviewer"])
    return client.get(reverse("record_pdf", args=[record.pk]))


def _export(client: Client, users: dict[str, User]) -> Any:
    return client.post(reverse("export_start"), {})


def _api_case(client: Client, users: dict[str, User]) -> Any:
    return client.post("/api/v1/cases", {"title": "A need"}, content_type="application/json")


def _api_assess(client: Client, users: dict[str, User]) -> Any:
    case = case_create(by=users["commercial"], title="A need")
    return client.post(f"/api/v1/cases/{case.pk}/assessments")


def _api_pdf(client: Client, users: dict[str, User]) -> Any:
    record = approved_record(users["commercial"], users["reviewer"])
    return client.get(f"/api/v1/decisions/{record.pk}/pdf")


@pytest.mark.parametrize(
    ("scope", "role", "call", "api"),
    [
        ("case_create", "commercial", _case_start, False),
        ("assess", "commercial", _assess, False),
        ("pdf", "auditor", _record_pdf, False),
        ("export", "auditor", _export, False),
        ("case_create", "commercial", _api_case, True),
        ("assess", "commercial", _api_assess, True),
        ("pdf", "auditor", _api_pdf, True),
    ],
)
@pytest.mark.usefixtures("eager_tasks")
def test_costly_actions_beyond_their_rate_answer_429(
    scope: str,
    role: str,
    call: Callable[[Client, dict[str, User]], Any],
    api: bool,
    users: dict[str, User],
    client_as: Callable[[User | None], Client],
    rate_limits: Callable[..., None],
) -> None:
    published_ruleset()
    rate_limits(**{scope: "1/h"})
    client = client_as(users[role])
    first = call(client, users)
    assert first.status_code != 429
    second = call(client, users)
    assert second.status_code == 429, second.content[:300]
    assert 1 <= int(second["Retry-After"]) <= 3600
    if api:
        assert second.json()["detail"].startswith("Too many requests")
    else:
        assert "Too many requests" in second.content.decode()
    # One person's limit is not another's.
    assert (
        call(
            client_as(users["outsider" if role == "commercial" else "reviewer"]), users
        ).status_code
        != 429
    )


def test_the_limits_are_counted_in_redis_when_there_is_one() -> None:
    if os.environ.get("REDIS_URL"):
        assert isinstance(limits_cache(), RedisCache)  # shared by every web process


def test_every_redis_cache_a_request_uses_gives_up_quickly_and_never_retries(
    settings: Any,
) -> None:
    """redis-py 8 would wait 5 s to connect and 5 s for each reply from a Redis that hangs."""
    for alias in ("default", "limits"):
        cache = caches[alias]
        if not isinstance(cache, RedisCache):
            continue  # no REDIS_URL: this process's memory
        pool = cache._cache.get_client(write=True).connection_pool
        kwargs = pool.connection_kwargs
        assert kwargs["socket_connect_timeout"] == settings.REDIS_REQUEST_TIMEOUT_SECONDS == 0.5
        assert kwargs["socket_timeout"] == settings.REDIS_REQUEST_TIMEOUT_SECONDS
        assert kwargs["retry_on_timeout"] is False and kwargs.get("retry") is None


@pytest.mark.parametrize("value", ["5", "5/x", "0/m", "-1/h", "five/m", "5/m/h"])
def test_a_badly_written_rate_is_refused_at_start(value: str, monkeypatch: Any) -> None:
    monkeypatch.setenv("RATE_LIMIT_TEST", value)
    with pytest.raises(ImproperlyConfigured, match="RATE_LIMIT_TEST"):
        env_rate("RATE_LIMIT_TEST", "5/m")


def test_rates_are_read_as_written(monkeypatch: Any) -> None:
    monkeypatch.setenv("RATE_LIMIT_TEST", "10/15m")
    assert env_rate("RATE_LIMIT_TEST", "5/m") == "10/15m"


def test_every_api_operation_declares_429_with_retry_after_in_the_document() -> None:
    document = api.get_openapi_schema()
    operations = [
        (method, path, operation)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    ]
    assert len(operations) > 20
    for method, path, operation in operations:
        too_many = operation["responses"].get(429) or operation["responses"].get("429")
        assert too_many, f"{method.upper()} {path} does not declare 429"
        assert too_many["headers"]["Retry-After"]["schema"]["type"] == "integer"
        body = too_many["content"]["application/json"]["schema"]
        assert body["$ref"].endswith("/TooManyRequests")
    shape = document["components"]["schemas"]["TooManyRequests"]
    assert set(shape["required"]) == {"detail", "retry_after"}


def test_a_throttled_answer_has_the_documented_shape(
    users: dict[str, User], rate_limits: Callable[..., None]
) -> None:
    rate_limits(api_anonymous="1/m")
    client = Client()
    assert client.get("/api/v1/register").status_code == 200
    throttled = client.get("/api/v1/register")
    assert throttled.status_code == 429
    body = throttled.json()
    assert set(body) == {"detail", "retry_after"}
    assert body["retry_after"] == int(throttled["Retry-After"])


def _sign_in_via_proxy(client: Client, username: str, password: str, forwarded: str) -> Any:
    return client.post(
        reverse("sign_in"),
        {"username": username, "password": password},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR=forwarded,
    )


def test_behind_a_trusted_proxy_the_lockout_counts_each_forwarded_client(
    users: dict[str, User], settings: Any
) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    username = users["commercial"].username
    client = Client()
    for _ in range(4):
        assert _sign_in_via_proxy(client, username, "wrong", "198.51.100.7").status_code == 200
    assert _sign_in_via_proxy(client, username, "wrong", "198.51.100.7").status_code == 429
    events = AuditEvent.objects.filter(action="auth.locked_out")
    assert [e.payload["ip_address"] for e in events] == ["198.51.100.7"]
    # Another client behind the same proxy is not locked out with the first.
    assert _sign_in_via_proxy(Client(), username, PASSWORD, "203.0.113.9").status_code == 302


def test_without_trusted_proxies_a_forged_forwarded_header_does_not_escape_the_lockout(
    users: dict[str, User], settings: Any
) -> None:
    assert settings.TRUSTED_PROXY_COUNT == 0  # the default
    username = users["commercial"].username
    client = Client()
    for n in range(4):
        assert _sign_in_via_proxy(client, username, "wrong", f"198.51.100.{n}").status_code == 200
    assert _sign_in_via_proxy(client, username, "wrong", "198.51.100.50").status_code == 429
    assert _sign_in_via_proxy(client, username, PASSWORD, "198.51.100.51").status_code == 429


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (0, "198.51.100.7", "10.0.0.1"),
        (1, "198.51.100.7", "198.51.100.7"),
        (1, "6.6.6.6, 198.51.100.7", "198.51.100.7"),  # the client's own claim is not trusted
        (2, "6.6.6.6, 198.51.100.7, 10.0.0.2", "198.51.100.7"),
        (2, "198.51.100.7", "10.0.0.1"),  # fewer entries than trusted proxies
    ],
)
def test_client_ip_trusts_only_the_configured_proxies(
    settings: Any, rf: Any, count: int, forwarded: str, expected: str
) -> None:
    settings.TRUSTED_PROXY_COUNT = count
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected
