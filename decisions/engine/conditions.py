"""The rules' condition language: validated, described in plain English, compiled to closures.

A condition is JSON: {"all": [...]}, {"any": [...]}, {"not": c}, {"eq": [key, value]},
{"in": [key, [values]]}, {"lt"|"lte"|"gt"|"gte": [key, number]}, {"present": key},
{"absent": key} or {"always": true}. Nothing is ever passed to eval (docs/decisions/0007).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from decisions.engine.schema import QUESTIONS, is_int, value_error

Predicate = Callable[[Mapping[str, Any]], bool]

COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "lt": operator.lt,
    "lte": operator.le,
    "gt": operator.gt,
    "gte": operator.ge,
}
COMPARISON_WORDS = {"lt": "less than", "lte": "at most", "gt": "more than", "gte": "at least"}
OPERATORS = (
    "all",
    "any",
    "not",
    "eq",
    "in",
    "lt",
    "lte",
    "gt",
    "gte",
    "present",
    "absent",
    "always",
)


MAX_DEPTH = 12  # deeper nesting is a mistake, and would risk Python's recursion limit


def condition_problems(cond: Any, path: str = "when", depth: int = 0) -> list[tuple[str, str]]:
    """Every problem in a condition as (field path, message); empty when it is well formed."""
    if depth > MAX_DEPTH:
        return [(path, f"conditions may be nested at most {MAX_DEPTH} deep")]
    if not isinstance(cond, Mapping) or len(cond) != 1:
        return [
            (path, f"a condition must be an object with exactly one of: {', '.join(OPERATORS)}")
        ]
    ((op, arg),) = cond.items()
    here = f"{path}.{op}"
    if op in ("all", "any"):
        if not isinstance(arg, list) or not arg:
            return [(here, f"{op} needs a non-empty list of conditions")]
        problems: list[tuple[str, str]] = []
        for i, item in enumerate(arg):
            problems += condition_problems(item, f"{here}[{i}]", depth + 1)
        return problems
    if op == "not":
        return condition_problems(arg, here, depth + 1)
    if op == "always":
        return [] if arg is True else [(here, "always must be true")]
    if op in ("present", "absent"):
        if not isinstance(arg, str) or arg not in QUESTIONS:
            return [(here, f"unknown questionnaire key {arg!r}")]
        return []
    if op not in ("eq", "in", *COMPARISONS):
        return [(path, f"unknown operator {op!r}; use one of: {', '.join(OPERATORS)}")]
    if not isinstance(arg, list) or len(arg) != 2:
        return [(here, f"{op} needs a list of [key, value]")]
    key, value = arg
    question = QUESTIONS.get(key) if isinstance(key, str) else None
    if question is None:
        return [(here, f"unknown questionnaire key {key!r}")]
    if question.type == "cost_map":
        return [(here, f"{key} can only be tested with present or absent")]
    if op in COMPARISONS:
        if question.type != "int":
            return [(here, f"{op} compares numbers but {key} is a {question.type}")]
        if not is_int(value):
            return [(here, f"{op} needs a whole number to compare {key} with, not {value!r}")]
        return []
    values = value if op == "in" else [value]
    if op == "in" and (not isinstance(value, list) or not value):
        return [(here, f"in needs a non-empty list of values for {key}")]
    problems = []
    for item in values:
        message = value_error(question, item)
        if message:
            problems.append((here, f"{item!r} is not a possible value: {message}"))
    return problems


def compile_condition(cond: Mapping[str, Any]) -> Predicate:
    """A fast closure for a condition already checked by condition_problems."""
    ((op, arg),) = cond.items()
    if op == "all":
        parts = tuple(compile_condition(c) for c in arg)
        if len(parts) == 2:
            first, second = parts
            return lambda a: first(a) and second(a)
        return lambda a: all(p(a) for p in parts)
    if op == "any":
        parts = tuple(compile_condition(c) for c in arg)
        return lambda a: any(p(a) for p in parts)
    if op == "not":
        inner = compile_condition(arg)
        return lambda a: not inner(a)
    if op == "always":
        return lambda a: True
    if op == "present":
        return lambda a: arg in a
    if op == "absent":
        return lambda a: arg not in a
    key, value = arg
    if op == "eq":
        # `is` for bools so that True never equals 1.
        if isinstance(value, bool):
            return lambda a: a.get(key) is value
        return lambda a: a.get(key) == value
    if op == "in":
        members = frozenset(value)
        return lambda a: a.get(key) in members
    compare = COMPARISONS[op]

    def compared(a: Mapping[str, Any]) -> bool:
        current = a.get(key)
        return current is not None and compare(current, value)

    return compared


def keys_read(cond: Mapping[str, Any]) -> tuple[str, ...]:
    """The questionnaire keys a condition reads, in first-seen order."""
    seen: dict[str, None] = {}
    _walk_keys(cond, seen)
    return tuple(seen)


def _walk_keys(cond: Mapping[str, Any], seen: dict[str, None]) -> None:
    """Collect keys read by a condition into seen."""
    ((op, arg),) = cond.items()
    if op in ("all", "any"):
        for item in arg:
            _walk_keys(item, seen)
    elif op == "not":
        _walk_keys(arg, seen)
    elif op in ("present", "absent"):
        seen[arg] = None
    elif op != "always":
        seen[arg[0]] = None


def _tests(cond: Mapping[str, Any]) -> Iterator[tuple[str, str, list[Any]]]:
    """Every test of an answer's value in a condition: (operator, key, the values it names)."""
    ((op, arg),) = cond.items()
    if op in ("all", "any"):
        for item in arg:
            yield from _tests(item)
    elif op == "not":
        yield from _tests(arg)
    elif op in ("eq", "in", *COMPARISONS):
        yield op, arg[0], list(arg[1]) if op == "in" else [arg[1]]


