"""The content part of a record's page (decisions/record_body.html: the need, the options, the
evidence, the scoring trail with its rule trace, policy checks, conditions, risk and exit,
accountability and returns) rendered once and kept.

A decision record is append-only and its `record_sha256` is a hash over its content, so that
part of the page is a function of the hash and of the code that presents it: kept
(sourcing.kept_html) under the record's id, its hash and `presentation_version()`, a hash of
the templates and of decisions.presenter. What the rest of the page shows of the content
(`HEAD`: the title, identity, decision, dates, status history, public interest test and
publication) is kept beside it under the same identity, so a page whose parts are both kept
neither reads nor decodes the content (about 27 KB of JSON) nor presents it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from functools import cache as once
from typing import Any, Final

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from decisions import presenter
from decisions.record_schema import record_content
from decisions.records.models import DecisionRecord
from sourcing.cache_errors import cache_call
from sourcing.kept_html import CACHE_SECONDS, kept_html, source_hash

log = logging.getLogger(__name__)

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


# What decisions/record_detail.html shows of presenter.record_view outside the content part.
HEAD: Final = (
    "identity",
    "pit",
    "decision",
    "recommended",
    "created_at",
    "decided_at",
    "assessed_at",
    "reviewer",
    "review_by",
    "history",
    "publishable",
)


def head_key(record: DecisionRecord) -> str:
    """Where what the rest of a record's page shows of its content is kept."""
    return f"record-head:{presentation_version()}:{record.pk}:{record.record_sha256}"


def record_parts(record: DecisionRecord) -> tuple[SafeString, dict[str, Any]]:
    """(decisions/record_body.html of `record`, the `HEAD` entries of its
    presenter.record_view), each kept in the cache. The record's content is read (one query
    when `record` came without it) and presented only when either is not kept; a cache that
    is down costs both."""
    view: dict[str, Any] = {}

    def presented() -> dict[str, Any]:
        if not view:
            view.update(
                presenter.record_view(
                    record_content(record.content),
                    action=record.action,
                    decided_option=record.decided_option,
                    overridden=record.overridden,
                )
            )
        return view

    key = head_key(record)
    head = cache_call(lambda: cache.get(key), None, what="record head")
    if not isinstance(head, dict):
        head = {name: presented()[name] for name in HEAD}
        cache_call(lambda: cache.set(key, head, CACHE_SECONDS), None, what="record head (set)")
    body = kept_html(cache_key(record), lambda: render_to_string(TEMPLATE, dict(presented())))
    return body, head
