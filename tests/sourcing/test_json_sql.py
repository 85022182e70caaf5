"""sourcing.json_sql.JSONKeys: a JSON column's keys read out by the database, their JSON types
kept, on the project's database and on SQLite (the embedded default of `make run`)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import JSONField, Value
from django.db.models.sql import Query
from django.db.utils import ConnectionHandler

from sourcing.json_sql import JSONKeys
from sourcing.models import Case

DOCUMENT = {
    "recommended": "buy",
    "close_call": None,
    "flag": True,
    "off": False,
    "nested": {"options": ["buy", "build"], "gap": 3},
    "count": 7,
    "ignored": "not read",
}
KEYS = ("recommended", "close_call", "flag", "off", "nested", "count", "missing")
EXPECTED = {key: DOCUMENT.get(key) for key in KEYS}


def _read(using_connection) -> object:
    """JSONKeys over a JSON value, compiled for and run on `using_connection`, converted as
    Django converts a column read."""
    query = Query(Case)
    expression = JSONKeys(Value(DOCUMENT, output_field=JSONField()), KEYS)
    resolved = expression.resolve_expression(query)
    compiler = query.get_compiler(connection=using_connection)
    sql, params = compiler.compile(resolved)
    with using_connection.cursor() as cursor:
        cursor.execute(f"SELECT {sql}", params)
        (value,) = cursor.fetchone()
    for convert in resolved.get_db_converters(using_connection):
        value = convert(value, resolved, using_connection)
    return value


@pytest.mark.django_db
def test_json_keys_keeps_null_true_false_and_objects_on_the_project_database():
    assert _read(connection) == EXPECTED


def test_json_keys_keeps_null_true_false_and_objects_on_sqlite(django_db_blocker):
    # Django's JSONObject of KeyTransforms reads null as the string "null" here.
    handler = ConnectionHandler(
        {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
    )
    sqlite = handler["default"]
    with django_db_blocker.unblock():
        try:
            assert _read(sqlite) == EXPECTED
        finally:
            sqlite.close()
