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

from typing import Any

import pydantic
from django.http import HttpRequest
from ninja import Schema
from ninja.errors import ValidationError
from ninja.parser import Parser

from decisions.engine.hashable import parse_json

_CACHE = "_gated_json_body"


def gated_json(request: HttpRequest) -> Any:
    """The request's JSON body (None when empty), gated; raises JsonRejected otherwise.

    Over DATA_UPLOAD_MAX_MEMORY_SIZE, reading the body raises RequestDataTooBig (413).
    """
    if not hasattr(request, _CACHE):
        body = request.body
        setattr(request, _CACHE, parse_json(body, path=("body",)) if body else None)
    return getattr(request, _CACHE)


def json_body[BodyT: Schema](request: HttpRequest, schema: type[BodyT]) -> BodyT:
    """The JSON object body, gated and validated by `schema`; 422 naming each bad field.

    Parsed here rather than as a ninja body parameter, whose errors say
    ["body", "<parameter>", field]; the contract says ["body", field].
    """
    data = gated_json(request)  # 400/422 (JsonRejected); over 1 MB: 413
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


class GatedParser(Parser):
    """ninja's body parser with the input gate. ninja wraps whatever parse_body raises in an
    HttpError(400) whose __cause__ is the JsonRejected; the API root's handler unwraps it."""

    def parse_body(self, request: HttpRequest) -> Any:
        return gated_json(request)
