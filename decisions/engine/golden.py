"""Golden cases: answers with an agreed outcome, run against a ruleset before publishing."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from decisions.engine.assess import Answers, InvalidAnswers, assess
from decisions.engine.hashable import hashable_problems
from decisions.engine.policy import POLICY_CHECKS
from decisions.engine.ruleset import GOLDEN_CASES_PATH, Ruleset, canonical_bytes, read_json_file
from decisions.engine.schema import OPTIONS

EXPECTED_FIELDS = frozenset(
    {
        "recommended",
        "also_acceptable",
        "acceptable_because",
        "too_close_to_call",
        "must_be_ruled_out",
        "conditions",
        "policy_checks",
    }
)
CASE_FIELDS = frozenset({"id", "title", "answers", "expected", "sources", "basis", "revision"})
RESULTS = frozenset({"complies", "explain", "n/a"})


@dataclass(frozen=True, slots=True)
class GoldenCase:
    """One agreed case: answers and what the recommendation must be.

    also_acceptable: for a genuinely mixed case, other options that also pass, with the reason
    in acceptable_because. too_close_to_call: when not None, whether the result must (True) or
    must not (False) report a close call. sources, basis and revision document the case: the
    public sources of a real decision, why the expected answer is right, and why and how the
    case was changed ({"in": version, "reason": text, "previously": {...}}).
    """

    id: str
    title: str
    answers: Answers
    recommended: str | None
    must_be_ruled_out: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()  # rule ids or (case-insensitive) text fragments
    policy_checks: tuple[tuple[str, str], ...] = ()
    also_acceptable: tuple[str, ...] = ()
    acceptable_because: str = ""
    too_close_to_call: bool | None = None
    sources: tuple[str, ...] = ()
    basis: str = ""
    revision: Mapping[str, Any] | None = None

    @property
    def acceptable(self) -> tuple[str | None, ...]:
        """Every recommendation that passes: the expected one first."""
        return (self.recommended, *self.also_acceptable)

    def to_dict(self) -> dict[str, Any]:
        """The case in the file format (the optional fields only when given)."""
        expected: dict[str, Any] = {"recommended": self.recommended}
        if self.also_acceptable:
            expected["also_acceptable"] = list(self.also_acceptable)
            expected["acceptable_because"] = self.acceptable_because
        if self.too_close_to_call is not None:
            expected["too_close_to_call"] = self.too_close_to_call
        expected |= {
            "must_be_ruled_out": list(self.must_be_ruled_out),
            "conditions": list(self.conditions),
            "policy_checks": dict(self.policy_checks),
        }
        data: dict[str, Any] = {
            "id": self.id,
            "title": self.title,
            "answers": self.answers.as_dict(),
            "expected": expected,
        }
        if self.sources:
            data["sources"] = list(self.sources)
        if self.basis:
            data["basis"] = self.basis
        if self.revision is not None:
            data["revision"] = dict(self.revision)
        return data


class GoldenCaseError(ValueError):
    """Golden case data that cannot be used, with every problem as 'case id: field: message'."""

    def __init__(self, problems: list[str]) -> None:
        """Keep the problems and summarise them as the message."""
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True, slots=True)
class GoldenResult:
    """One case's outcome: passed, or the list of mismatches."""

    case_id: str
    title: str
    recommended: str | None
    mismatches: tuple[str, ...]

    @property
    def passed(self) -> bool:
        """True when nothing differs from the expected outcome."""
        return not self.mismatches


@dataclass(frozen=True, slots=True)
class GoldenReport:
    """A ruleset run against golden cases."""

    ruleset_version: str
    ruleset_sha256: str
    results: tuple[GoldenResult, ...]

    @property
    def passed(self) -> bool:
        """True when every case passed (the condition for publishing)."""
        return all(r.passed for r in self.results)

    @property
    def failures(self) -> tuple[GoldenResult, ...]:
        """The cases with mismatches."""
        return tuple(r for r in self.results if not r.passed)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "ruleset": {"version": self.ruleset_version, "sha256": self.ruleset_sha256},
            "passed": self.passed,
            "total": len(self.results),
            "failed": len(self.failures),
            "results": [
                {
                    "case": r.case_id,
                    "title": r.title,
                    "recommended": r.recommended,
                    "passed": r.passed,
                    "mismatches": list(r.mismatches),
                }
                for r in self.results
            ],
        }


