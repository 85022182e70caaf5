"""Pages for people and access: sign in, sign out, home, navigation, admin."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from sourcing.models import User
from tests.conftest import PASSWORD


def test_signing_in_with_the_right_password_reaches_home(users: dict[str, User]) -> None:
    client = Client()
    response = client.post("/sign-in/", {"username": "user-reviewer", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    page = client.get("/")
    assert page.status_code == 200
    assert "Centre of Excellence reviewer" in page.content.decode()


def test_a_wrong_password_shows_a_clear_error_and_does_not_sign_in(users: dict[str, User]) -> None:
    client = Client()
    response = client.post("/sign-in/", {"username": "user-reviewer", "password": "wrong"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Enter a correct username and password" in html
    assert "govuk-error-summary" in html
    assert "Error: Sign in" in html
    assert client.get("/").status_code == 302


def test_an_unknown_user_gets_the_same_error(db: None) -> None:
    response = Client().post("/sign-in/", {"username": "nobody", "password": "x"})
    assert "Enter a correct username and password" in response.content.decode()


def test_empty_fields_are_named_in_the_error_summary(db: None) -> None:
    html = Client().post("/sign-in/", {}).content.decode()
    assert "Enter your username" in html and "Enter your password" in html
    assert 'href="#id_username"' in html


def test_a_failed_sign_in_is_logged_without_the_password(users: dict[str, User], caplog) -> None:
    Client().post("/sign-in/", {"username": "user-reviewer", "password": "s3cret-guess"})
    assert "sign-in failed" in caplog.text
    assert "s3cret-guess" not in caplog.text


def test_sign_out_needs_a_post_and_ends_the_session(users: dict[str, User], client_as) -> None:
    client = client_as(users["auditor"])
    assert client.get("/sign-out/").status_code == 405
    assert client.post("/sign-out/").status_code == 302
    assert client.get("/").status_code == 302


def test_home_redirects_anonymous_people_to_sign_in(db: None) -> None:
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"] == "/sign-in/?next=/"


def test_the_navigation_follows_the_role(users: dict[str, User], client_as) -> None:
    admin_page = client_as(users["admin"]).get("/").content.decode()
    assert 'href="/admin/"' in admin_page
    auditor_page = client_as(users["auditor"]).get("/").content.decode()
    assert 'href="/admin/"' not in auditor_page


def test_the_admin_is_for_admins_only(users: dict[str, User], client_as: Callable) -> None:
    assert client_as(users["admin"]).get("/admin/").status_code == 200
    for role in ("commercial", "reviewer", "steward", "auditor"):
        assert client_as(users[role]).get("/admin/").status_code == 403
