"""What people read of engine results and records: option and outcome names, signed points,
rule effects, status tags, and the assessment presentation (includes/assessment_result.html)
shared by the case, review and record pages.

Plain data in (an assessment's result, a record's content), words and rows out; no queries.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from django.utils import timezone

from decisions.engine import OPTIONS, QUESTIONS, public_interest_parts
from decisions.engine.assess import CAP_RULE_PREFIX, COST_RULE_ID
from decisions.engine.ruleset import DEFAULT_PARAMETERS
from decisions.record_schema import RecordContent, schema_version
from sourcing.models import CaseStatus, Discipline
from sourcing.people import names
from sourcing.questionnaire import CHOICE_LABELS, LABELS, OPTION_LABELS, SECTIONS, display_value


class HasResult(Protocol):
    """An assessment (decisions.assessments.models.Assessment): its engine result as data and
    when it was made."""

    result: dict[str, Any]
    created_at: datetime


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


def option_rows(result: Mapping[str, Any], descriptions: dict[str, str]) -> list[dict[str, Any]]:
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


def question_label(key: str) -> str:
    """A question by its label from the questionnaire: 'How unusual is the need?' (the key
    itself for a key the questionnaire does not know)."""
    return LABELS[key][0] if key in LABELS else key


def question_text(key: str) -> str:
    """A question by its label and its key, for the rule trace and the rules, where stewards
    and auditors match answers to conditions: 'How unusual is the need? (differentiation)'.
    Sentences written for people (why, close calls, what would flip it) use question_label."""
    return f"{LABELS[key][0]} ({key})" if key in LABELS else key


def inputs_text(inputs: dict[str, Any], *, keys: bool = True) -> str:
    """The answers a rule read, each named by its question's label (and key, for the trace),
    with the answer as people read it: 'How unusual is the need? (differentiation): A commodity
    need'; without keys: 'How unusual is the need?: A commodity need'."""
    name = question_text if keys else question_label
    parts = []
    for key, value in inputs.items():
        shown = display_value(key, value) if key in QUESTIONS and value is not None else "—"
        parts.append(f"{name(key)}: {shown}")
    return "; ".join(parts)


# A rule's condition in words as the engine writes it (decisions.engine.describe_condition):
# question keys, choice values, whole numbers (with thousands commas), words and brackets.
_CONDITION_TOKEN = re.compile(r"\d{1,3}(?:,\d{3})+(?!\d)|\d+|[a-z_]+|[^a-z_\d]+")


def condition_text(when: str) -> str:
    """A rule's condition with each question by its label and key and each answer as people
    read it: 'differentiation is tailored_common and months_to_live is less than 6' becomes
    '“How unusual is the need?” (differentiation) is “A common need with some tailoring” and
    “How many months until it must be live?” (months_to_live) is less than 6 months'. Words it
    does not know are kept as they are."""
    if when == "always":
        return "Always"
    shown = []
    key: str | None = None
    for part in _CONDITION_TOKEN.findall(when):
        if part in QUESTIONS:
            key = part
            shown.append(f"“{LABELS[part][0]}” ({part})" if part in LABELS else part)
            continue
        question = QUESTIONS.get(key or "")
        if question is not None and part.replace(",", "").isdigit() and question.type == "int":
            shown.append(display_value(key or "", int(part.replace(",", ""))))
        elif question is not None and question.type == "choice" and part in question.choices:
            shown.append(f"“{display_value(key or '', part)}”")
        elif question is not None and question.type == "bool" and part in ("yes", "no"):
            shown.append(f"“{display_value(key or '', part == 'yes')}”")
        else:
            shown.append(part)
    return "".join(shown)


@dataclass(frozen=True, slots=True)
class TraceRow:
    """One rule as the engine evaluated it: a trace entry of a result or a record's scoring
    trail (decisions.engine.TraceEntry.to_dict), read once into a typed row."""

    rule: str
    description: str
    source: str
    when: str
    fired: bool
    inputs: dict[str, Any]
    effects: dict[str, int]
    gate: list[str]  # the options it rules out when it fires
    factor: str  # format 2 rulesets ("" for format 1)
    rationale: str  # format 2 rulesets ("" for format 1)

    @classmethod
    def of(cls, entry: dict[str, Any]) -> TraceRow:
        """The row of a stored trace entry (any ruleset format)."""
        return cls(
            rule=entry["rule"],
            description=entry.get("description") or "",
            source=entry.get("source") or "",
            when=entry.get("when") or "",
            fired=bool(entry.get("fired")),
            inputs=entry.get("inputs") or {},
            effects=entry.get("effects") or {},
            gate=list(entry.get("gate") or []),
            factor=entry.get("factor") or "",
            rationale=entry.get("rationale") or "",
        )


def trace_of(result: Mapping[str, Any]) -> list[TraceRow]:
    """A result's (or a scoring trail's) trace as typed rows, in the engine's order."""
    return [TraceRow.of(entry) for entry in result.get("trace") or []]


def _is_rule(row: TraceRow) -> bool:
    """A rule of the ruleset, not a row the engine adds (a factor's cap, the cost credit)."""
    return row.rule != COST_RULE_ID and not row.rule.startswith(CAP_RULE_PREFIX)


def fired_count(result: Mapping[str, Any]) -> int:
    """How many of the ruleset's rules fired (caps and the cost credit are not rules)."""
    return sum(1 for row in trace_of(result) if row.fired and _is_rule(row))


