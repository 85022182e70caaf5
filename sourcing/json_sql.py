"""JSON read out by the database the same way on PostgreSQL and SQLite.

Django's `JSONObject(**{k: KeyTransform(k, "col")})` is wrong on SQLite for JSON's scalars
null, true and false: KeyTransform's SQLite SQL reads them with JSON_TYPE, as the *strings*
"null", "true" and "false", and JSON_OBJECT stores those strings; read back, a result's
`"close_call": null` is the string "null" (the review page then indexed it: a 500 on the
embedded SQLite default, never on PostgreSQL). `JSONKeys` builds the object with SQLite's `->`
operator (SQLite 3.38+), whose value JSON_OBJECT keeps as JSON; PostgreSQL's SQL is Django's own.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import JSONField
from django.db.models.fields.json import KeyTransform
from django.db.models.functions import JSONObject


class JSONKeys(JSONObject):
    """`{key: value, ...}` of the top-level `keys` of the JSON column (or expression) `column`,
    as one JSON object built by the database; a key the value lacks is null. Values keep their
    JSON types on every backend (null stays None, true stays True)."""

    output_field = JSONField()

    def __init__(self, column: Any, keys: Iterable[str]) -> None:
        self.keys = tuple(keys)
        super().__init__(**{key: KeyTransform(key, column) for key in self.keys})

    def as_sqlite(
        self, compiler: Any, connection: Any, **extra_context: Any
    ) -> tuple[str, tuple[Any, ...]]:
        parts: list[str] = []
        params: list[Any] = []
        for key, transform in zip(self.keys, self.source_expressions[1::2], strict=True):
            column_sql, column_params = compiler.compile(transform.lhs)  # type: ignore[attr-defined]
            parts.append(f"%s, ({column_sql} -> %s)")
            params += [key, *column_params, connection.ops.compile_json_path([key])]
        return f"JSON_OBJECT({', '.join(parts)})", tuple(params)
