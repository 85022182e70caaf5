"""The API's documentation page at /api/v1/docs: the OpenAPI document as a GOV.UK page.

Rendered on the server from the same OpenAPI document as /api/v1/openapi.json, with the
service's own layout: no third-party scripts, so it works under the strict CSP and without
JavaScript, and passes axe like every other page (docs/decisions/0017). Each operation shows
its method and path, what it does, its parameters, its JSON body's fields, its responses and
a curl example.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from ninja.openapi.docs import DocsBase
from ninja.responses import NinjaJSONEncoder

if TYPE_CHECKING:
    from ninja import NinjaAPI

METHODS = ("get", "post", "put", "patch", "delete")
UNTAGGED = "service"
TAG_TITLES = {
    UNTAGGED: "The service",
    "cases": "Cases, assessments and sign-offs",
    "decisions": "Reviews, decision records and the audit chain",
    "suppliers": "Market segments and suppliers",
    "rulesets": "Rulesets",
}


@dataclass
class Field:
    """One parameter or body field as the page lists it."""

    name: str
    where: str
    type: str
    required: bool
    notes: str = ""


@dataclass
class Operation:
    """One method on one path."""

    method: str
    path: str
    anchor: str
    summary: str
    description: str
    parameters: list[Field] = field(default_factory=list)
    body: list[Field] = field(default_factory=list)
    responses: list[tuple[str, str]] = field(default_factory=list)

    @property
    def curl(self) -> str:
        """A curl command calling it with a bearer token."""
        auth = ' -H "Authorization: Bearer $TOKEN"'
        send = ""
        if self.body:
            send = " -H 'Content-Type: application/json' -d '{...}'"
        verb = "" if self.method == "GET" else f" -X {self.method}"
        return f"curl{verb}{auth}{send} http://127.0.0.1:8000{self.path}"


def _resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref", "")
    if ref.startswith("#/components/schemas/"):
        resolved: dict[str, Any] = components.get(ref.rsplit("/", 1)[1], {})
        return resolved
    return schema


def _type(schema: dict[str, Any], components: dict[str, Any]) -> str:
    """A schema's type in a few words: string, whole number, list of strings, one of ..."""
    schema = _resolve(schema, components)
    if "enum" in schema:
        return "one of " + ", ".join(str(v) for v in schema["enum"])
    if "const" in schema:
        return f"exactly {schema['const']}"
    for key in ("anyOf", "oneOf"):
        if key in schema:
            kinds = [_type(s, components) for s in schema[key]]
            return " or ".join(k for k in kinds if k != "null") + (
                " (or null)" if "null" in kinds else ""
            )
    kind = schema.get("type", "any JSON value")
    if kind == "array":
        return f"list of {_type(schema.get('items', {}), components)}"
    words = {
        "integer": "whole number",
        "string": "text",
        "boolean": "true or false",
        "object": "object",
        "number": "number",
        "null": "null",
    }
    if schema.get("format") == "date":
        return "date (YYYY-MM-DD)"
    return words.get(kind, str(kind))


def _notes(schema: dict[str, Any]) -> str:
    parts = []
    if "minimum" in schema or "maximum" in schema:
        parts.append(f"from {schema.get('minimum', '…')} to {schema.get('maximum', '…')}")
    if "maxLength" in schema:
        parts.append(f"up to {schema['maxLength']} characters")
    if "default" in schema and schema["default"] not in ("", None, {}, []):
        parts.append(f"default {schema['default']}")
    return "; ".join(parts)


def _operation(
    path: str, method: str, spec: dict[str, Any], components: dict[str, Any]
) -> Operation:
    parameters = [
        Field(
            name=p["name"],
            where=p.get("in", ""),
            type=_type(p.get("schema", {}), components),
            required=bool(p.get("required")),
            notes=_notes(p.get("schema", {})),
        )
        for p in spec.get("parameters", [])
    ]
    body: list[Field] = []
    content = spec.get("requestBody", {}).get("content", {}).get("application/json", {})
    if content:
        schema = _resolve(content.get("schema", {}), components)
        required = set(schema.get("required", []))
        for name, prop in schema.get("properties", {}).items():
            body.append(
                Field(name, "body", _type(prop, components), name in required, _notes(prop))
            )
    responses = [
        (str(status), str(response.get("description", "")))
        for status, response in sorted(spec.get("responses", {}).items())
    ]
    return Operation(
        method=method.upper(),
        path=path,
        anchor=spec.get("operationId", f"{method}-{path}"),
        summary=spec.get("summary", ""),
        description=spec.get("description", ""),
        parameters=parameters,
        body=body,
        responses=responses,
    )


def api_sections(document: dict[str, Any]) -> list[tuple[str, list[Operation]]]:
    """The OpenAPI document's operations grouped by tag, in the order the paths are declared."""
    components = document.get("components", {}).get("schemas", {})
    sections: dict[str, list[Operation]] = {}
    for path, item in document.get("paths", {}).items():
        for method in METHODS:
            if method in item:
                spec = item[method]
                tag = (spec.get("tags") or [UNTAGGED])[0]
                sections.setdefault(tag, []).append(_operation(path, method, spec, components))
    return [(TAG_TITLES.get(tag, tag.capitalize()), ops) for tag, ops in sections.items()]


class GovukDocs(DocsBase):
    """ninja's docs page, as a GOV.UK page rendered on the server. The operations' HTML is
    rendered once per OpenAPI document text (it depends on nothing else) and kept in the
    process; the page around it is rendered for each request (its nonce, its header)."""

    def __init__(self) -> None:
        super().__init__()
        self._rendered: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        openapi_text = getattr(api, "openapi_text", None)
        if openapi_text is not None:  # sourcing.api.SourcingAPI: the text built once
            text: str = openapi_text(path_params=kwargs)
        else:
            text = json.dumps(api.get_openapi_schema(path_params=kwargs), cls=NinjaJSONEncoder)
        parts = self._rendered.get(text)
        if parts is None:
            parts = _parts(json.loads(text))
            with self._lock:
                if len(self._rendered) >= 4:  # path prefixes are few; never grow unbounded
                    self._rendered.clear()
                self._rendered[text] = parts
        context = {**parts, "openapi_url": self.get_openapi_url(api, kwargs)}
        return render(request, "api/docs.html", context)


def _parts(document: dict[str, Any]) -> dict[str, Any]:
    """The docs page's parts that depend on the document alone, its HTML rendered."""
    sections = api_sections(document)
    return {
        "title": document["info"]["title"],
        "version": document["info"]["version"],
        "description": document["info"].get("description", ""),
        "contents": render_to_string("api/docs_contents.html", {"sections": sections}),
        "operations": render_to_string("api/docs_operations.html", {"sections": sections}),
    }
