"""What people read of engine results and records: option and outcome names, signed points,
rule effects, status tags, and the assessment presentation (includes/assessment_result.html)
shared by the case, review and record pages.

Plain data in (an assessment's result, a record's content), words and rows out; no queries.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from decisions.engine import OPTIONS, QUESTIONS
from sourcing.questionnaire import LABELS, OPTION_LABELS, SECTIONS, display_value


class HasResult(Protocol):
    """An assessment (decisions.assessments.models.Assessment): its engine result as data."""

    result: dict[str, Any]


# An impact or replay outcome: an option, or no viable option at all.
OUTCOME_LABELS: dict[str, str] = {**OPTION_LABELS, "none": "No viable option"}


def signed(points: int) -> str:
    """Points with their sign: "+3", "-2", "0"."""
    return f"+{points}" if points > 0 else str(points)


def effects_text(effects: dict[str, Any]) -> str:
    """A rule's effects in option order, like "Buy +3, Build -2"."""
    return ", ".join(f"{OPTION_LABELS[o]} {signed(effects[o])}" for o in OPTIONS if o in effects)


STATUS_TAGS: dict[str, str] = {
    "draft": "govuk-tag--grey",
    "submitted": "govuk-tag--blue",
    "returned": "govuk-tag--orange",
    "approved": "govuk-tag--green",
    "rejected": "govuk-tag--red",
    "withdrawn": "govuk-tag--grey",
}

CHECK_TAGS: dict[str, tuple[str, str]] = {
    "complies": ("Complies", "govuk-tag--green"),
    "explain": ("Explain", "govuk-tag--yellow"),
    "n/a": ("Not applicable", "govuk-tag--grey"),
}

EXIT_LEVELS: dict[str, tuple[str, str]] = {
    "ready": ("Ready", "govuk-tag--green"),
    "needs_plan": ("Needs a plan", "govuk-tag--yellow"),
    "poor": ("Poor", "govuk-tag--red"),
}

TOP_REASONS = 3


def bar_class(score: int, top: int) -> str:
    """A width class in 5% steps (no inline styles under the CSP); negatives show no bar."""
    step = round(max(score, 0) / max(top, 1) * 20) * 5
    return f"app-bar__fill--w{step}"


def option_rows(result: dict[str, Any], descriptions: dict[str, str]) -> list[dict[str, Any]]:
    """The five options in ranked order with score, bar, and why any were ruled out."""
    scores = result["scores"]
    top = max(scores.values())
    rows = []
    for position, option in enumerate(result["ranking"], start=1):
        ruled_out = result["ruled_out"].get(option, [])
        rows.append(
            {
                "position": position,
                "option": option,
                "label": OPTION_LABELS[option],
                "score": scores[option],
                "bar": bar_class(scores[option], top),
                "recommended": option == result["recommended"],
                "viable": result["viable"][option],
                "ruled_out": [f"{rule}: {descriptions.get(rule, '')}" for rule in ruled_out],
            }
        )
    return rows


def inputs_text(inputs: dict[str, Any]) -> str:
    parts = []
    for key, value in inputs.items():
        shown = display_value(key, value) if key in QUESTIONS and value is not None else "—"
        parts.append(f"{LABELS[key][0] if key in LABELS else key} {shown}")
    return "; ".join(parts)


def trace_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "rule": entry["rule"],
            "description": entry["description"],
            "source": entry["source"],
            "when": entry["when"],
            "fired": entry["fired"],
            "effects": effects_text(entry["effects"]),
            "gate": ", ".join(OPTION_LABELS[o] for o in entry["gate"] or []),
            "inputs": inputs_text(entry["inputs"]),
        }
        for entry in result["trace"]
    ]


def top_reasons(result: dict[str, Any], leader: str) -> list[dict[str, str]]:
    """Fired rules with the biggest effect on the leading option."""
    fired = [e for e in result["trace"] if e["fired"] and e["effects"].get(leader)]
    fired.sort(key=lambda e: -abs(e["effects"][leader]))
    return [
        {
            "points": signed(e["effects"][leader]),
            "description": e["description"],
            "source": e["source"],
        }
        for e in fired[:TOP_REASONS]
    ]


