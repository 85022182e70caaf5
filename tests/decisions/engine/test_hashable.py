"""The input gate for everything that is hashed (decisions.engine.hashable)."""

from __future__ import annotations

import json
import math
from typing import Any

import orjson
import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from decisions.engine import load_golden_cases, load_ruleset, validate_answers
from decisions.engine.golden import GoldenCaseError
from decisions.engine.hashable import (
    MAX_DEPTH,
    SAFE_INTEGER,
    JsonRejected,
    Unhashable,
    canonical_json,
    canonical_json_parsed,
    hashable_problems,
    parse_json,
    require_hashable,
)
from decisions.engine.ruleset import RulesetError
from tests.decisions.engine.test_ruleset import default_data, minimal


def nested(depth: int, leaf: Any = 1) -> Any:
    """A list nested `depth` deep, built without recursion."""
    value = leaf
    for _ in range(depth):
        value = [value]
    return value


def messages(value: Any) -> dict[str, str]:
    return {p.dotted: p.message for p in hashable_problems(value)}


def test_integers_beyond_2_53_are_refused_with_their_path() -> None:
    found = messages({"answers": {"budget": SAFE_INTEGER + 1, "ok": SAFE_INTEGER}})
    assert list(found) == ["answers.budget"]
    assert "from -9,007,199,254,740,991 to 9,007,199,254,740,991" in found["answers.budget"]
    assert messages([-SAFE_INTEGER - 1]) == {"[0]": found["answers.budget"]}


def test_a_lone_surrogate_is_refused_in_values_and_keys() -> None:
    found = messages({"title": "Case \ud800", "fine": "Café ☕"})
    assert found == {"title": "must not contain a lone surrogate (U+D800): it is not a character"}
    keyed = messages({"answers": {"\udfff": 1}})
    assert list(keyed) == ["answers"] and "has a key that must not contain" in keyed["answers"]


def test_nan_infinities_and_nul_are_refused() -> None:
    found = messages({"a": math.nan, "b": math.inf, "c": -math.inf, "d": "x\x00y", "e": 1.5})
    assert found == {
        "a": "must be a finite number",
        "b": "must be a finite number",
        "c": "must be a finite number",
        "d": "must not contain the null character (U+0000)",
    }


def test_values_that_are_not_json_are_refused() -> None:
    found = messages({"when": {1, 2}, "at": object(), 3: "key"})
    assert set(found) == {"", "when", "at"}


def test_nesting_beyond_the_limit_is_refused_at_any_depth_without_recursion() -> None:
    assert hashable_problems(nested(MAX_DEPTH)) == []
    deep = hashable_problems({"when": nested(100_000)})  # far beyond the recursion limit
    assert len(deep) == 1 and deep[0].message == f"must be nested {MAX_DEPTH} deep or less"
    assert deep[0].dotted.startswith("when[0][0]")


def test_too_many_values_are_refused() -> None:
    found = hashable_problems(list(range(50)), max_values=10)
    assert [(p.dotted, p.message) for p in found] == [("", "must hold 10 values or fewer")]


def test_require_hashable_raises_naming_the_path() -> None:
    require_hashable({"reference": "SRC-2026-0001"}, what="payload")
    with pytest.raises(Unhashable, match=r"payload\.title: must not contain a lone surrogate"):
        require_hashable({"title": "\ud800"}, what="payload")


def test_a_5000_digit_integer_is_a_refused_value_not_a_value_error() -> None:
    raw = '{"answers": {"months_to_live": ' + "9" * 5000 + "}}"
    with pytest.raises(JsonRejected) as caught:
        parse_json(raw, path=("body",))
    assert caught.value.syntax is False
    assert [p.dotted for p in caught.value.problems] == ["body.answers.months_to_live"]
    with pytest.raises(JsonRejected):
        parse_json("[-" + "9" * 5000 + "]")


def test_escaped_lone_surrogates_and_nul_in_json_text_are_refused() -> None:
    with pytest.raises(JsonRejected) as caught:
        parse_json(rb'{"title": "\ud800", "summary": "a\u0000b"}')
    assert {p.dotted for p in caught.value.problems} == {"title", "summary"}


def test_malformed_json_is_a_syntax_rejection_saying_where() -> None:
    for raw in (b'{"title": ', b"\xff\xfe", b'{"a": 1, "a": 2}', b"[" * 100_000):
        with pytest.raises(JsonRejected) as caught:
            parse_json(raw, path=("body",))
        assert caught.value.syntax is True, raw[:20]
        assert caught.value.problems[0].path == ("body",)
    with pytest.raises(JsonRejected, match="line 1, column 11"):
        parse_json(b'{"title": ')


def test_parse_json_returns_ordinary_values() -> None:
    assert parse_json(b'{"a": [1, 2.5, "x", null, true], "b": -42}') == {
        "a": [1, 2.5, "x", None, True],
        "b": -42,
    }


def test_a_ruleset_constant_beyond_2_53_is_a_rule_problem_not_a_hashing_error() -> None:
    data = minimal(when={"gte": ["months_to_live", 2**53]})
    with pytest.raises(RulesetError) as caught:
        load_ruleset(data)
    assert [(p.rule_id, p.field) for p in caught.value.problems] == [("R1", "when.gte[1]")]


