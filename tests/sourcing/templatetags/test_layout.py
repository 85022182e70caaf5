"""The layout's fixed parts (`{% fixed %}`): rendered once per process and key, rendered again
whenever the template, the values, the script prefix or the settings change, and never given
the page's context (the user, the CSRF token, the nonce)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.template import Context, Engine
from django.test import Client, override_settings
from django.urls import set_script_prefix

from sourcing.context_processors import NavItem
from sourcing.models import User
from sourcing.templatetags import layout

PAGE = "{% load layout %}{% fixed 'part.html' %}"


@pytest.fixture(autouse=True)
def _nothing_kept() -> Iterator[None]:
    layout.forget()
    yield
    layout.forget()


def engine(templates: dict[str, str]) -> Engine:
    """An engine like the project's (the cached loader) over templates held in memory."""
    locmem = ("django.template.loaders.locmem.Loader", templates)
    return Engine(
        loaders=[("django.template.loaders.cached.Loader", [locmem])],
        libraries={
            "layout": "sourcing.templatetags.layout",
            "static": "django.templatetags.static",
        },
    )


def test_a_part_is_rendered_once_and_repeated() -> None:
    templates = {"part.html": "<p>{% url 'feedback' %}</p>", "page.html": PAGE}
    page = engine(templates).get_template("page.html")
    first = page.render(Context())
    assert first == "<p>/feedback/</p>"
    kept = list(layout._KEPT.values())
    assert len(kept) == 1
    assert page.render(Context()) == first
    assert list(layout._KEPT.values()) == kept  # the same entry, not rendered again


def test_a_changed_template_is_rendered_again_once_the_loader_reloads_it() -> None:
    templates = {"part.html": "v1", "page.html": PAGE}
    made = engine(templates)
    assert made.get_template("page.html").render(Context()) == "v1"
    templates["part.html"] = "v2"
    # The cached loader still gives the template it compiled, as an include would.
    assert made.get_template("page.html").render(Context()) == "v1"
    for loader in made.template_loaders:
        loader.reset()  # what the development server's autoreloader does on a change
    assert made.get_template("page.html").render(Context()) == "v2"


def test_the_values_are_part_of_the_key() -> None:
    templates = {
        "part.html": "{% for item in items %}{{ item.label }}{% if item.active %}*{% endif %} {% endfor %}",
        "page.html": "{% load layout %}{% fixed 'part.html' items=nav_items %}",
    }
    page = engine(templates).get_template("page.html")
    home = (NavItem("Home", "/", True), NavItem("Cases", "/cases/", False))
    cases = (NavItem("Home", "/", False), NavItem("Cases", "/cases/", True))
    assert page.render(Context({"nav_items": home})) == "Home* Cases "
    assert page.render(Context({"nav_items": cases})) == "Home Cases* "
    assert page.render(Context({"nav_items": home})) == "Home* Cases "


def test_a_value_that_cannot_be_hashed_is_refused() -> None:
    templates = {
        "part.html": "{{ items }}",
        "page.html": "{% load layout %}{% fixed 'part.html' items=items %}",
    }
    with pytest.raises(TypeError):
        engine(templates).get_template("page.html").render(Context({"items": ["a list"]}))


def test_what_is_kept_stays_bounded_whatever_the_values() -> None:
    templates = {
        "part.html": "{{ n }}",
        "page.html": "{% load layout %}{% fixed 'part.html' n=n %}",
    }
    page = engine(templates).get_template("page.html")
    for n in range(layout.MAX_KEPT + 10):
        assert page.render(Context({"n": n})) == str(n)
    assert 0 < len(layout._KEPT) <= layout.MAX_KEPT


def test_a_part_never_sees_the_page_s_context() -> None:
    templates = {"part.html": "[{{ user }}{{ csrf_token }}{{ csp_nonce }}]", "page.html": PAGE}
    page = engine(templates).get_template("page.html")
    context = {"user": "alice", "csrf_token": "token", "csp_nonce": "nonce"}
    assert page.render(Context(context)) == "[]"


def test_the_script_prefix_is_part_of_the_key() -> None:
    templates = {"part.html": "{% url 'feedback' %}", "page.html": PAGE}
    page = engine(templates).get_template("page.html")
    assert page.render(Context()) == "/feedback/"
    set_script_prefix("/sourcing/")
    try:
        assert page.render(Context()) == "/sourcing/feedback/"
    finally:
        set_script_prefix("/")
    assert page.render(Context()) == "/feedback/"


def test_a_settings_change_forgets_every_part() -> None:
    templates = {"part.html": "{% load static %}{% static 'css/app.css' %}", "page.html": PAGE}
    page = engine(templates).get_template("page.html")
    assert page.render(Context()) == "/static/css/app.css"
    with override_settings(STATIC_URL="/assets/"):
        assert page.render(Context()) == "/assets/css/app.css"
    assert page.render(Context()) == "/static/css/app.css"


def _nonce(html: str) -> str:
    found = re.search(r'<script nonce="([^"]+)">', html)
    assert found is not None
    return found.group(1)


def test_pages_keep_a_fresh_nonce_and_their_own_user_and_navigation(
    users: dict[str, User], client_as
) -> None:
    commercial: Client = client_as(users["commercial"])
    reviewer: Client = client_as(users["reviewer"])
    first = commercial.get("/").content.decode()
    again = commercial.get("/").content.decode()
    assert _nonce(first) != _nonce(again)  # the nonce stays per request
    cases = commercial.get("/cases/").content.decode()
    queue = reviewer.get("/review/").content.decode()
    assert "user-commercial" in cases and "user-reviewer" not in cases
    assert "user-reviewer" in queue and "user-commercial" not in queue
    current = re.compile(r'href="([^"]+)" aria-current="true"')
    assert current.findall(first) == ["/"]
    assert current.findall(cases) == ["/cases/"]
    assert current.findall(queue) == ["/review/"]
    assert "Review queue" in queue and "Review queue" not in cases
    for html in (first, cases, queue):  # the fixed parts are there, once each
        assert html.count('class="govuk-phase-banner govuk-width-container"') == 1
        assert html.count('href="/accessibility/">Accessibility statement</a>') == 1
        assert html.count('<link rel="stylesheet" href="/static/css/app.css">') == 1