def rule_counts(result: Mapping[str, Any]) -> dict[str, int]:
    """For the rule trace's summary: the ruleset's rules evaluated (as many as its ruleset page
    lists), how many fired, and the rows the engine added beside them (caps that bit, the
    cost credit)."""
    rows = trace_of(result)
    rules = sum(1 for row in rows if _is_rule(row))
    return {
        "rule_count": rules,
        "fired_count": fired_count(result),
        "adjustment_count": len(rows) - rules,
    }


def _factor_labels(result: Mapping[str, Any]) -> dict[str, str]:
    """A format 2 result's factor names and labels ({} for format 1)."""
    return {f["factor"]: f["label"] for f in result.get("factors") or []}


def trace_rows(result: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every rule as evaluated, for the rule trace: the questions it read by label and key,
    and (format 2) its factor and the rationale for its weight."""
    factors = _factor_labels(result)
    return [
        {
            "rule": row.rule,
            "description": row.description,
            "source": row.source,
            "rationale": row.rationale,
            "factor": factors.get(row.factor, row.factor),
            "when": condition_text(row.when),
            "fired": row.fired,
            "effects": effects_text(row.effects),
            "gate": ", ".join(OPTION_LABELS[o] for o in row.gate if row.fired),
            "inputs": inputs_text(row.inputs),
        }
        for row in trace_of(result)
    ]


def top_reasons(result: Mapping[str, Any], leader: str) -> list[dict[str, str]]:
    """Fired rules with the biggest effect on the leading option."""
    fired = [row for row in trace_of(result) if row.fired and row.effects.get(leader)]
    fired.sort(key=lambda row: -abs(row.effects[leader]))
    return [
        {
            "points": signed(row.effects[leader]),
            "description": row.description,
            "source": row.source,
        }
        for row in fired[:TOP_REASONS]
    ]


def descriptions(result: Mapping[str, Any]) -> dict[str, str]:
    """Each rule's description by its id."""
    return {row.rule: row.description for row in trace_of(result)}


def assessment_heading(assessment: HasResult) -> dict[str, Any]:
    """What a page says of an assessment outside its presentation (the page's heading and
    title): `assessment`, `result`, `recommended` (the option's label, "" when none is viable)
    and `headline` (recommendation_text). Part of assessment_context."""
    result = assessment.result
    return {
        "assessment": assessment,
        "result": result,
        "recommended": OPTION_LABELS.get(result["recommended"] or "", ""),
        "headline": headline(result, none=""),
    }


def assessment_context(assessment: HasResult) -> dict[str, Any]:
    """What the assessment presentation (includes/assessment_result.html) shows; the
    department's page and the Centre of Excellence's review page both use it."""
    result = assessment.result
    return {
        **assessment_heading(assessment),
        "assessed_at": moment_text(assessment.created_at),
        "rows": option_rows(result, descriptions(result)),
        "trace": trace_rows(result),
        **rule_counts(result),
        "explanation": explanation_lines(result),
        "explained": explained(result),
        "conditions": result["conditions"],
        "other_conditions": other_conditions(result),
        "checks": check_rows(result["policy_checks"]),
        "flips": flip_rows(result.get("flip")),
        "exits": [
            {"label": option_label(option), **exit_view(e)}
            for option, e in result["exit_readiness"].items()
        ],
    }


# The parts of a result a replay compares (decisions.assessments.services.COMPARED_FIELDS), by
# the names the result page gives them.
RESULT_FIELD_LABELS: dict[str, str] = {
    "recommended": "Recommended option",
    "ranking": "Ranking",
    "scores": "Scores",
    "viable": "Viable options",
    "ruled_out": "Ruled out",
    "margin": "Margin",
    "conditions": "Conditions",
    "policy_checks": "Policy checks",
    "exit_readiness": "Exit readiness",
}


def result_field_label(name: str) -> str:
    """A part of a result by name: "Policy checks" for "policy_checks" (a part the presenter
    does not know: its key in words, "Some part")."""
    return RESULT_FIELD_LABELS.get(name) or name.replace("_", " ").capitalize()


def describe_field(name: str, value: Any) -> str:
    """A compared field of a result, in words, for the replay differences table."""
    if value is None:
        return "none"
    if name == "ranking":
        return ", ".join(OPTION_LABELS.get(o, o) for o in value)
    if name == "scores":
        return ", ".join(f"{OPTION_LABELS.get(o, o)} {v}" for o, v in value.items())
    if name == "viable":
        return ", ".join(
            f"{OPTION_LABELS.get(o, o)} {'yes' if v else 'no'}" for o, v in value.items()
        )
    if name == "ruled_out":
        return "; ".join(f"{OPTION_LABELS.get(o, o)} by {', '.join(r)}" for o, r in value.items())
    if name == "conditions":
        return "; ".join(
            f"{OPTION_LABELS.get(c['option'], c['option'])}: {c['text']}" for c in value
        )
    if name == "policy_checks":
        return "; ".join(f"{check_label(c['check'])}: {check_tag(c['result'])[0]}" for c in value)
    if name == "exit_readiness":
        return "; ".join(
            f"{OPTION_LABELS.get(o, o)} {exit_view(e)['text']}" for o, e in value.items()
        )
    if name == "recommended":
        return OPTION_LABELS.get(value, str(value)) or "none"
    return str(value)


def difference_rows(differences: Iterable[dict[str, Any]]) -> list[dict[str, str]]:
    """A replay's differences (decisions.assessments.services.Replay.differences: {"field",
    "was", "now"}) as the differences table shows them: the part of the result by name, and
    the original and replayed values in words."""
    return [
        {
            "field": result_field_label(d["field"]),
            "was": describe_field(d["field"], d["was"]),
            "now": describe_field(d["field"], d["now"]),
        }
        for d in differences
    ]


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


# The seven policy checks by name (decisions.engine.POLICY_CHECKS).
CHECK_LABELS: dict[str, str] = {
    "cloud_first": "Cloud first",
    "share_and_reuse": "Share and reuse",
    "open_source": "Open source",
    "avoid_lock_in": "Avoid lock-in",
    "public_interest_test": "Public interest test",
    "no_tower_model": "No tower model",
    "pilot_first": "Pilot first",
}


def check_label(check: str) -> str:
    """A policy check's name, like "Public interest test"."""
    return CHECK_LABELS.get(check) or check.replace("_", " ").capitalize()


def check_tag(result: str) -> tuple[str, str]:
    """A policy check's result in words with its tag class: ("Explain", "govuk-tag--yellow")
    for "explain", ("Not applicable", ...) for "n/a"."""
    return CHECK_TAGS.get(result, (result, "govuk-tag--grey"))


def check_rows(checks: list[dict[str, Any]] | Any) -> list[dict[str, Any]]:
    """Policy checks as people read them: each check's name, its result in words (`tag`, and
    `result_text`), its reason in words, its source and any explanation as stored."""
    rows = []
    for c in checks or []:
        tag = check_tag(c["result"])
        rows.append(
            {
                **c,
                "label": check_label(c["check"]),
                "reason": check_reason(c.get("reason", "")),
                "tag": tag,
                "result_text": tag[0],
            }
        )
    return rows


def _service_words(m: re.Match[str]) -> str:
    service = m["service"]
    shown = display_value("service_type", service) if service in CHOICE_LABELS else service
    return f"{shown} recommended to {option_label(m['option'])}: "


def _component_words(m: re.Match[str]) -> str:
    found = (
        "meets part of the need" if m["xgov"] == "partial" else "meets the need and is available"
    )
    return f"An existing government component {found}: "


def _exit_words(m: re.Match[str]) -> str:
    level = EXIT_LEVELS.get(m["level"], (m["level"], ""))[0].lower()
    return f"exit readiness for {option_label(m['option'])} is {m['score']} of 100 ({level})"


# The engine's policy check reasons that name an option or an answer by its key, and the same
# sentence in words (the stored reason never changes, so results replay identically).
_REASON_WORDS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (
        re.compile(r"^A (?P<service>[a-z_]+) need recommended to (?P<option>[a-z]+): "),
        _service_words,
    ),
    (
        re.compile(r"^An existing government component is (?P<xgov>partial|available): "),
        _component_words,
    ),
    (
        re.compile(
            r"exit readiness for (?P<option>[a-z]+) is (?P<score>\d+) \((?P<level>[a-z_]+)\)"
        ),
        _exit_words,
    ),
    (
        re.compile(r"^(?P<option>buy|build|partner|procure|innovate) keeps the code"),
        lambda m: f"{option_label(m['option'])} keeps the code",
    ),
)


