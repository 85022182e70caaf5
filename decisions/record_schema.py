"""The shape of a decision record's content, version by version (docs/record-schema.md).

A record's content is JSON frozen at decision time and hashed (decisions.records.content.
record_hash): it is never rewritten, so every version ever issued is read as it was stored.

- Version 1: records issued before the content carried `schema_version` (no such key).
- Version 2: `schema_version` is 2, and people are named as well as identified: the case
  owner's full name (`accountability.owner_name`), who made each status change (`by_name`) and
  who recorded each sign-off (`recorded_by_name`). Everything else is as in version 1.
- Version 3: `schema_version` is 3, and each sign-off says how it was given: `signatory` (the
  username of the person who signed off, signed in as themselves; null for a typed name),
  `no_account` (a name typed by the case's department for a signatory with no account) and
  `assessment_sha256` (the hash of the assessment the signatory read; "" for a typed name);
  `accountability.senior_responsible_owner_username` names the SRO's account (null: typed).
- Version 4: `schema_version` is 4, and a rejection has no review-by date: `review_by` is null
  when `accountability.decision` is "reject" (versions 1 to 3 stored one, never shown).

Types only and one reader (`record_content`); no Django, no queries. Units: amounts in whole
pounds (keys ending `_gbp`), times as ISO 8601 with their offset (UTC at issue), dates as ISO
8601 days, scores and margins in points.
"""

from __future__ import annotations

from typing import Any, Literal, NotRequired, TypedDict, cast

SCHEMA_VERSION: Literal[4] = 4


class Department(TypedDict):
    id: NotRequired[int]  # the stable identity verification compares (issued from 2026-11-30)
    code: str
    name: str


class RulesetPin(TypedDict):
    version: str
    sha256: str


# A change of the case's status ("from" is a Python keyword: the functional form).
StatusChange = TypedDict(
    "StatusChange",
    {
        "at": str,  # ISO 8601 time
        "by": str,  # username
        "by_name": NotRequired[str],  # full name (version 2)
        "from": str | None,
        "to": str,
        "comment": str,
    },
)


class Identity(TypedDict):
    reference: str
    case_id: int
    title: str
    department: Department
    created_at: str
    decided_at: str
    status_history: list[StatusChange]
    ruleset: RulesetPin
    assessment_id: int
    assessed_at: str
    supersedes: str | None
    supersedes_sha256: str | None


class Need(TypedDict):
    summary: str
    answers: dict[str, Any]  # question key -> answer (NEED_KEYS; None when not answered)
    thresholds_hit: list[str]


class OptionOutcome(TypedDict):
    option: str
    rank: int
    score: int
    viable: bool
    ruled_out_by: list[str]
    why: str


class Scoring(TypedDict):
    """The engine result's scoring trail as a record keeps it (docs/record-schema.md); trace
    entries, flips and the format 2 explanations keep the engine's shapes (docs/rulesets.md)."""

    recommended: str | None
    ranking: list[str]  # every option, best first
    scores: dict[str, int]  # option -> points
    viable: dict[str, bool]
    margin: int | None  # points between the first two viable options
    explanation: NotRequired[list[str]]
    trace: list[dict[str, Any]]  # decisions.engine.TraceEntry.to_dict, in rule order
    flip: NotRequired[list[dict[str, Any]] | None]  # single-answer changes that flip it
    weight_flips: NotRequired[list[dict[str, Any]] | None]
    format: NotRequired[int]  # the ruleset format (2: the explanations below)
    factors: NotRequired[list[dict[str, Any]]]
    why: NotRequired[dict[str, Any] | None]
    close_call: NotRequired[dict[str, Any] | None]
    robustness: NotRequired[dict[str, Any] | None]
    tensions: NotRequired[list[dict[str, Any]]]


class PolicyCheck(TypedDict):
    check: str
    result: str  # "complies", "explain" or "n/a"
    reason: str
    source: str
    explanation: str  # the department's, "" when none
    parts: NotRequired[dict[str, Any]]  # the public interest test's two parts (format 2)


class Condition(TypedDict):
    option: str | None
    rule: str
    text: str
    source: str


class ExitFactor(TypedDict):
    factor: str
    value: str
    effect: int
    note: str


class ExitReadiness(TypedDict):
    score: int  # 0 to 100
    level: str  # "ready", "needs_plan" or "poor"
    factors: list[ExitFactor]


class RiskAndExit(TypedDict):
    incumbent_lock_in: str | None
    exit_readiness: ExitReadiness | None
    exit_plan_required: bool
    pilot: PolicyCheck | None


class SignOff(TypedDict):
    discipline: str
    name: str
    role: str
    comment: str
    recorded_at: str
    recorded_by: str  # username
    recorded_by_name: NotRequired[str]  # full name (version 2)
    answers_version: int
    signatory: NotRequired[str | None]  # who signed in and signed off (version 3)
    no_account: NotRequired[bool]  # typed for someone with no account (version 3)
    assessment_sha256: NotRequired[str]  # the assessment the signatory read (version 3)


class Reviewer(TypedDict):
    id: NotRequired[int]  # the stable identity verification compares (issued from 2026-11-30)
    username: str
    name: str


class Accountability(TypedDict):
    signoffs: list[SignOff]
    senior_responsible_owner: str
    senior_responsible_owner_username: NotRequired[str | None]  # version 3
    owner: str  # username
    owner_name: NotRequired[str]  # full name (version 2)
    reviewer: Reviewer
    decision: str  # "approve" or "reject"
    recommended: str | None
    decided_option: str | None
    overridden: bool
    rationale: str
    returns: list[StatusChange]


class Publishable(TypedDict):
    fields: list[str]
    reasons_summary: list[str]


class RecordContent(TypedDict):
    """A decision record's content. `scoring` is the engine result's scoring trail (its keys:
    docs/record-schema.md and docs/rulesets.md); `answers` every answer of the assessment."""

    schema_version: NotRequired[int]  # absent: version 1
    identity: Identity
    need: Need
    options: list[OptionOutcome]
    evidence: dict[str, Any]
    answers: dict[str, Any]
    scoring: Scoring
    policy_checks: list[PolicyCheck]
    conditions: list[Condition]
    risk_and_exit: RiskAndExit
    accountability: Accountability
    review_by: str | None  # ISO 8601 day; null for a rejection (version 4)
    publishable: Publishable


def record_content(content: Any) -> RecordContent:
    """A stored record's content (a JSONField: untyped) as its typed shape. Nothing is copied
    or changed: the hashed content is read as it is, whatever its version."""
    return cast(RecordContent, content)


def schema_version(content: RecordContent) -> int:
    """The content's version: its `schema_version`, or 1 for records issued before it."""
    return content.get("schema_version", 1)
