"""The API's JSON bodies: read once through the input gate (decisions.engine.hashable),
validated against a schema with the contract's error locations (["body", field], 422), and
documented in the OpenAPI document.

Every body the API reads, whether through a ninja body parameter (GatedParser, set on the API
root) or by an operation itself (json_body), is parsed here: malformed JSON raises
JsonRejected with `syntax` true (400); values that cannot be hashed or stored (integers beyond
±(2**53 - 1), CPython's 4300-digit int-string limit, lone surrogates, NUL, NaN, nesting beyond
the gate's depth) raise JsonRejected naming each field (422). The API root's error handler
(sourcing.api) turns both into the contract's JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Final

import pydantic
from django.http import HttpRequest
from ninja import Schema
from ninja.errors import ValidationError
from ninja.parser import Parser

from decisions.engine import QUESTIONS
from decisions.engine.hashable import hashable_problems, parse_json
from sourcing.field_errors import field_message, label_of

_CACHE = "_gated_json_body"


def gated_json(request: HttpRequest) -> Any:
    """The request's JSON body (None when empty), gated; raises JsonRejected otherwise.

    Over DATA_UPLOAD_MAX_MEMORY_SIZE, reading the body raises RequestDataTooBig (413).
    """
    if not hasattr(request, _CACHE):
        body = request.body
        setattr(request, _CACHE, parse_json(body, path=("body",)) if body else None)
    return getattr(request, _CACHE)


# Field names people read in the API's messages, where the JSON key alone reads badly.
API_LABELS: Final[dict[str, str]] = {
    "sro_name": "Senior Responsible Owner",
    "review_by": "Review-by date",
}
# pydantic's error types, as field_errors' codes (kinds of KIND_WORDS, or Django's codes).
_SCHEMA_CODES: Final[dict[str, str]] = {
    "missing": "required",
    "extra_forbidden": "unknown_field",
    "string_type": "text",
    "string_unicode": "text",
    "string_too_long": "max_length",
    "string_too_short": "min_length",
    "int_type": "whole_number",
    "int_parsing": "whole_number",
    "int_from_float": "whole_number",
    "float_type": "number",
    "float_parsing": "number",
    "bool_type": "boolean",
    "bool_parsing": "boolean",
    "dict_type": "object",
    "model_type": "object",
    "list_type": "list",
    "literal_error": "one_of",
    "enum": "one_of",
    "greater_than_equal": "min_value",
    "less_than_equal": "max_value",
}


def api_label(loc: Sequence[str | int]) -> str:
    """The field a location is about, as people read it: ["body", "answers", "budget"] ->
    "Budget", ["body", "sro_name"] -> "Senior Responsible Owner"; the body itself: "The body"."""
    names = [str(part) for part in loc if isinstance(part, str) and part not in ("body", "query")]
    if not names:
        return "The body"
    return API_LABELS.get(names[-1]) or label_of(names[-1])


def schema_message(error: Mapping[str, Any], loc: Sequence[str | int]) -> str:
    """One of pydantic's errors worded as the forms word theirs (sourcing.field_errors):
    "Title must be text", "Enter title", "Ruleset must be one of: 'pinned' or 'current'"."""
    code = _SCHEMA_CODES.get(str(error.get("type")), "")
    context = error.get("ctx") or {}
    params = {
        "limit_value": context.get("max_length", context.get("min_length", context.get("le"))),
        "expected": context.get("expected", ""),
    }
    if code in ("min_value",):
        params["limit_value"] = context.get("ge")
    if not code:
        return f"{api_label(loc)}: {error.get('msg', 'is not valid')}"
    return field_message(api_label(loc), code, params)


def _service_loc(field: str) -> list[str | int]:
    """Where a service's field error (ValidationFailed.errors key) is in the body: a
    questionnaire key under answers, a dotted name as its parts."""
    if field in QUESTIONS:
        return ["body", "answers", field]
    return ["body", *field.split(".")]


def service_detail(errors: Mapping[str, list[str]]) -> list[dict[str, Any]]:
    """A service's ValidationFailed.errors as the contract's 422 detail."""
    return [
        {"loc": _service_loc(field), "msg": message}
        for field, messages in errors.items()
        for message in messages
    ]


def _within(loc: Sequence[str | int], found: Iterable[tuple[str | int, ...]]) -> bool:
    """Whether `loc` is, or is inside or around, a location already refused."""
    here = tuple(loc)
    for other in found:
        shortest = min(len(here), len(other))
        if here[:shortest] == other[:shortest]:
            return True
    return False


def json_body[BodyT: Schema](
    request: HttpRequest,
    schema: type[BodyT],
    problems: Callable[[dict[str, Any]], Mapping[str, list[str]]] | None = None,
) -> BodyT:
    """The JSON object body validated by `schema`, or a 422 listing every bad field at once.

    Three checks, all run whatever the others find, each field reported once (the first
    check that refuses it): the schema (types, required fields, unknown fields), the input
    gate (values that cannot be hashed or stored: integers beyond ±(2**53 - 1), lone
    surrogates, NUL, nesting), and `problems`, the service's own checks of the fields as
    given (its `*_problems` function, run without the case or the database's state). So a
    title of the wrong type, an unreadable date and an unknown action in one body are three
    errors in one answer. Messages name their field (sourcing.field_errors).

    Parsed here rather than as a ninja body parameter, whose errors say
    ["body", "<parameter>", field]; the contract says ["body", field]. Malformed JSON: 400
    (JsonRejected); over 1 MB: 413.
    """
    data = _read(request)
    if not isinstance(data, dict):
        raise ValidationError([{"loc": ["body"], "msg": "The body must be a JSON object."}])
    found: dict[tuple[str | int, ...], list[str]] = {}
    model: BodyT | None = None
    try:
        model = schema.model_validate(data)
    except pydantic.ValidationError as exc:
        for error in exc.errors():
            loc = ("body", *error["loc"])
            found.setdefault(loc, []).append(schema_message(error, loc))
    gated = hashable_problems(data, path=("body",))
    for problem in gated:
        if not _within(problem.path, found):
            message = f"{api_label(problem.path)} {problem.message}"
            found.setdefault(problem.path, []).append(message)
    if problems is not None and all(len(p.path) > 1 for p in gated):
        refused = list(found)
        for item in service_detail(problems(_without(data, [p.path for p in gated]))):
            if not _within(item["loc"], refused):
                found.setdefault(tuple(item["loc"]), []).append(item["msg"])
    if found or model is None:
        raise ValidationError(
            [{"loc": list(loc), "msg": msg} for loc, messages in found.items() for msg in messages]
        )
    return model


def _without(data: dict[str, Any], paths: Iterable[tuple[str | int, ...]]) -> dict[str, Any]:
    """`data` without the values the gate refused (a field, or one key of an object field),
    for the service's checks: they never see a value that cannot be hashed or stored."""
    kept = dict(data)
    for path in paths:
        field, key = path[1], path[2] if len(path) > 2 else None
        value = kept.get(str(field))
        if isinstance(value, dict) and key is not None:
            kept[str(field)] = {k: v for k, v in value.items() if k != key}
        else:
            kept.pop(str(field), None)
    return kept


def _read(request: HttpRequest) -> Any:
    """The body as JSON, the gate left to json_body (it reports the gate's problems with the
    others); malformed JSON raises JsonRejected (400)."""
    body = request.body
    return parse_json(body, path=("body",), gate=False) if body else None


def documented_body(schema: type[Schema]) -> dict[str, Any]:
    """OpenAPI for a body parsed by json_body."""
    content = {"application/json": {"schema": schema.model_json_schema()}}
    return {"requestBody": {"required": True, "content": content}}


class GatedParser(Parser):
    """ninja's body parser with the input gate. ninja wraps whatever parse_body raises in an
    HttpError(400) whose __cause__ is the JsonRejected; the API root's handler unwraps it."""

    def parse_body(self, request: HttpRequest) -> Any:
        return gated_json(request)
