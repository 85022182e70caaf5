"""JSON bodies of the API: parsed and validated against a schema, with the contract's error
locations (["body", field], 422), and documented in the OpenAPI document."""

from __future__ import annotations

import json
from typing import Any

import pydantic
from django.http import HttpRequest
from ninja import Schema
from ninja.errors import ValidationError


def json_body[BodyT: Schema](request: HttpRequest, schema: type[BodyT]) -> BodyT:
    """The JSON object body, validated by `schema`; 422 naming each bad field otherwise.

    Parsed here rather than as a ninja body parameter, whose errors say
    ["body", "<parameter>", field]; the contract says ["body", field].
    """
    try:
        data = json.loads(request.body or b"null")  # over 1 MB: RequestDataTooBig, 413
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ValidationError([{"loc": ["body"], "msg": "The body is not valid JSON."}]) from None
    if not isinstance(data, dict):
        raise ValidationError([{"loc": ["body"], "msg": "The body must be a JSON object."}])
    try:
        return schema.model_validate(data)
    except pydantic.ValidationError as exc:
        raise ValidationError(
            [{"loc": ["body", *e["loc"]], "msg": e["msg"]} for e in exc.errors()]
        ) from None


def documented_body(schema: type[Schema]) -> dict[str, Any]:
    """OpenAPI for a body parsed by json_body."""
    content = {"application/json": {"schema": schema.model_json_schema()}}
    return {"requestBody": {"required": True, "content": content}}
