"""Querysets compiled to SQL once per process and run again as that SQL.

Building a queryset of subqueries, windows and joins and compiling it costs milliseconds of
Python (the Centre of Excellence dashboard's five queries: about 25 ms a page), far more than
PostgreSQL's time to run them. The SQL text and parameters of a queryset are a function of how
it was built, not of the rows, so a caller names everything its queryset is built from (its
`key`: the filters' values, today, ids it filters by) and the queryset is built and compiled
only for a key this process has not seen; the database still runs the query on every call, so
the rows are always the current ones.

The key is completed here with what else the SQL depends on: the database (alias and vendor:
its operations write the SQL) and the current time zone (dates are extracted in it). Kept per
process, at most KEPT_MAX compilations, the least recently used dropped first, so a key that
varies with every request (a mistake) cannot grow the process's memory.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Final

from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet
from django.utils import timezone

KEPT_MAX: Final = 512


@dataclass(frozen=True)
class Compiled:
    """A queryset's SQL and parameters, its columns' names (as `values()` names them) and the
    converters Django applies to each column (so a date read on SQLite is still a date; they
    are the backend's and the fields' functions, the same in every thread)."""

    using: str
    sql: str
    params: tuple[Any, ...]
    names: tuple[str, ...]
    converters: tuple[tuple[int, tuple[Any, ...], Any], ...]  # position, converters, expression

    def rows(self) -> list[tuple[Any, ...]]:
        """The rows of the query now (one query), each converted as the queryset would."""
        if not self.sql:  # a filter that matches nothing (Django's EmptyResultSet): no query
            return []
        connection = connections[self.using]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, self.params)
            fetched = cursor.fetchall()
        if not self.converters:
            return [tuple(row) for row in fetched]
        converted = []
        for row in fetched:
            values = list(row)
            for position, functions, expression in self.converters:
                value = values[position]
                for convert in functions:
                    value = convert(value, expression, connection)
                values[position] = value
            converted.append(tuple(values))
        return converted

    def dicts(self) -> list[dict[str, Any]]:
        """rows() as `values()` gives them: a dict a row, by column name."""
        return [dict(zip(self.names, row, strict=True)) for row in self.rows()]


_kept: OrderedDict[Hashable, Compiled] = OrderedDict()
_lock = threading.Lock()


def compiled(key: Hashable, build: Callable[[], QuerySet[Any, Any]]) -> Compiled:
    """The compilation of `build()`, a `values()` or `values_list()` queryset on the default
    database whose SQL and parameters are a function of `key` (hashable) alone: built and
    compiled once per process for the key, the database's vendor and the current time zone,
    then reused. No query."""
    vendor = connections[DEFAULT_DB_ALIAS].vendor
    full = (key, DEFAULT_DB_ALIAS, vendor, timezone.get_current_timezone_name())
    with _lock:
        found = _kept.get(full)
        if found is not None:
            _kept.move_to_end(full)
            return found
    queryset = build()
    compiler = queryset.query.get_compiler(using=queryset.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:  # as Django's own execute_sql: no rows, and no query
        sql, params = "", ()
    fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
    query = queryset.query
    made = Compiled(
        using=queryset.db,
        sql=sql,
        params=tuple(params),
        names=tuple(query.selected)  # as ValuesIterable names them
        if query.selected
        else (*query.extra_select, *query.values_select, *query.annotation_select),
        converters=tuple(
            (position, tuple(functions), expression)
            for position, (functions, expression) in compiler.get_converters(fields).items()
        ),
    )
    if queryset.db == DEFAULT_DB_ALIAS:  # another database's SQL is not kept under this key
        with _lock:
            _kept[full] = made
            while len(_kept) > KEPT_MAX:
                _kept.popitem(last=False)
    return made


def forget() -> None:
    """Drop every compilation (tests switching databases or settings)."""
    with _lock:
        _kept.clear()