def _case(raw: Any, index: int, seen: set[str], problems: list[str]) -> GoldenCase | None:
    """One validated case, or None after adding its problems."""
    if not isinstance(raw, Mapping):
        problems.append(f"#{index + 1}: case: must be an object")
        return None
    unhashable = hashable_problems(raw)
    if unhashable:  # the input gate: the rest of the checks assume hashable JSON values
        problems += [f"#{index + 1}: {p.dotted or 'case'}: {p.message}" for p in unhashable]
        return None
    case_id = raw.get("id")
    name = case_id if isinstance(case_id, str) and case_id else f"#{index + 1}"
    before = len(problems)
    for field in sorted(set(raw) - CASE_FIELDS, key=str):
        problems.append(f"{name}: {field}: unknown field")
    problems += _documentation_problems(raw, name)
    if not (isinstance(case_id, str) and case_id):
        problems.append(f"{name}: id: missing")
    elif case_id in seen:
        problems.append(f"{name}: id: duplicate")
    seen.add(name)
    answers: Answers | None = None
    try:
        answers = Answers.from_mapping(raw.get("answers", {}))
    except InvalidAnswers as exc:
        problems += [f"{name}: answers.{e.key}: {e.message}" for e in exc.errors]
    expected = raw.get("expected")
    if not isinstance(expected, Mapping) or "recommended" not in expected:
        problems.append(f"{name}: expected: must be an object with at least 'recommended'")
        return None
    for field in sorted(set(expected) - EXPECTED_FIELDS):
        problems.append(f"{name}: expected.{field}: unknown field")
    recommended = expected["recommended"]
    if recommended is not None and recommended not in OPTIONS:
        problems.append(f"{name}: expected.recommended: unknown option {recommended!r}")
    also = expected.get("also_acceptable", [])
    because = expected.get("acceptable_because", "")
    if not isinstance(also, list) or any(o not in OPTIONS or o == recommended for o in also):
        problems.append(
            f"{name}: expected.also_acceptable: must be a list of other options than the "
            "recommended one"
        )
    elif also and not (isinstance(because, str) and because.strip()):
        problems.append(
            f"{name}: expected.acceptable_because: say why the other options are acceptable"
        )
    close = expected.get("too_close_to_call")
    if close is not None and not isinstance(close, bool):
        problems.append(f"{name}: expected.too_close_to_call: must be true or false")
    ruled_out = expected.get("must_be_ruled_out", [])
    if not isinstance(ruled_out, list) or any(o not in OPTIONS for o in ruled_out):
        problems.append(f"{name}: expected.must_be_ruled_out: must be a list of options")
    conditions = expected.get("conditions", [])
    if not isinstance(conditions, list) or not all(isinstance(c, str) and c for c in conditions):
        problems.append(
            f"{name}: expected.conditions: must be a list of rule ids or text fragments"
        )
    checks = expected.get("policy_checks", {})
    if not isinstance(checks, Mapping):
        problems.append(f"{name}: expected.policy_checks: must map a check to its result")
    else:
        for check, result in checks.items():
            if check not in POLICY_CHECKS:
                problems.append(f"{name}: expected.policy_checks.{check}: unknown check")
            elif not isinstance(result, str) or result not in RESULTS:
                problems.append(
                    f"{name}: expected.policy_checks.{check}: use complies, explain or n/a"
                )
    if len(problems) > before or answers is None:
        return None
    return GoldenCase(
        id=name,
        title=str(raw.get("title", "")),
        answers=answers,
        recommended=recommended,
        must_be_ruled_out=tuple(ruled_out),
        conditions=tuple(conditions),
        policy_checks=tuple(checks.items()),
        also_acceptable=tuple(also),
        acceptable_because=str(because) if also else "",
        too_close_to_call=close,
        sources=tuple(raw.get("sources", ())),
        basis=str(raw.get("basis", "")),
        revision=raw.get("revision"),
    )


