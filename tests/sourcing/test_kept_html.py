"""The hash of the code that renders kept HTML (sourcing.kept_html.source_hash) covers the
templates named and every template they include, so a change to an include retires what was
kept of the templates that include it; kept_render keeps a template's HTML by the values it
shows and that code, and trusts only HTML in its place."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.cache import cache
from django.test import override_settings
from django.utils.safestring import SafeString

from decisions.assessments import fragments as assessment_fragments
from decisions.records import fragments as record_fragments
from sourcing import kept_html as kept_html_module
from sourcing.kept_html import kept_key, kept_render, source_hash, templates_included


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


ROW = "<td>{{ name }}</td><td>{{ count }}</td>"


def test_kept_render_keeps_a_render_by_the_values_shown_and_renders_a_changed_value() -> None:
    shown = f"supplier-{uuid.uuid4().hex}"
    with _templates({"kept_render_row.html": ROW}):
        first = kept_render(
            "test-row", "kept_render_row.html", (shown, 1), {"name": shown, "count": 1}
        )
        assert first == f"<td>{shown}</td><td>1</td>"
        key = kept_key("test-row", ["kept_render_row.html"], (shown, 1))
        assert cache.get(key) == first

        def not_called() -> dict[str, Any]:
            raise AssertionError("kept HTML is not rendered again")

        assert kept_render("test-row", "kept_render_row.html", (shown, 1), not_called) == first
        changed = kept_render(
            "test-row", "kept_render_row.html", (shown, 2), lambda: {"name": shown, "count": 2}
        )
        assert changed == f"<td>{shown}</td><td>2</td>"
        assert kept_key("test-row", ["kept_render_row.html"], (shown, 2)) != key


def test_kept_render_renders_over_what_is_not_html_in_its_place_and_escapes_values() -> None:
    shown = f"<b>{uuid.uuid4().hex}</b>"
    with _templates({"kept_render_row.html": ROW}):
        key = kept_key("test-row", ["kept_render_row.html"], (shown, 3))
        cache.set(key, "<script>not HTML the template made</script>")
        html = kept_render(
            "test-row", "kept_render_row.html", (shown, 3), {"name": shown, "count": 3}
        )
        assert "<script>" not in html and "&lt;b&gt;" in html
        assert isinstance(cache.get(key), SafeString)


def test_kept_key_names_the_code_version_of_its_templates_and_modules() -> None:
    with _templates({"kept_render_row.html": ROW}):
        key = kept_key("test-row", ["kept_render_row.html"], ("a",), modules=[kept_html_module])
        version = source_hash(["kept_render_row.html"], [kept_html_module])
    assert key.startswith(f"test-row:{version}:")
    assert key != kept_key("test-row", ["kept_render_row.html"], ("b",), modules=[kept_html_module])