def descriptions(result: dict[str, Any]) -> dict[str, str]:
    return {entry["rule"]: entry["description"] for entry in result["trace"]}


def assessment_context(assessment: HasResult) -> dict[str, Any]:
    """What the assessment presentation (includes/assessment_result.html) shows; the
    department's page and the Centre of Excellence's review page both use it."""
    result = assessment.result
    return {
        "assessment": assessment,
        "result": result,
        "recommended": OPTION_LABELS.get(result["recommended"] or "", ""),
        "rows": option_rows(result, descriptions(result)),
        "trace": trace_rows(result),
        "fired_count": sum(1 for e in result["trace"] if e["fired"]),
        "conditions": result["conditions"],
        "checks": [
            {
                **c,
                "label": c["check"].replace("_", " ").capitalize(),
                "tag": CHECK_TAGS[c["result"]],
            }
            for c in result["policy_checks"]
        ],
        "flips": [
            {
                "question": LABELS[f["key"]][0],
                "was": display_value(f["key"], f["from"]),
                "now": display_value(f["key"], f["to"]),
                "winner": OPTION_LABELS[f["winner"]] if f["winner"] else None,
            }
            for f in result.get("flip") or []
        ],
        "exits": [
            {
                "label": OPTION_LABELS[option],
                "score": e["score"],
                "level": EXIT_LEVELS.get(e["level"], (e["level"], "govuk-tag--grey")),
                "factors": e["factors"],
            }
            for option, e in result["exit_readiness"].items()
        ],
    }


def describe_field(name: str, value: Any) -> str:
    """A compared field of a result, in words, for the replay differences table."""
    if value is None:
        return "none"
    if name == "ranking":
        return ", ".join(OPTION_LABELS.get(o, o) for o in value)
    if name in ("scores", "viable"):
        return ", ".join(f"{OPTION_LABELS.get(o, o)} {v}" for o, v in value.items())
    if name == "ruled_out":
        return "; ".join(f"{OPTION_LABELS.get(o, o)} by {', '.join(r)}" for o, r in value.items())
    if name == "conditions":
        return "; ".join(
            f"{OPTION_LABELS.get(c['option'], c['option'])}: {c['text']}" for c in value
        )
    if name == "policy_checks":
        return "; ".join(f"{c['check'].replace('_', ' ')}: {c['result']}" for c in value)
    if name == "exit_readiness":
        return "; ".join(
            f"{OPTION_LABELS.get(o, o)} {e['score']} ({e['level']})" for o, e in value.items()
        )
    if name == "recommended":
        return OPTION_LABELS.get(value, str(value)) or "none"
    return str(value)


def parse_when(value: str | None) -> datetime | None:
    """An ISO datetime from a record's content (None when absent)."""
    return datetime.fromisoformat(value) if value else None


def answer_shown(key: str, value: Any) -> str:
    """An answer as people read it (questionnaire labels), or "Not answered"."""
    if value is None or value == "":
        return "Not answered"
    if key in LABELS:
        return display_value(key, value)
    return str(value)


def answer_rows(answers: dict[str, Any], keys: Any) -> list[dict[str, str]]:
    """A summary list's rows: each question's label and the answer as people read it."""
    return [
        {
            "label": LABELS[key][0] if key in LABELS else key,
            "value": answer_shown(key, answers.get(key)),
        }
        for key in keys
    ]


def answer_groups(answers: dict[str, Any]) -> list[dict[str, Any]]:
    """The answers as one summary list per questionnaire section."""
    return [{"title": s.title, "rows": answer_rows(answers, s.keys)} for s in SECTIONS]


def check_label(check: str) -> str:
    """A policy check's name, like "Public interest test"."""
    return check.replace("_", " ").capitalize()


def decision_text(action: str, option: str) -> str:
    """ "Approved: Buy" or "Rejected"."""
    if action == "approve":
        return f"Approved: {OPTION_LABELS.get(option, option)}"
    return "Rejected"