def check_reason(reason: str) -> str:
    """A policy check's reason as people read it: options by name and answers by their labels
    ("An internal system recommended to Procure: ..." for "A internal_system need recommended
    to procure: ...")."""
    for pattern, words in _REASON_WORDS:
        reason = pattern.sub(words, reason, count=1)
    return reason


def decision_text(action: str, option: str) -> str:
    """ "Approved: Buy" or "Rejected"."""
    if action == "approve":
        return f"Approved: {OPTION_LABELS.get(option, option)}"
    return "Rejected"


# Explanations an auditor can follow (format 2 results; a format 1 result has none of them) ----

ROBUSTNESS_TAGS: dict[str, tuple[str, str]] = {
    "robust": ("Robust", "govuk-tag--green"),
    "fragile": ("Fragile", "govuk-tag--yellow"),
}


def option_label(option: str | None) -> str:
    """An option's name, like "Buy"; "no option" for None."""
    return OPTION_LABELS.get(option or "", option or "no option")


_WHY_AGAINST = re.compile(rf"\b(behind|ahead of) ({'|'.join(OPTIONS)})\b")


def option_why_text(why: str) -> str:
    """An option's stored "why" (record content, options table) as people read it: the option
    it is measured against by its name, so "Scored 30, 12 behind build." reads "Scored 30, 12
    behind Build.". The stored text is hashed and stays as it is; only its display changes."""
    return _WHY_AGAINST.sub(lambda m: f"{m[1]} {option_label(m[2])}", why)


def points_text(points: int) -> str:
    """ "1 point", "5 points"."""
    return f"{points} point{'' if abs(points) == 1 else 's'}"


def change_text(flip: dict[str, Any]) -> str:
    """A single-answer change in words: 'How many people can the department put on it?: 5 FTE
    instead of 12 FTE'."""
    key = flip["key"]
    return (
        f"{question_label(key)}: {answer_shown(key, flip['to'])} instead of "
        f"{answer_shown(key, flip['from'])}"
    )


