"""Every page: a strict CSP with a nonce, a request id, GOV.UK error pages, htmx without eval."""

from __future__ import annotations

from django.test import Client

from sourcing.models import User


def test_pages_send_a_strict_csp_with_a_nonce(users: dict[str, User], client_as) -> None:
    response = client_as(users["auditor"]).get("/")
    csp = response["Content-Security-Policy"]
    assert "'nonce-" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
        assert directive in csp
    nonce = csp.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in response.content.decode()


def test_every_response_carries_a_request_id(db: None) -> None:
    response = Client().get("/sign-in/", HTTP_X_REQUEST_ID="abcdef1234567890")
    assert response["X-Request-ID"] == "abcdef1234567890"
    assert len(Client().get("/sign-in/", HTTP_X_REQUEST_ID="<bad>")["X-Request-ID"]) == 32


def test_a_missing_page_is_a_govuk_404(users: dict[str, User], client_as) -> None:
    response = client_as(users["auditor"]).get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_htmx_is_configured_without_eval(db: None) -> None:
    html = Client().get("/sign-in/").content.decode()
    assert '"allowEval": false' in html or '"allowEval":false' in html
    assert "X-CSRFToken" in html
