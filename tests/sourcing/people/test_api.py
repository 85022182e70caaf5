"""People in the API: bearer tokens (stored hashed, expiring, revocable) and sessions."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sourcing.access import TOKEN_LAST_USED_RESOLUTION
from sourcing.models import ApiToken, User
from sourcing.people.services import token_issue, tokens_revoke


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_a_token_authenticates_its_user(users: dict[str, User]) -> None:
    token = token_issue(user=users["commercial"])
    response = Client().get("/api/v1/me", **bearer(token))
    assert response.status_code == 200
    assert response.json() == {
        "username": "user-commercial",
        "role": "commercial",
        "department": "dept-a",
    }


def test_two_gets_within_the_hour_write_the_token_s_last_use_once(
    users: dict[str, User],
) -> None:
    token = token_issue(user=users["commercial"])
    client = Client()
    assert client.get("/api/v1/me", **bearer(token)).status_code == 200
    first = ApiToken.objects.get(user=users["commercial"]).last_used_at
    assert first is not None
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/v1/me", **bearer(token)).status_code == 200
    assert not [q for q in queries.captured_queries if "UPDATE" in q["sql"].upper()]
    assert ApiToken.objects.get(user=users["commercial"]).last_used_at == first
    # An hour on, the next request notes the use again.
    earlier = first - TOKEN_LAST_USED_RESOLUTION - timedelta(seconds=1)
    ApiToken.objects.filter(user=users["commercial"]).update(last_used_at=earlier)
    assert client.get("/api/v1/me", **bearer(token)).status_code == 200
    assert ApiToken.objects.get(user=users["commercial"]).last_used_at > first  # type: ignore[operator]


def test_tokens_are_stored_hashed(users: dict[str, User]) -> None:
    token = token_issue(user=users["auditor"])
    stored = ApiToken.objects.get(user=users["auditor"])
    assert token not in (stored.token_sha256, stored.prefix + "x")
    assert len(stored.token_sha256) == 64


def test_an_unknown_token_is_401(db: None) -> None:
    assert Client().get("/api/v1/me", **bearer("not-a-real-token")).status_code == 401


def test_an_expired_token_is_401(users: dict[str, User]) -> None:
    token = token_issue(user=users["reviewer"])
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert Client().get("/api/v1/me", **bearer(token)).status_code == 401


def test_a_revoked_token_is_401(users: dict[str, User]) -> None:
    token = token_issue(user=users["steward"])
    assert tokens_revoke(user=users["steward"]) == 1
    assert Client().get("/api/v1/me", **bearer(token)).status_code == 401


def test_a_deactivated_users_token_is_401(users: dict[str, User]) -> None:
    token = token_issue(user=users["auditor"])
    User.objects.filter(pk=users["auditor"].pk).update(is_active=False)
    assert Client().get("/api/v1/me", **bearer(token)).status_code == 401


def test_a_session_works_for_the_api(users: dict[str, User]) -> None:
    client = Client()
    client.force_login(users["auditor"])
    assert client.get("/api/v1/me").json()["role"] == "auditor"