def _reason(reason: dict[str, Any], factors: dict[str, str]) -> dict[str, Any]:
    """One rule as a reason: its rationale, the answers it read (by label and key), its rule,
    factor and how many points it puts between the two options compared."""
    factor = reason.get("factor") or ""
    return {
        "rule": reason["rule"],
        "factor": factors.get(factor, factor),
        "text": reason["text"],
        "answers": inputs_text(reason.get("answers") or {}, keys=False),
        "points": reason["points"],
    }


def why_view(result: Mapping[str, Any]) -> dict[str, Any] | None:
    """Why this option: the strongest reasons for it and the strongest reason against each
    other viable option, in words (rationales and answers), or None (format 1, no winner)."""
    why = result.get("why")
    if not why:
        return None
    factors = _factor_labels(result)
    winner = option_label(why["option"])
    against = []
    for option, reason in why["against"].items():
        shown = _reason(reason, factors) if reason else None
        if shown is None:
            text = (
                f"{option_label(option)}: no single rule favours {winner} over it; the gap "
                "comes from factor caps or cost estimates."
            )
        else:
            text = (
                f"{option_label(option)}: {shown['text']} ({shown['answers']}; rule "
                f"{shown['rule']}, {points_text(shown['points'])} more for {winner})"
            )
        against.append(
            {"option": option, "label": option_label(option), "reason": shown, "text": text}
        )
    reasons = [_reason(r, factors) for r in why["for"]]
    return {
        "option": why["option"],
        "label": winner,
        "for": [
            {**r, "sentence": f"{r['text']} ({r['answers']}; rule {r['rule']})"} for r in reasons
        ],
        "against": against,
    }


def close_call_view(result: Mapping[str, Any]) -> dict[str, Any] | None:
    """ "Too close to call": the two options, how close, and the answers that would separate
    them (the single-answer changes that make the runner-up the recommendation)."""
    close = result.get("close_call")
    if not close:
        return None
    first, second = close["options"]
    one, two = option_label(first), option_label(second)
    if close["margin"] == 0:
        lead = (
            f"{one} and {two} are tied on {points_text(result['scores'][first])}; the fixed order "
            f"of the options lists {one} first, which decides nothing on its own."
        )
    else:
        lead = (
            f"{one} leads {two} by {points_text(close['margin'])}, under the close-call "
            f"threshold of {points_text(close['below'])}."
        )
    separating = close.get("separating")
    changes = None if separating is None else [change_text(f) for f in separating]
    if changes is None:
        tail = (
            "The flip analysis was not run, so the answers that would separate them are not known."
        )
    elif changes:
        tail = f"These answers would make {two} the recommendation:"
    else:
        tail = f"No change to a single answer makes {two} the recommendation."
    heading = f"Too close to call between {one} and {two}"
    listed = f" {'; '.join(changes)}." if changes else ""
    return {
        "heading": heading,
        "lead": lead,
        "tail": tail,
        "changes": changes or [],
        "text": f"{heading}: {lead} {tail}{listed}",
    }


def robustness_view(result: Mapping[str, Any]) -> dict[str, Any] | None:
    """Robust, or fragile with the smallest change that would flip it, in words."""
    robustness = result.get("robustness")
    if not robustness:
        return None
    level = robustness["level"]
    smallest = robustness.get("smallest_change")
    recommended = option_label(result.get("recommended"))
    if level == "fragile" and smallest:
        key = smallest["key"]
        text = (
            f"Fragile: changing the answer to {question_label(key)} from "
            f"{answer_shown(key, smallest['from'])} to {answer_shown(key, smallest['to'])} would "
            f"make {option_label(smallest['winner'])} the recommendation instead of {recommended}."
        )
    elif level == "fragile":
        close = result.get("close_call") or {}
        text = (
            f"Fragile: {recommended} leads by {points_text(result.get('margin') or 0)}, under the "
            f"close-call threshold of {points_text(close.get('below', 0))}."
        )
    else:
        text = robustness["text"]
    return {"level": level, "tag": ROBUSTNESS_TAGS.get(level, (level, "")), "text": text}


def close_runner_up(result: Mapping[str, Any]) -> str | None:
    """The option too close to call with the recommended one, or None (no close call)."""
    close = result.get("close_call")
    return close["options"][1] if close else None


def recommendation_text(
    recommended: str | None, close_with: str | None = None, *, none: str = "No viable option"
) -> str:
    """The recommendation in a few words for headings, lists and hints: "Build"; "Build, too
    close to call with Partner" when the margin is under the close-call threshold (the fixed
    order of the options never decides alone, so a list never shows a near-tie as settled);
    `none` when no option is viable."""
    if not recommended:
        return none
    if close_with:
        return f"{option_label(recommended)}, too close to call with {option_label(close_with)}"
    return option_label(recommended)


def headline(result: Mapping[str, Any], *, none: str = "No viable option") -> str:
    """A result's recommendation in a few words (recommendation_text)."""
    return recommendation_text(result.get("recommended"), close_runner_up(result), none=none)


