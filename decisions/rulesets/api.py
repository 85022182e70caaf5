"""JSON API of rulesets: published versions (declared in sourcing.access.PERMISSIONS)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Router

from decisions.rulesets import selectors
from decisions.rulesets.models import Ruleset

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


@router.get("/rulesets", url_name="rulesets")
def rulesets(request: HttpRequest) -> dict[str, Any]:
    """Published ruleset versions, newest first, with their sha256 and golden case result."""
    current = selectors.current_ruleset()
    items = [ruleset_summary(r) for r in selectors.rulesets_published()]
    return {
        "items": items,
        "count": len(items),
        "current": current.version if current else None,
    }


@router.get("/rulesets/{version}", url_name="ruleset")
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
