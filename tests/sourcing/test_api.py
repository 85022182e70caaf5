"""The API root: health, authentication errors, the OpenAPI document, unknown paths."""

from __future__ import annotations

from django.test import Client


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_health_says_the_database_is_ok_and_how_tasks_run(db: None, settings) -> None:
    response = Client().get("/api/v1/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["tasks"] == ("eager" if settings.CELERY_TASK_ALWAYS_EAGER else "ok")


def test_no_credentials_is_401(db: None) -> None:
    response = Client().get("/api/v1/me")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


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
