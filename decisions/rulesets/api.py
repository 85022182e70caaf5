"""JSON API of rulesets: published versions, and a draft's four-eyes approval and publication
(declared in sourcing.access.PERMISSIONS)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from decisions.rulesets import selectors
from decisions.rulesets.models import Ruleset
from decisions.rulesets.services import ruleset_approve, ruleset_publish
from sourcing.access import or_404, signed_in_user
from sourcing.api_body import documented_body, json_body
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


class ApproveIn(Schema):
    sha256: str = Field(..., max_length=64, description="The draft's sha256, as you read it")
    comment: str = Field("", max_length=5000)

    model_config = {"extra": "forbid"}


class PublishIn(Schema):
    change_summary: str = Field(..., max_length=5000)

    model_config = {"extra": "forbid"}


def _draft_or_404(version: str) -> Ruleset:
    return or_404(selectors.draft_by_version(version))


@router.post(
    "/rulesets/{version}/approvals",
    url_name="ruleset_approvals",
    response=responses({201: dict[str, Any]}),
    openapi_extra=documented_body(ApproveIn),
)
def ruleset_approvals(request: HttpRequest, version: str) -> Any:
    """A second steward approves the exact draft they read (`sha256`) for publication: 201
    with the approval; 409 if they started the draft or it changed since they read it."""
    draft = _draft_or_404(version)
    body = json_body(request, ApproveIn)
    approval = ruleset_approve(
        draft=draft, by=signed_in_user(request), sha256=body.sha256, comment=body.comment
    )
    return Status(
        201,
        {
            "version": draft.version,
            "sha256": approval.sha256,
            "approved_by": approval.approved_by.get_username(),
            "approved_at": approval.approved_at.isoformat(),
            "comment": approval.comment,
        },
    )


@router.post(
    "/rulesets/{version}/publish",
    url_name="ruleset_publish",
    response=responses({200: dict[str, Any]}),
    openapi_extra=documented_body(PublishIn),
)
def ruleset_publish_api(request: HttpRequest, version: str) -> dict[str, Any]:
    """Publish a draft: 200 with the version; 409 unless another steward approved this exact
    draft (four eyes) and every golden case passes."""
    draft = _draft_or_404(version)
    body = json_body(request, PublishIn)
    published = ruleset_publish(
        draft=draft, by=signed_in_user(request), change_summary=body.change_summary
    )
    return ruleset_summary(published)
