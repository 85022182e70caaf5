"""The input gate for everything that is hashed: values RFC 8785 can canonicalise and
PostgreSQL's jsonb can store, within a bounded depth and size.

Answers, rulesets, rules, golden cases and audit payloads are hashed over RFC 8785 canonical
JSON and stored as jsonb. RFC 8785 (section 3.2.2.3, I-JSON) allows integers only within
±(2**53 - 1) and refuses lone surrogates, NaN and the infinities; jsonb refuses the NUL
character (U+0000); deep nesting exhausts Python's recursion limit in the hashing and in
error messages. `hashable_problems` names every such value by its path, so a service can
refuse the input as field errors with nothing saved; `require_hashable` is the last guard
before hashing; `parse_json` reads JSON text (an API body, an uploaded file, a form's JSON
field) through the same gate and never raises anything but `JsonRejected`.

Pure Python, no Django: every layer above the engine may use it.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import orjson
import rfc8785

SAFE_INTEGER: Final[int] = 2**53 - 1  # RFC 8785 / I-JSON: integers exact in an IEEE double
MAX_DEPTH: Final[int] = 64  # nesting levels of objects and arrays (a ruleset needs about 30)
MAX_VALUES: Final[int] = 200_000  # values in one document (strings, numbers, objects...)
MAX_STRING: Final[int] = 1_000_000  # characters in one string
PROBLEMS_SHOWN: Final[int] = 20  # a document with more problems lists the first ones
# json.loads turns integer literals into int with CPython's int-string limit (4300 digits),
# which raises a bare ValueError. Any literal longer than this is out of range anyway.
_INT_DIGITS: Final[int] = len(str(SAFE_INTEGER)) + 1

Path = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class GateProblem:
    """One value that cannot be hashed or stored: where it is and why (a GOV.UK-style message)."""

    path: Path
    message: str

    @property
    def dotted(self) -> str:
        """The path as people read it: answers.months_to_live, rules[3].when.all[0]."""
        return dotted(self.path)

    def __str__(self) -> str:
        """The problem as one line."""
        return f"{self.dotted or 'the value'}: {self.message}"


class Unhashable(ValueError):
    """A value that the gate refuses, with every problem found (the first PROBLEMS_SHOWN)."""

    def __init__(self, problems: list[GateProblem]) -> None:
        """Keep the problems and summarise them as the message."""
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


class JsonRejected(ValueError):
    """JSON text that is malformed (`syntax` true: a 400) or holds values the gate refuses.

    For malformed text, `reason` says why in a few words ("Expecting value (line 1, column
    11)") and is the exception's message; `problems` holds one problem at the text's path.
    """

    def __init__(self, problems: list[GateProblem], *, syntax: bool, reason: str = "") -> None:
        """Keep the problems; `syntax` tells a parse failure from refused values."""
        self.problems = problems
        self.syntax = syntax
        self.reason = reason
        super().__init__(reason or "; ".join(str(p) for p in problems))

    @classmethod
    def malformed(cls, path: Path, reason: str) -> JsonRejected:
        """Text that cannot be read as JSON, and why."""
        return cls([GateProblem(path, f"is not valid JSON: {reason}")], syntax=True, reason=reason)


def dotted(path: Path) -> str:
    """A path as one string: keys joined by dots, list positions in brackets."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _shown(text: str) -> str:
    """A short, printable excerpt of a string for a message (surrogates escaped)."""
    excerpt = text[:40].encode("utf-8", "backslashreplace").decode("utf-8")
    return repr(excerpt)


def _string_problem(text: str) -> str | None:
    """Why a string cannot be hashed or stored, or None."""
    if len(text) > MAX_STRING:
        return f"must be {MAX_STRING:,} characters or fewer"
    if "\x00" in text:
        return "must not contain the null character (U+0000)"
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            code = ord(text[exc.start])
            return f"must not contain a lone surrogate (U+{code:04X}): it is not a character"
    return None


def _integer_message() -> str:
    return f"must be a whole number from -{SAFE_INTEGER:,} to {SAFE_INTEGER:,}"


def _number_message() -> str:
    return f"must be a number from -{SAFE_INTEGER:,} to {SAFE_INTEGER:,}"


