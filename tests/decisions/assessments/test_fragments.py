"""An assessment's presentation is rendered once and kept (decisions.assessments.fragments):
kept by the assessment and by the code that presents it, never shown for another assessment,
and rendered when the cache is down."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from decisions import presenter
from decisions.assessments import fragments
from decisions.assessments.models import Assessment
from decisions.assessments.services import assessment_run
from decisions.cases.services import case_create, case_update
from sourcing.models import User
from tests.factories import complete_answers

REDIS_DOWN = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:9/0",  # the discard port: nothing answers
    },
    "limits": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "down"},
}


def _assessed(users: dict[str, User], **answers: Any) -> Assessment:
    case = case_create(by=users["commercial"], title="Kept", answers=complete_answers() | answers)
    return Assessment.objects.get(pk=assessment_run(case=case, by=users["commercial"]).pk)


def _page(client: Client, assessment: Assessment) -> str:
    response = client.get(f"/assessments/{assessment.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def _refuse_rendering(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(assessment: Any) -> Any:
        raise AssertionError("rendered again")

    monkeypatch.setattr(presenter, "assessment_context", refuse)


def test_an_assessment_is_rendered_once_and_then_shown_as_kept(
    ruleset: None, users: dict[str, User], alice: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    assessment = _assessed(users)
    first = _page(alice, assessment)
    kept = cache.get(fragments.cache_key(assessment, show_replay=True))
    assert kept is not None and kept in first and "Show all" in kept
    _refuse_rendering(monkeypatch)
    assert kept in _page(alice, assessment)


def test_a_new_assessment_of_changed_answers_is_rendered_not_the_kept_one(
    ruleset: None, users: dict[str, User], alice: Client
) -> None:
    first = _assessed(users)
    _page(alice, first)
    case = case_update(case=first.case, by=users["commercial"], answers={"credible_suppliers": 1})
    second = Assessment.objects.get(pk=assessment_run(case=case, by=users["commercial"]).pk)
    assert fragments.cache_key(second, show_replay=True) != fragments.cache_key(
        first, show_replay=True
    )
    html = _page(alice, second)
    expected = fragments._render(second, show_replay=True, context=None)
    assert str(expected) in html
    assert f"/assessments/{second.pk}/replay/" in html


def test_the_review_page_and_the_assessment_page_keep_their_own_html(
    ruleset: None, users: dict[str, User]
) -> None:
    assessment = _assessed(users)
    with_replay = fragments.assessment_result_html(assessment, show_replay=True)
    without = fragments.assessment_result_html(assessment, show_replay=False)
    assert "replay" in with_replay and f"/assessments/{assessment.pk}/replay/" not in without


def test_changed_presentation_code_retires_the_kept_html(
    ruleset: None, users: dict[str, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    assessment = _assessed(users)
    fragments.assessment_result_html(assessment, show_replay=True)
    kept = fragments.cache_key(assessment, show_replay=True)
    fragments.presentation_version.cache_clear()
    monkeypatch.setattr(fragments, "TEMPLATES", (*fragments.TEMPLATES, "base.html"))
    try:
        assert fragments.cache_key(assessment, show_replay=True) != kept
    finally:
        fragments.presentation_version.cache_clear()


def test_with_the_cache_down_the_assessment_is_rendered(
    ruleset: None, users: dict[str, User], alice: Client, settings: Any
) -> None:
    assessment = _assessed(users)
    expected = fragments._render(assessment, show_replay=True, context=None)
    settings.CACHES = REDIS_DOWN
    assert str(expected) in _page(alice, assessment)
