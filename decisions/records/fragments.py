"""The content part of a record's page (decisions/record_body.html: the need, the options, the
evidence, the scoring trail with its rule trace, policy checks, conditions, risk and exit,
accountability and returns) rendered once and kept.

A decision record is append-only and its `record_sha256` is a hash over its content, so that
part of the page is a function of the hash and of the code that presents it: kept
(sourcing.kept_html) under the record's id, its hash and `presentation_version()`, a hash of
the templates and of decisions.presenter.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache as once
from typing import Any, Final

from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from decisions import presenter
from decisions.records.models import DecisionRecord
from sourcing.kept_html import kept_html, source_hash

TEMPLATE: Final = "decisions/record_body.html"
# The templates named in the hash; source_hash adds every template they include.
TEMPLATES: Final = (TEMPLATE,)


@once
def presentation_version() -> str:
    """A hash of the part's templates and of decisions.presenter (once per process)."""
    return source_hash(TEMPLATES, [presenter])


def cache_key(record: DecisionRecord) -> str:
    """Where a record's content part is kept."""
    return f"record-html:{presentation_version()}:{record.pk}:{record.record_sha256}"


def record_body_html(record: DecisionRecord, view: Mapping[str, Any]) -> SafeString:
    """decisions/record_body.html of `record`, whose presenter.record_view is `view`, kept in
    the cache. No query."""
    return kept_html(cache_key(record), lambda: render_to_string(TEMPLATE, dict(view)))
