"""JSON API of rulesets: published versions (declared in sourcing.access.PERMISSIONS)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Query, Router

from decisions.rulesets import selectors
from decisions.rulesets.models import Ruleset
from sourcing.api_schemas import PageOut, PageQuery, page_of, responses

router = Router(tags=["rulesets"])


def ruleset_summary(ruleset: Ruleset) -> dict[str, Any]:
    """A published version as the list shows it."""
    golden = ruleset.golden_result or {}
    return {
        "version": ruleset.version,
        "sha256": ruleset.sha256,
        "published_at": ruleset.published_at.isoformat() if ruleset.published_at else None,
        "published_by": ruleset.published_by.get_username() if ruleset.published_by else None,
        "change_summary": ruleset.change_summary,
        "based_on": ruleset.based_on.version if ruleset.based_on else None,
        "golden_cases": {
            "passed": bool(golden.get("passed")),
            "total": golden.get("total", 0),
            "failed": golden.get("failed", 0),
        },
    }


class RulesetsPage(PageOut):
    current: str | None


@router.get("/rulesets", url_name="rulesets", response=responses({200: RulesetsPage}))
def rulesets(request: HttpRequest, page: Query[PageQuery]) -> dict[str, Any]:
    """Published ruleset versions, newest first, with their sha256 and golden case result, and
    the `current` version; `limit` and `offset` page them."""
    current = selectors.current_ruleset()
    return {
        **page_of(selectors.rulesets_published(), page, ruleset_summary),
        "current": current.version if current else None,
    }


@router.get("/rulesets/{version}", url_name="ruleset", response=responses({200: dict[str, Any]}))
def ruleset(request: HttpRequest, version: str) -> dict[str, Any]:
    """One published version: the rules and engine parameters as data, with the sha256
    (and, for a format 2 ruleset, its format and factors, so the hash can be recomputed)."""
    found = selectors.ruleset_by_version(version)
    if found is None or found.published_at is None:
        raise Http404
    content = found.content
    return {
        **ruleset_summary(found),
        "description": content.get("description", ""),
        "parameters": content.get("parameters", {}),
        "rules": content.get("rules", []),
        **{name: content[name] for name in ("format", "factors") if name in content},
    }