def _documentation_problems(raw: Mapping[str, Any], name: str) -> list[str]:
    """Problems with a case's sources, basis and revision note."""
    problems = []
    sources = raw.get("sources", [])
    if not isinstance(sources, list) or not all(isinstance(u, str) and u for u in sources):
        problems.append(f"{name}: sources: must be a list of addresses or references")
    if not isinstance(raw.get("basis", ""), str):
        problems.append(f"{name}: basis: must be text")
    revision = raw.get("revision")
    if revision is not None and not (
        isinstance(revision, Mapping)
        and isinstance(revision.get("reason"), str)
        and revision["reason"].strip()
    ):
        problems.append(f"{name}: revision: must be an object with a reason")
    return problems


def load_golden_cases(
    source: str | Path | Mapping[str, Any] | Sequence[Any] | None = None,
) -> tuple[GoldenCase, ...]:
    """Golden cases from a file path, {"cases": [...]}, or a list; the shipped file by default."""
    data: Any = (
        read_json_file(GOLDEN_CASES_PATH if source is None else source)
        if (source is None or isinstance(source, str | Path))
        else source
    )
    raw_cases = data.get("cases") if isinstance(data, Mapping) else data
    if not isinstance(raw_cases, list):
        raise GoldenCaseError(["cases: must be a list of cases"])
    problems: list[str] = []
    seen: set[str] = set()
    cases = [_case(raw, i, seen, problems) for i, raw in enumerate(raw_cases)]
    if problems:
        raise GoldenCaseError(problems)
    return tuple(c for c in cases if c is not None)


CONTENT_FIELDS = ("title", "answers", "expected")


def case_sha256(case: GoldenCase, *, documented: bool = True) -> str:
    """sha256 of a case's canonical JSON, its id left out: what it says (title, answers,
    expected outcome) and, when documented, its sources, basis and revision note too."""
    data = case.to_dict()
    del data["id"]
    if not documented:
        data = {name: data[name] for name in CONTENT_FIELDS}
    return hashlib.sha256(canonical_bytes(data)).hexdigest()


def previous_case(case: GoldenCase) -> GoldenCase | None:
    """The case as it was before its revision (from revision.previously: its title, expected
    outcome and the answers that differed, null meaning not answered), or None if it has none."""
    before = (case.revision or {}).get("previously")
    if not isinstance(before, Mapping):
        return None
    data = case.to_dict()
    answers = {**data["answers"], **before.get("answers", {})}
    raw = {
        "id": case.id,
        "title": before.get("title", data["title"]),
        "answers": {key: value for key, value in answers.items() if value is not None},
        "expected": before.get("expected", data["expected"]),
    }
    return load_golden_cases([raw])[0]


def check_case(case: GoldenCase, ruleset: Ruleset) -> GoldenResult:
    """Assess one golden case and list every way the result differs from what was agreed."""
    result = assess(case.answers, ruleset, with_flip=False)
    mismatches = []
    if result.recommended not in case.acceptable:
        wanted = " or ".join(str(o) for o in case.acceptable)
        mismatches.append(f"recommended: expected {wanted}, got {result.recommended}")
    if case.too_close_to_call is not None and ruleset.format >= 2:
        close = result.close_call is not None
        if close != case.too_close_to_call:
            mismatches.append(
                f"too_close_to_call: expected {str(case.too_close_to_call).lower()}, "
                f"got {str(close).lower()}"
            )
    for option in case.must_be_ruled_out:
        if result.viable[option]:
            mismatches.append(f"must_be_ruled_out: {option} is still viable")
    for wanted in case.conditions:
        if not any(c.rule == wanted or wanted.lower() in c.text.lower() for c in result.conditions):
            mismatches.append(f"conditions: none matches {wanted!r}")
    got = {p.check: p.result for p in result.policy_checks}
    for check, expected in case.policy_checks:
        if got[check] != expected:
            mismatches.append(f"policy_checks.{check}: expected {expected}, got {got[check]}")
    return GoldenResult(case.id, case.title, result.recommended, tuple(mismatches))


def run_golden_cases(ruleset: Ruleset, cases: Sequence[GoldenCase] | None = None) -> GoldenReport:
    """Run a ruleset against golden cases (the shipped ones by default) and report each mismatch."""
    chosen = load_golden_cases() if cases is None else cases
    return GoldenReport(
        ruleset.version, ruleset.sha256, tuple(check_case(c, ruleset) for c in chosen)
    )