def test_a_lone_surrogate_in_a_ruleset_is_a_rule_problem() -> None:
    data = default_data()
    data["rules"][2]["description"] = "Cloud \ud800 first"
    data["description"] = "\udc00"
    with pytest.raises(RulesetError) as caught:
        load_ruleset(data)
    rule_id = data["rules"][2]["id"]
    assert {(p.rule_id, p.field) for p in caught.value.problems} == {
        (None, "description"),
        (rule_id, "description"),
    }


def test_deeply_nested_rule_conditions_are_refused_by_rule() -> None:
    data = minimal(when={"not": nested(500, {"always": True})})
    with pytest.raises(RulesetError) as caught:
        load_ruleset(data)
    assert caught.value.problems[0].rule_id == "R1"
    assert "deep or less" in caught.value.problems[0].message


def test_deeply_nested_golden_case_answers_are_refused() -> None:
    case = {"id": "G1", "answers": {"option_cost_estimates": nested(500)}, "expected": {}}
    with pytest.raises(GoldenCaseError) as caught:
        load_golden_cases([case])
    assert caught.value.problems[0].startswith("#1: answers.option_cost_estimates[0]")


def test_a_golden_case_policy_check_given_as_a_list_is_a_problem() -> None:
    case = {"id": "G1", "answers": {}, "expected": {"recommended": None, "policy_checks": {}}}
    case["expected"]["policy_checks"] = {"cloud_first": ["explain"]}
    with pytest.raises(GoldenCaseError, match="use complies, explain or n/a"):
        load_golden_cases([case])


def test_answers_with_unhashable_values_are_answer_errors() -> None:
    errors = validate_answers({"months_to_live": 2**60, "x\x00": 1}, partial=True)
    assert {e.key for e in errors} == {"months_to_live", "answers"}


# Anything the gate accepts, RFC 8785 hashes and JSON stores; anything else it names.
json_leaves = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(alphabet=st.characters(categories=["L", "N", "P", "S", "Z", "Cc", "Cs"]))
)
json_values = st.recursive(
    json_leaves,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_whatever_the_gate_accepts_can_be_hashed_and_stored(value: Any) -> None:
    problems = hashable_problems(value)
    if not problems:
        canonical = rfc8785.dumps(value)
        assert "\\u0000" not in json.dumps(value)
        assert json.loads(canonical) == json.loads(json.dumps(value))
    else:
        assert all(p.message for p in problems)


_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-SAFE_INTEGER, max_value=SAFE_INTEGER)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(exclude_categories=["Cs"])),
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(st.text(st.characters(exclude_categories=["Cs"])), inner, max_size=5)
    ),
    max_leaves=30,
)


@given(_json_values)
def test_canonical_json_writes_the_bytes_rfc8785_writes(value: Any) -> None:
    assert canonical_json(value) == rfc8785.dumps(value)


@pytest.mark.parametrize(
    "value",
    [
        {"\U0001f600": 1, "\ufb01": 2},  # UTF-16 order differs from code point order
        {"a": 1.5, "b": 1e21, "c": -0.0},
        0.0,  # a bare float: RFC 8785 writes 0, json.dumps 0.0
        -1.5e-7,
        {"control": '\x00\x01\x1f\x7f\u2028 "\\ /', "n": -SAFE_INTEGER},
        [{"z": 1, "a": {"y": [], "b": {}}}, "é", True, None],
        {"text": "under £1,000,000. [2,5.] :3.5,", "n": [1, 2]},  # float-like text, no float
        [[1.5], {"a": [0, -2.5e-07]}, {"b": {"c": 1e16}}, 5e-324, 123.0],
        {"x": 0.1, "y": "1,2.5,"},
    ],
)
def test_canonical_json_matches_rfc8785_on_its_edge_cases(value: Any) -> None:
    assert canonical_json(value) == rfc8785.dumps(value)


@given(_json_values)
def test_canonical_json_parsed_writes_rfc8785_bytes_or_declines(value: Any) -> None:
    # As given, and as a parser reads it back (orjson's own reading, as verify_audit does).
    for item in (value, orjson.loads(json.dumps(value, ensure_ascii=False))):
        data = canonical_json_parsed(item)
        assert data is None or data == rfc8785.dumps(item)


@pytest.mark.parametrize(
    ("value", "vouched"),
    [
        ({"control": '\x00\x01\x08\x1f\x7f\u2028 "\\ /', "n": -SAFE_INTEGER, "é": ["ŵ"]}, True),
        ([{"z": 1, "a": {"y": [], "b": {}}}, True, None, "\ud7ff"], True),
        ({"a": 1.5}, False),  # floats: rfc8785 writes them
        ([0.0], False),
        ({"\U0001f600": 1, "\ufb01": 2}, False),  # UTF-16 order differs from code point order
        ({"big": 2**70}, False),  # beyond orjson's 64 bits
    ],
)
def test_canonical_json_parsed_declines_what_orjson_may_write_otherwise(
    value: Any, vouched: bool
) -> None:
    data = canonical_json_parsed(value)
    assert (data is not None) is vouched
    if data is not None:
        assert data == rfc8785.dumps(value)
