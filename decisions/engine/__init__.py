"""The rules engine: pure Python (no Django), deterministic, with a full trace of every rule."""

from __future__ import annotations

from decisions.engine.assess import (
    Answers,
    Assessment,
    Condition,
    Flip,
    InvalidAnswers,
    TraceEntry,
    WeightFlip,
    assess,
    rank,
    winner,
)
from decisions.engine.conditions import condition_problems, describe_condition
from decisions.engine.golden import (
    GoldenCase,
    GoldenCaseError,
    GoldenReport,
    GoldenResult,
    load_golden_cases,
    run_golden_cases,
)
from decisions.engine.impact import Change, ImpactReport, impact_preview
from decisions.engine.policy import POLICY_CHECKS, ExitReadiness, PolicyCheck
from decisions.engine.ruleset import (
    DEFAULT_RULESET_PATH,
    GOLDEN_CASES_PATH,
    Rule,
    Ruleset,
    RulesetError,
    RulesetProblem,
    default_ruleset,
    load_ruleset,
    load_ruleset_file,
    ruleset_problems,
)
from decisions.engine.schema import (
    OPTIONS,
    QUESTION_KEYS,
    QUESTIONS,
    AnswerError,
    Question,
    validate_answers,
)

__all__ = [
    "DEFAULT_RULESET_PATH",
    "GOLDEN_CASES_PATH",
    "OPTIONS",
    "POLICY_CHECKS",
    "QUESTIONS",
    "QUESTION_KEYS",
    "AnswerError",
    "Answers",
    "Assessment",
    "Change",
    "Condition",
    "ExitReadiness",
    "Flip",
    "GoldenCase",
    "GoldenCaseError",
    "GoldenReport",
    "GoldenResult",
    "ImpactReport",
    "InvalidAnswers",
    "PolicyCheck",
    "Question",
    "Rule",
    "Ruleset",
    "RulesetError",
    "RulesetProblem",
    "TraceEntry",
    "WeightFlip",
    "assess",
    "condition_problems",
    "default_ruleset",
    "describe_condition",
    "impact_preview",
    "load_golden_cases",
    "load_ruleset",
    "load_ruleset_file",
    "rank",
    "ruleset_problems",
    "run_golden_cases",
    "validate_answers",
    "winner",
]