def hashable_problems(
    value: Any,
    *,
    path: Path = (),
    max_depth: int = MAX_DEPTH,
    max_values: int = MAX_VALUES,
) -> list[GateProblem]:
    """Every value under `value` that RFC 8785 cannot hash or jsonb cannot store.

    Refused: numbers outside ±(2**53 - 1), NaN and infinities, strings with a lone surrogate
    or a NUL or over MAX_STRING characters, object keys that are not strings, anything that is
    not a JSON value, nesting deeper than `max_depth`, more than `max_values` values. Returns
    at most PROBLEMS_SHOWN problems, in document order; empty when the value may be hashed.
    Walks iteratively, so any depth is safe to check.
    """
    problems: list[GateProblem] = []
    stack: list[tuple[Path, Any, int]] = [(path, value, 0)]
    seen = 0
    while stack and len(problems) < PROBLEMS_SHOWN:
        where, item, depth = stack.pop()
        seen += 1
        if seen > max_values:
            problems.append(GateProblem(path, f"must hold {max_values:,} values or fewer"))
            break
        if item is None or isinstance(item, bool):
            continue
        if isinstance(item, int):
            if not -SAFE_INTEGER <= item <= SAFE_INTEGER:
                problems.append(GateProblem(where, _integer_message()))
        elif isinstance(item, float):
            if not math.isfinite(item):
                problems.append(GateProblem(where, "must be a finite number"))
            elif abs(item) > SAFE_INTEGER:  # RFC 8785 would write it as an unsafe integer
                problems.append(GateProblem(where, _number_message()))
        elif isinstance(item, str):
            message = _string_problem(item)
            if message:
                problems.append(GateProblem(where, message))
        elif isinstance(item, Mapping | list | tuple):
            if depth >= max_depth:
                problems.append(GateProblem(where, f"must be nested {max_depth} deep or less"))
                continue
            children: list[tuple[Path, Any, int]] = []
            if isinstance(item, Mapping):
                for key, child in item.items():
                    if not isinstance(key, str):
                        problems.append(GateProblem(where, f"has a key that is not text: {key!r}"))
                        continue
                    message = _string_problem(key)
                    if message:
                        problems.append(GateProblem(where, f"has a key that {message}"))
                        continue
                    children.append(((*where, key), child, depth + 1))
            else:
                children = [((*where, i), child, depth + 1) for i, child in enumerate(item)]
            stack.extend(reversed(children))
        else:
            problems.append(GateProblem(where, f"is not a JSON value ({type(item).__name__})"))
    return problems[:PROBLEMS_SHOWN]


def require_hashable(value: Any, *, what: str = "value") -> None:
    """The last guard before hashing: raises Unhashable naming every refused value."""
    problems = hashable_problems(value, path=(what,))
    if problems:
        raise Unhashable(problems)


def no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object hook refusing a key given twice (json would silently keep the last)."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"the key {_shown(key)} appears twice in one object")
        result[key] = value
    return result


def _int_within_reach(literal: str) -> int:
    """An integer literal as int; one too long to be in range becomes the first integer out
    of range (the gate refuses it with the same message), so CPython's 4300-digit
    int-string limit is never reached."""
    if len(literal.lstrip("-")) <= _INT_DIGITS:
        return int(literal)
    return -(SAFE_INTEGER + 1) if literal.startswith("-") else SAFE_INTEGER + 1


def parse_json(
    raw: bytes | str, *, path: Path = (), max_depth: int = MAX_DEPTH, gate: bool = True
) -> Any:
    """JSON text as data that may be hashed and stored, or JsonRejected saying why not.

    Malformed text (not UTF-8, a syntax error, a key given twice, nesting beyond the
    recursion limit) is rejected with `syntax` true and one problem at `path`; values the
    gate refuses are rejected with `syntax` false, each problem at its own path under `path`.
    With `gate` false only malformed text is rejected: for callers whose own validation runs
    the gate and names the problems in its own terms (a ruleset's by rule id). Integer
    literals too long to be in range are read as the first integer out of range either way.
    """
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError as exc:
        raise JsonRejected.malformed(path, f"byte {exc.start + 1} is not UTF-8 text") from None
    try:
        data = json.loads(text, parse_int=_int_within_reach, object_pairs_hook=no_duplicate_keys)
    except json.JSONDecodeError as exc:
        reason = f"{exc.msg} (line {exc.lineno}, column {exc.colno})"
        raise JsonRejected.malformed(path, reason) from None
    except RecursionError:
        reason = f"it is nested too deeply to read (more than {max_depth} levels are refused)"
        raise JsonRejected.malformed(path, reason) from None
    except ValueError as exc:  # a key given twice
        raise JsonRejected.malformed(path, str(exc)) from None
    problems = hashable_problems(data, path=path, max_depth=max_depth) if gate else []
    if problems:
        raise JsonRejected(problems, syntax=False)
    return data