def int_constants(cond: Mapping[str, Any]) -> dict[str, set[int]]:
    """Numbers each integer key is compared with: the thresholds flip analysis tries."""
    found: dict[str, set[int]] = {}
    for _, key, values in _tests(cond):
        if QUESTIONS[key].type == "int":
            found.setdefault(key, set()).update(values)
    return found


def value_sets(cond: Mapping[str, Any]) -> dict[str, set[frozenset[Any]]]:
    """The sets of values each choice or yes/no key is tested for membership of (eq, in)."""
    found: dict[str, set[frozenset[Any]]] = {}
    for _, key, values in _tests(cond):
        if QUESTIONS[key].type != "int":
            found.setdefault(key, set()).add(frozenset(values))
    return found


def _word(value: Any) -> str:
    """A value as people read it."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if is_int(value):
        return f"{value:,}"
    return str(value)


def describe_condition(cond: Mapping[str, Any]) -> str:
    """The condition in plain English, e.g. 'differentiation is commodity and ... at least 80'."""
    return _describe(cond, nested=False)


def _describe(cond: Mapping[str, Any], *, nested: bool) -> str:
    """Describe a condition, bracketing compound parts inside another compound."""
    ((op, arg),) = cond.items()
    if op in ("all", "any"):
        joiner = " and " if op == "all" else " or "
        text = joiner.join(_describe(c, nested=True) for c in arg)
        return f"({text})" if nested and len(arg) > 1 else text
    if op == "not":
        return f"not ({_describe(arg, nested=False)})"
    if op == "always":
        return "always"
    if op == "present":
        return f"{arg} is answered"
    if op == "absent":
        return f"{arg} is not answered"
    key, value = arg
    if op == "eq":
        return f"{key} is {_word(value)}"
    if op == "in":
        words = [_word(v) for v in value]
        listed = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]
        return f"{key} is {listed}"
    return f"{key} is {COMPARISON_WORDS[op]} {_word(value)}"