def tensions_view(result: Mapping[str, Any]) -> list[dict[str, str]]:
    """The mandatory policy checks the recommended option fails, said as known tensions."""
    reasons = {c["check"]: check_reason(c["reason"]) for c in result.get("policy_checks", [])}
    return [
        {
            "check": t["check"],
            "label": check_label(t["check"]),
            "source": t["source"],
            "text": (
                f"Known tension with {check_label(t['check']).lower()}: the recommended option, "
                f"{option_label(t['option'])}, does not meet it as it stands, and the scoring has "
                f"counted that. {reasons.get(t['check'], '')}"
            ).strip(),
        }
        for t in result.get("tensions") or []
    ]


def factor_rows(result: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each factor's points per option as they count, with what its cap held back."""
    return [
        {
            "label": f["label"],
            "cap": f["cap"],
            "cells": [
                {
                    "option": option_label(o),
                    "counted": f["counted"][o],
                    "raw": f["raw"][o],
                    "capped": f["raw"][o] != f["counted"][o],
                }
                for o in OPTIONS
            ],
        }
        for f in result.get("factors") or []
    ]


def ruled_out_by(result: Mapping[str, Any]) -> dict[str, list[str]]:
    """The gate rules that ruled each option out, in the trace's order: from the result's
    `ruled_out`, or (a record's scoring trail keeps no `ruled_out`) from the fired gates of
    its trace."""
    if "ruled_out" in result:
        return {o: list(rules) for o, rules in result["ruled_out"].items() if rules}
    found: dict[str, list[str]] = {}
    for row in trace_of(result):
        for option in row.gate if row.fired else []:
            found.setdefault(option, []).append(row.rule)
    return found


def explanation_lines(result: Mapping[str, Any]) -> list[str]:
    """Who leads and by how much, and which rules rule each option out, in words (option
    names and the rules' descriptions, never keys): "Build scores 40 points, 12 points ahead
    of Partner (28 points)."; "Procure is ruled out by rule R12: ...". A close call and the
    tensions are said by "Why this option" (explained), so they are not repeated here."""
    scores = result["scores"]
    ranking = result["ranking"]
    recommended = result.get("recommended")
    margin = result.get("margin")
    if recommended is None:
        lines = [
            "No option is viable: every option is ruled out by a gate, so there is no "
            "recommendation."
        ]
    elif margin is None:
        lines = [
            f"{option_label(recommended)} is the only viable option "
            f"({points_text(scores[recommended])})."
        ]
    else:
        second = ranking[1]
        first, other = option_label(recommended), option_label(second)
        if margin == 0:
            lines = [f"{first} and {other} are tied on {points_text(scores[recommended])}."]
        else:
            lines = [
                f"{first} scores {points_text(scores[recommended])}, {points_text(margin)} "
                f"ahead of {other} ({points_text(scores[second])})."
            ]
    texts = descriptions(result)
    gated = ruled_out_by(result)
    for option in ranking:
        rules = gated.get(option)
        if not rules or result["viable"].get(option, True):
            continue
        said = "; ".join(f"{rule}: {texts.get(rule, '')}".rstrip(": ") for rule in rules)
        lines.append(
            f"{option_label(option)} is ruled out by rule{'s' if len(rules) > 1 else ''} {said}"
        )
    return lines


def summary_reasons(result: Mapping[str, Any]) -> list[str]:
    """The result in a few sentences for the public register and OCDS (no answers, so nothing
    unpublishable): who leads and by how much, a close call said as one, what was ruled out."""
    lines = explanation_lines(result)
    close = close_call_view(result)
    if close:
        lines.insert(1, f"{close['heading']}: {close['lead']}")
    return lines


def other_conditions(result: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The conditions each other viable option would carry, for a reviewer weighing another
    option than the recommended one: [{"option", "label", "conditions"}]; options with none
    are left out."""
    by_option = result.get("conditions_by_option") or {}
    return [
        {"option": o, "label": option_label(o), "conditions": by_option[o]}
        for o in result["ranking"]
        if o != result.get("recommended") and result["viable"].get(o) and by_option.get(o)
    ]


def explained(result: Mapping[str, Any]) -> dict[str, Any]:
    """Everything "Why this option" shows (includes/assessment_explained.html): the reasons,
    a close call, robustness, tensions and the factors; empty parts for a format 1 result."""
    return {
        "why": why_view(result),
        "close_call": close_call_view(result),
        "robustness": robustness_view(result),
        "tensions": tensions_view(result),
        "factors": factor_rows(result),
        "option_labels": [option_label(o) for o in OPTIONS],
    }


def record_result(content: RecordContent) -> dict[str, Any]:
    """A record's scoring trail with its policy checks: the parts of the engine result a record
    keeps, in the result's shape, for the functions above."""
    return {**content.get("scoring", {}), "policy_checks": content.get("policy_checks", [])}


def explanation_words(result: Mapping[str, Any]) -> dict[str, Any] | None:
    """The same explanations as plain sentences for the API (None for a format 1 result):
    {"why": {"for": [text], "against": {option: text}}, "close_call": text or null,
    "robustness": text or null, "tensions": [text]}."""
    if not result.get("format"):
        return None
    shown = explained(result)
    why = shown["why"]
    return {
        "why": None
        if why is None
        else {
            "for": [r["sentence"] for r in why["for"]],
            "against": {a["option"]: a["text"] for a in why["against"]},
        },
        "close_call": shown["close_call"]["text"] if shown["close_call"] else None,
        "robustness": shown["robustness"]["text"] if shown["robustness"] else None,
        "tensions": [t["text"] for t in shown["tensions"]],
    }


def public_interest(checks: list[dict[str, Any]], answers: dict[str, Any]) -> dict[str, Any] | None:
    """The Public Interest Test (PPN 024) for services of £1m or more, else None: the engine's
    two parts as stored with the assessment (format 2), or, for an assessment made before the
    engine gave them, the same parts worked out from its answers."""
    check = next((c for c in checks if c.get("check") == "public_interest_test"), None)
    if check is None or check.get("result") == "n/a":
        return None
    parts = check.get("parts") or public_interest_parts(
        answers, threshold_gbp=DEFAULT_PARAMETERS["public_interest_test_gbp"]
    )
    budget = parts.get("budget_gbp")
    return {
        "budget_gbp": budget,
        "budget_text": money_text(budget),
        "reason": check.get("reason", ""),
        "source": check.get("source", ""),
        "good_candidate": parts["good_candidate"]["result"],
        "good_candidate_why": parts["good_candidate"]["why"],
        "ready": parts["ready_to_insource"]["result"],
        "ready_why": parts["ready_to_insource"]["why"],
        "explanation": check.get("explanation", ""),
    }


# Dates, amounts and people as people read them (GOV.UK style); people by person_text and
# user_text, from sourcing.people.names (below the presenter, for the sourcing domain too) ---------


def _moment(value: str | datetime | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def date_text(value: str | date | datetime | None, *, none: str = "") -> str:
    """A day in GOV.UK style: "30 November 2026" (from a date, a datetime in the service's
    time zone, or their ISO text); `none` when there is none."""
    if not value:
        return none
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    if isinstance(value, datetime):
        value = timezone.localtime(value, timezone.get_default_timezone()).date()
    return f"{value.day} {value:%B %Y}"


def moment_text(value: str | datetime | None, *, none: str = "") -> str:
    """A moment in GOV.UK style, in the service's time zone (settings.TIME_ZONE, Europe/London)
    and saying which: "30 November 2026, 8:05am GMT", "1 June 2027, 12pm BST"; `none` when
    there is none."""
    moment = _moment(value)
    if moment is None:
        return none
    local = timezone.localtime(moment, timezone.get_default_timezone())
    hour = local.hour % 12 or 12
    minutes = f":{local.minute:02d}" if local.minute else ""
    return f"{date_text(local)}, {hour}{minutes}{'am' if local.hour < 12 else 'pm'} {local:%Z}"


def money_text(amount: int | None, *, none: str = "Not answered") -> str:
    """Whole pounds with separators: "£1,200,000"; `none` when not given."""
    return f"£{amount:,}" if isinstance(amount, int) and not isinstance(amount, bool) else none


def percent_text(value: float | None, *, none: str = "None") -> str:
    """A share or a variance in per cent, one decimal place: "18.8%"; `none` when there is
    none (nothing to divide by)."""
    return none if value is None else f"{value:,.1f}%"


def variance_text(amount: int | None, percent: float | None, *, none: str = "No estimate") -> str:
    """A cost against its estimate, in words: "£150,000 over (18.8%)", "£20,000 under (2.5%)",
    "On estimate"; `none` without an estimate. Over: the actual cost is above the estimate."""
    if amount is None:
        return none
    if amount == 0:
        return "On estimate"
    share = f" ({percent_text(abs(percent))})" if percent is not None else ""
    return f"£{abs(amount):,} {'over' if amount > 0 else 'under'}{share}"


def over_under_text(percent: float | None, *, none: str = "None") -> str:
    """A variance in per cent, in words: "18.8% over", "2.5% under", "On estimate"."""
    if percent is None:
        return none
    if percent == 0:
        return "On estimate"
    return f"{percent_text(abs(percent))} {'over' if percent > 0 else 'under'}"


def person_text(name: str | None, username: str | None) -> str:
    """A person by their full name, else their username (sourcing.people.names.person_text,
    the one definition, which the sourcing domain's pages use too)."""
    return names.person_text(name, username)


def signoff_how(signoff: Mapping[str, Any]) -> str:
    """How a record's sign-off was given, in words: "Signed in as themselves" (schema
    version 3, a signatory's own sign-off), "Typed by Alice Adeyemi: no account on this
    service" (a typed name for someone with no account), or "Recorded by Alice Adeyemi"
    (records before version 3, where the case's department typed every name)."""
    by = person_text(signoff.get("recorded_by_name"), signoff.get("recorded_by"))
    if signoff.get("signatory"):
        return "Signed in as themselves"
    if signoff.get("no_account"):
        return f"Typed by {by}: no account on this service"
    return f"Recorded by {by}"


STATUS_LABELS: dict[str, str] = dict(CaseStatus.choices)
DISCIPLINE_LABELS: dict[str, str] = dict(Discipline.choices)


def status_label(status: str | None) -> str:
    """A case status by name ("Returned to the department" style labels of CaseStatus)."""
    return STATUS_LABELS.get(status or "", status or "—")


# Exit readiness factors (decisions.engine.policy) by the question they read; the two that are
# no question's answer by their own words.
EXIT_FACTOR_QUESTIONS: dict[str, str] = {
    "incumbent_lock_in": "incumbent_lock_in",
    "open_standards": "open_standards",
    "product_fit": "best_product_fit_pct",
    "market_maturity": "market_maturity",
}
EXIT_FACTOR_LABELS: dict[str, str] = {"data_portability": "Who holds the data"}
EXIT_VALUE_WORDS: dict[str, str] = {
    "owned": "Government owns it",
    "contractual": "Held under contract",
}


def _exit_value(key: str, value: str) -> str:
    """An exit factor's value (stored as text) as people read the answer it came from."""
    question = QUESTIONS.get(key)
    if question is None or value in ("", "None"):
        return EXIT_VALUE_WORDS.get(value, "Not answered" if value in ("", "None") else value)
    if question.type == "bool":
        return display_value(key, value == "yes")
    if question.type == "int":
        digits = value.rstrip("%")
        return display_value(key, int(digits)) if digits.isdigit() else value
    return display_value(key, value)


def exit_factor_rows(factors: list[dict[str, Any]] | Any) -> list[dict[str, Any]]:
    """An option's exit readiness factors in words: the question's label, the answer as people
    read it, the points (signed) and the engine's note."""
    rows = []
    for f in factors or []:
        key = EXIT_FACTOR_QUESTIONS.get(f["factor"], f["factor"])
        label = question_label(key) if key in LABELS else EXIT_FACTOR_LABELS.get(key, key)
        rows.append(
            {
                "label": label,
                "value": _exit_value(key, str(f["value"])),
                "effect": signed(f["effect"]),
                "note": f["note"],
            }
        )
    return rows


def exit_view(readiness: dict[str, Any] | Any) -> dict[str, Any]:
    """An option's exit readiness: score out of 100, its level in words (tag) and factors."""
    level = EXIT_LEVELS.get(readiness["level"], (readiness["level"], "govuk-tag--grey"))
    return {
        "score": readiness["score"],
        "level": level,
        "text": f"{readiness['score']} out of 100 ({level[0].lower()})",
        "factors": exit_factor_rows(readiness.get("factors")),
    }


def flip_rows(flips: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """The single-answer changes that would change the result, each as a sentence in words."""
    rows = []
    for f in flips or []:
        key = f["key"]
        question, was, now = (
            question_label(key),
            answer_shown(key, f["from"]),
            answer_shown(key, f["to"]),
        )
        winner = option_label(f["winner"]) if f["winner"] else None
        outcome = f"{winner} would win" if winner else "no option would be viable"
        rows.append(
            {
                "question": question,
                "was": was,
                "now": now,
                "winner": winner,
                "text": f"If the answer to “{question}” were “{now}” (not “{was}”), {outcome}.",
            }
        )
    return rows


def weight_flip_rows(flips: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """The single rule-weight changes that would change the result, each as a sentence."""
    return [
        {
            **w,
            "text": (
                f"If rule {w['rule']} gave {option_label(w['option'])} {w['to']} points (not "
                f"{w['from']}), {option_label(w['winner'])} would win."
            ),
        }
        for w in flips or []
    ]


# A decision record as people read it: one presentation for its page and its PDF ---------------


def record_view(
    content: RecordContent, *, action: str, decided_option: str, overridden: bool
) -> dict[str, Any]:
    """Everything the record page (decisions/record_detail.html) and the record's PDF
    (decisions/pdf_record.html) show of a record's content, in the same words: questions and
    answers by their questionnaire labels, options and checks by name, amounts in pounds,
    people by full name (by username for records of schema version 1), dates and times in
    GOV.UK style. Any schema version (decisions.record_schema); no queries."""
    identity = content["identity"]
    need = content["need"]
    scoring = content["scoring"]
    accountability = content["accountability"]
    risk = content["risk_and_exit"]
    readiness = risk.get("exit_readiness")
    pilot = risk.get("pilot")
    recommended = (
        option_label(scoring.get("recommended")) if scoring.get("recommended") else ("None viable")
    )
    checks = check_rows(content.get("policy_checks", []))
    history = [
        {
            "at": moment_text(h["at"]),
            "by": person_text(h.get("by_name"), h["by"]),
            "from": status_label(h["from"]) if h["from"] else "—",
            "to": status_label(h["to"]),
            "comment": h["comment"],
        }
        for h in identity.get("status_history", [])
    ]
    return {
        "schema_version": schema_version(content),
        "identity": identity,
        "title": identity["title"],
        "department": identity["department"],
        "decision": decision_text(action, decided_option),
        "recommended": recommended,
        "decided_label": option_label(decided_option) if decided_option else "",
        "created_at": moment_text(identity.get("created_at")),
        "decided_at": moment_text(identity.get("decided_at")),
        "assessed_at": moment_text(identity.get("assessed_at")),
        # A rejected case has nothing to review (records keep the date they were issued with).
        "review_by": "" if action == "reject" else date_text(content.get("review_by")),
        "history": history,
        "summary": need.get("summary", ""),
        "need": answer_rows(need.get("answers", {}), need.get("answers", {}).keys()),
        "thresholds": need.get("thresholds_hit", []),
        "options": [
            {**o, "label": option_label(o["option"]), "why": option_why_text(o.get("why", ""))}
            for o in content.get("options", [])
        ],
        "evidence": answer_rows(content.get("evidence", {}), content.get("evidence", {}).keys()),
        "margin": scoring.get("margin"),
        "scores": [
            {
                "label": option_label(option),
                "score": scoring["scores"].get(option),
                "viable": scoring["viable"].get(option),
            }
            for option in scoring.get("ranking", [])
        ],
        "explanation": explanation_lines(scoring),
        "explained": explained(record_result(content)),
        "trace": trace_rows(scoring),
        **rule_counts(scoring),
        "flips": flip_rows(scoring.get("flip")),
        "weight_flips": weight_flip_rows(scoring.get("weight_flips")),
        "checks": checks,
        "pit": public_interest(checks, content.get("answers", {})),
        "conditions": content.get("conditions", []),
        "lock_in": answer_shown("incumbent_lock_in", risk.get("incumbent_lock_in")),
        "exit": exit_view(readiness) if readiness else None,
        "exit_plan_required": bool(risk.get("exit_plan_required")),
        "pilot": {
            "tag": check_tag(pilot["result"]),
            "reason": check_reason(pilot.get("reason", "")),
        }
        if pilot
        else None,
        "sro": accountability.get("senior_responsible_owner") or "",
        "owner": person_text(accountability.get("owner_name"), accountability.get("owner")),
        "reviewer": person_text(
            accountability["reviewer"].get("name"), accountability["reviewer"].get("username")
        ),
        "reviewer_username": accountability["reviewer"].get("username", ""),
        "overridden": overridden,
        "rationale": accountability.get("rationale", ""),
        "signoffs": [
            {
                "discipline": DISCIPLINE_LABELS.get(s["discipline"], s["discipline"]),
                "name": s["name"],
                "role": s.get("role", ""),
                "comment": s.get("comment", ""),
                "recorded_on": date_text(s.get("recorded_at")),
                "recorded_at": moment_text(s.get("recorded_at")),
                "recorded_by": person_text(s.get("recorded_by_name"), s.get("recorded_by")),
                "answers_version": s.get("answers_version"),
                "how": signoff_how(s),
                "assessment_sha256": s.get("assessment_sha256") or "",
            }
            for s in accountability.get("signoffs", [])
        ],
        "returns": [
            {
                "at": moment_text(r["at"]),
                "by": person_text(r.get("by_name"), r["by"]),
                "comment": r["comment"],
            }
            for r in accountability.get("returns", [])
        ],
        "publishable": content.get("publishable", {}),
    }


# A ruleset's engine parameters (decisions.engine.ruleset.DEFAULT_PARAMETERS and
# FORMAT_2_PARAMETERS) in words, each with how its value reads.
PARAMETER_WORDS: dict[str, tuple[str, Callable[[int], str]]] = {
    "public_interest_test_gbp": (
        "Public interest test for services with a whole-life value of at least",
        money_text,
    ),
    "thin_market_below": (
        "Thin market (pilot first) with fewer credible suppliers than",
        lambda v: f"{v:,}",
    ),
    "cost_credit_max": (
        "Most points the cheapest viable option earns from cost estimates",
        points_text,
    ),
    "exit_readiness_poor_below": (
        "Exit readiness is poor (an exit plan is a condition) below",
        lambda v: f"{v} out of 100",
    ),
    "close_call_below": ("Too close to call when the lead is under", points_text),
    "fragile_change_pct": (
        "A change to a number counts as small within",
        lambda v: f"{v}% of its answer",
    ),
}


def parameter_rows(parameters: dict[str, Any]) -> list[dict[str, str]]:
    """A ruleset's engine parameters as people read them, in the engine's order: what each
    sets, in words, and its value with its unit (a parameter the presenter does not know keeps
    its name)."""
    known = [name for name in PARAMETER_WORDS if name in parameters]
    rows = []
    for name in known + sorted(set(parameters) - set(known)):
        value = parameters[name]
        label, words = PARAMETER_WORDS.get(name, (name, str))
        shown = words(value) if isinstance(value, int) and not isinstance(value, bool) else value
        rows.append({"name": name, "label": label, "value": str(shown)})
    return rows


def answer_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[dict[str, str]]:
    """The answers that differ between two sets (e.g. as a case was returned, and as it is
    resubmitted), in questionnaire order: `{key, label, section, before, after}` in words
    ("Not answered" for a missing answer)."""
    rows = []
    for section in SECTIONS:
        for key in section.keys:
            old, new = before.get(key), after.get(key)
            if old == new:
                continue
            rows.append(
                {
                    "key": key,
                    "label": question_label(key),
                    "section": section.title,
                    "before": answer_shown(key, old) if old is not None else "Not answered",
                    "after": answer_shown(key, new) if new is not None else "Not answered",
                }
            )
    return rows


def explanation_changes(
    before: Mapping[str, str], after: Mapping[str, str]
) -> list[dict[str, str]]:
    """The policy explanations that differ between two sets, by check name: `{check, label,
    before, after}` ("" where there was none)."""
    return [
        {
            "check": check,
            "label": check_label(check),
            "before": before.get(check, ""),
            "after": after.get(check, ""),
        }
        for check in sorted(set(before) | set(after))
        if before.get(check, "") != after.get(check, "")
    ]


def similar_cases_text(options: Mapping[str, int]) -> str:
    """The consistency check's line, from each option's count of similar decisions (most
    first): "4 similar cases: 3 decided Partner, 1 Procure"; "No similar cases" for none."""
    count = sum(options.values())
    if not count:
        return "No similar cases"
    noun = "case" if count == 1 else "cases"
    parts = [f"{n} {option_label(option)}" for option, n in options.items()]
    parts[0] = parts[0].replace(" ", " decided ", 1)
    return f"{count} similar {noun}: {', '.join(parts)}"
