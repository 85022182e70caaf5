"""The content part of a record's page is rendered once and kept (decisions.records.fragments):
by the record's id and content hash and by the code that presents it; rendered when the cache
is down; the rest of the page (what changes: supersession, outcomes, the PDF) still live."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from decisions import presenter
from decisions.record_schema import record_content
from decisions.records import fragments
from decisions.records.models import DecisionRecord
from sourcing.models import User
from tests.factories import approved_record

Clients = Callable[[User | None], Client]

REDIS_DOWN = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:9/0",  # the discard port: nothing answers
    },
    "limits": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "down"},
}


def _page(client: Client, record: DecisionRecord) -> str:
    response = client.get(reverse("record_detail", args=[record.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_record_s_content_part_is_rendered_once_and_then_shown_as_kept(
    users: dict[str, User], ruleset: None, client_as: Clients, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = approved_record(users["commercial"], users["reviewer"])
    auditor = client_as(users["auditor"])
    first = _page(auditor, record)
    kept = cache.get(fragments.cache_key(record))
    assert kept is not None and kept in first
    assert ">The need<" in kept and ">Accountability<" in kept and "govuk-details" in kept
    assert ">Identity<" not in kept and ">Integrity<" not in kept  # live parts are not kept

    def refuse(*args: Any, **kwargs: Any) -> str:
        raise AssertionError("rendered again")

    monkeypatch.setattr(fragments, "render_to_string", refuse)
    assert kept in _page(auditor, record)


def test_each_record_is_kept_under_its_own_content_hash(
    users: dict[str, User], ruleset: None, client_as: Clients
) -> None:
    first = approved_record(users["outsider"], users["reviewer"])
    second = approved_record(users["commercial"], users["reviewer"])
    assert fragments.cache_key(first) != fragments.cache_key(second)
    assert second.record_sha256 in fragments.cache_key(second)
    auditor = client_as(users["auditor"])
    _page(auditor, first)
    assert cache.get(fragments.cache_key(first)) not in _page(auditor, second)


def test_changed_presentation_code_retires_the_kept_part(
    users: dict[str, User], ruleset: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = approved_record(users["commercial"], users["reviewer"])
    kept = fragments.cache_key(record)
    fragments.presentation_version.cache_clear()
    monkeypatch.setattr(fragments, "TEMPLATES", (*fragments.TEMPLATES, "base.html"))
    try:
        assert fragments.cache_key(record) != kept
    finally:
        fragments.presentation_version.cache_clear()


def test_with_the_cache_down_the_record_page_is_rendered(
    users: dict[str, User], ruleset: None, client_as: Clients, settings: Any
) -> None:
    record = DecisionRecord.objects.get(
        pk=approved_record(users["commercial"], users["reviewer"]).pk
    )
    view = presenter.record_view(
        record_content(record.content),
        action=record.action,
        decided_option=record.decided_option,
        overridden=record.overridden,
    )
    expected = fragments.record_body_html(record, view)
    settings.CACHES = REDIS_DOWN
    assert expected in _page(client_as(users["auditor"]), record)


def test_a_kept_record_page_neither_reads_nor_presents_the_record_s_content(
    users: dict[str, User], ruleset: None, client_as: Clients, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = approved_record(users["commercial"], users["reviewer"])
    auditor = client_as(users["auditor"])
    first = _page(auditor, record)  # presented from the content, and kept
    assert cache.get(fragments.head_key(record))["identity"]["title"] in first

    def refuse(*args: Any, **kwargs: Any) -> dict[str, Any]:
        raise AssertionError("presented again")

    monkeypatch.setattr(fragments.presenter, "record_view", refuse)
    with CaptureQueriesContext(connection) as kept:
        again = _page(auditor, record)
    assert _without_tokens(again) == _without_tokens(first)
    read = " ".join(q["sql"] for q in kept.captured_queries)
    assert '"decisions_decisionrecord"."content"' not in read
    assert '"sourcing_case"."answers"' not in read  # the case's identity only


def test_each_record_s_heading_parts_are_kept_under_its_own_content_hash(
    users: dict[str, User], ruleset: None, client_as: Clients
) -> None:
    first = approved_record(users["outsider"], users["reviewer"])
    second = approved_record(users["commercial"], users["reviewer"])
    assert fragments.head_key(first) != fragments.head_key(second)
    assert second.record_sha256 in fragments.head_key(second)
    assert fragments.presentation_version() in fragments.head_key(second)
    auditor = client_as(users["auditor"])
    _page(auditor, first)
    page = _page(auditor, second)
    assert f"Decision record {second.reference}, " in page
    assert cache.get(fragments.head_key(first))["identity"]["reference"] == first.reference


def _without_tokens(html: str) -> str:
    return re.sub(r'(csrfmiddlewaretoken" value="|X-CSRFToken": "|nonce=")[^"]*', "", html)