# In json.dumps's output, what RFC 8785 may write otherwise: a number token with a fraction or
# an exponent (a float: after a key's colon or in an array, up to the comma, bracket or brace
# that ends it) and any character from U+E000 up (keys there sort differently by UTF-16 unit
# than by code point). Strings may trip these too (then rfc8785 does the work: slower, never
# wrong); "£1,000,000." does not. Integers beyond ±(2**53 - 1), which rfc8785 refuses, are
# refused by the gate before anything is hashed (hashable_problems).
_FLOAT = r'(?:":|[\[,])-?\d+(?:\.\d+(?:[eE][-+]?\d+)?|[eE][-+]?\d+)[,\]}]'
_FLOAT_TOKEN = re.compile(_FLOAT)
_FLOAT_TOKEN_BYTES = re.compile(_FLOAT.encode())
_HIGH_CHARACTER = re.compile("[\ue000-\U0010ffff]")

# json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
# allow_nan=False) without building an encoder on every call: CPython's C encoder, made once
# (no circular-reference check: JSON values read or gated are never circular; a circular value
# exhausts the recursion limit, a RecursionError, where json.dumps raises ValueError).
_c_make_encoder = getattr(json.encoder, "c_make_encoder", None)
_ENCODE: Any = (
    _c_make_encoder(
        None,
        json.JSONEncoder(allow_nan=False).default,
        json.encoder.encode_basestring,
        None,
        ":",
        ",",
        True,
        False,
        False,
    )
    if _c_make_encoder is not None
    else None
)


def _dumps(value: Any) -> str:
    if _ENCODE is None or isinstance(value, float):  # a bare float: json.dumps's own path
        return json.dumps(
            value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        )
    return "".join(_ENCODE(value, 0))


def canonical_text(value: Any) -> str:
    """RFC 8785 canonical JSON of a value the gate accepts, as text (canonical_json's bytes
    decoded): for building larger canonical texts around it without decoding."""
    try:
        text = _dumps(value)
    except (TypeError, ValueError, RecursionError):  # a lone surrogate: UnicodeEncodeError
        return rfc8785.dumps(value).decode("utf-8")
    if (
        isinstance(value, float)  # a bare top-level float: the patterns need a key or array
        or _FLOAT_TOKEN.search(text)
        or _HIGH_CHARACTER.search(text)
    ):
        return rfc8785.dumps(value).decode("utf-8")
    return text


def canonical_json(value: Any) -> bytes:
    """RFC 8785 canonical JSON of a value the gate accepts, as UTF-8 bytes.

    The same bytes as `rfc8785.dumps`, several times faster for the usual values: CPython's C
    encoder with sorted keys, no spaces and no ASCII escaping writes exactly RFC 8785's text
    for strings, integers, booleans, null, lists and objects (its string escapes are RFC 8785's:
    the two-character forms and \\u00xx in lower case for the other control characters). When
    its output holds a float or a character from U+E000 up, or it cannot encode the value at
    all, `rfc8785.dumps` writes it instead (and raises what it raises). Integers must be within
    ±(2**53 - 1), as the gate makes sure (rfc8785 refuses the others; json.dumps would not).
    """
    try:
        text = _dumps(value)
    except (TypeError, ValueError, RecursionError):  # a lone surrogate: UnicodeEncodeError
        return rfc8785.dumps(value)
    if (
        isinstance(value, float)  # a bare top-level float: the patterns need a key or array
        or _FLOAT_TOKEN.search(text)
        or _HIGH_CHARACTER.search(text)
    ):
        return rfc8785.dumps(value)
    return text.encode("utf-8")


def canonical_json_parsed(value: Any) -> bytes | None:
    """canonical_json's bytes for a value as a JSON parser gives it (dicts with string keys,
    lists, strings, integers, floats, booleans, None), written by orjson with sorted keys,
    or None where orjson's text may differ from RFC 8785's: a number with a fraction or an
    exponent anywhere in it, a character from U+E000 up (keys sort by UTF-16 unit), or a
    value orjson refuses (an integer beyond 64 bits). Callers use canonical_json then.

    For the same values orjson writes what CPython's C encoder writes (sorted keys, no
    spaces, UTF-8, the same escapes): a property test compares it with rfc8785.
    """
    if isinstance(value, float):  # a bare top-level float: the pattern needs a key or array
        return None
    try:
        data = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:
        return None
    if _FLOAT_TOKEN_BYTES.search(data):
        return None
    if not data.isascii() and _HIGH_CHARACTER.search(data.decode("utf-8")):
        return None
    return data
