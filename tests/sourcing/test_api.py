"""The API skeleton: health, bearer tokens, errors."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client
from django.utils import timezone

from sourcing.models import ApiToken, User
from sourcing.services import token_issue, tokens_revoke


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_health_says_the_database_is_ok_and_how_tasks_run(db: None, settings) -> None:
    response = Client().get("/api/v1/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["tasks"] == ("eager" if settings.CELERY_TASK_ALWAYS_EAGER else "ok")


def test_a_token_authenticates_its_user(users: dict[str, User]) -> None:
    token = token_issue(user=users["commercial"])
    response = Client().get("/api/v1/me", **bearer(token))
    assert response.status_code == 200
    assert response.json() == {
        "username": "user-commercial",
        "role": "commercial",
        "department": "dept-a",
    }


def test_tokens_are_stored_hashed(users: dict[str, User]) -> None:
    token = token_issue(user=users["auditor"])
    stored = ApiToken.objects.get(user=users["auditor"])
    assert token not in (stored.token_sha256, stored.prefix + "x")
    assert len(stored.token_sha256) == 64


def test_no_credentials_is_401(db: None) -> None:
    response = Client().get("/api/v1/me")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


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


def test_the_openapi_document_describes_the_api(db: None) -> None:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert "/api/v1/health" in document["paths"]


def test_the_docs_page_is_served_from_our_own_static_files(db: None) -> None:
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    assert b"cdn." not in response.content


def test_an_unknown_api_path_is_404_json(db: None) -> None:
    response = Client().get("/api/v1/no-such-thing")
    assert response.status_code == 404
