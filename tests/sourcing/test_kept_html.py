"""The hash of the code that renders kept HTML (sourcing.kept_html.source_hash) covers the
templates named and every template they include, so a change to an include retires what was
kept of the templates that include it."""

from __future__ import annotations

from typing import Any

from django.test import override_settings

from decisions.assessments import fragments as assessment_fragments
from decisions.records import fragments as record_fragments
from sourcing.kept_html import source_hash, templates_included


def _templates(sources: dict[str, str]) -> Any:
    """Settings whose only templates are `sources` (name: source), from memory."""
    return override_settings(
        TEMPLATES=[
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "OPTIONS": {"loaders": [("django.template.loaders.locmem.Loader", sources)]},
            }
        ]
    )


PAGE = '{% if shown %}{% with h=2 %}{% include "part.html" %}{% endwith %}{% endif %}'


def test_a_change_to_an_included_template_changes_the_hash() -> None:
    part = '<p>{% include "inner.html" %}{% include name %}</p>'
    with _templates({"page.html": PAGE, "part.html": part, "inner.html": "one"}):
        assert templates_included(["page.html"]) == ["page.html", "part.html", "inner.html"]
        before = source_hash(["page.html"])
    with _templates({"page.html": PAGE, "part.html": part, "inner.html": "two"}):
        assert source_hash(["page.html"]) != before  # two includes deep, under if and with
    with _templates({"page.html": PAGE, "part.html": part, "inner.html": "one"}):
        assert source_hash(["page.html"]) == before


def test_a_record_s_content_and_an_assessment_name_the_templates_they_share() -> None:
    shared = {
        "includes/why_this_option.html",
        "includes/assessment_explained.html",
        "includes/policy_checks.html",
        "includes/rule_trace.html",
    }
    assert shared <= set(templates_included(record_fragments.TEMPLATES))
    assert shared <= set(templates_included(assessment_fragments.TEMPLATES))
