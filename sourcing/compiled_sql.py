"""Querysets compiled to SQL once per process and run again as that SQL.

Building a queryset of subqueries, windows and joins and compiling it costs milliseconds of
Python (the Centre of Excellence dashboard's five queries: about 25 ms a page), far more than
PostgreSQL's time to run them. The SQL text and parameters of a queryset are a function of how
it was built, not of the rows, so a caller names everything its queryset is built from (its
`key`: the filters' values, today, ids it filters by) and the queryset is built and compiled
only for a key this process has not seen; the database still runs the query on every call, so
the rows are always the current ones.

The key names the queryset's *shape*: what its SQL text is built from. Values that only fill
its parameters (a case's id, a person's, a department's, a day) are passed as `params` instead:
the queryset is built once per shape with stand-in values (sentinels) in their place, twice,
with two different sets of them, and the positions where the stand-ins reach the compiled
parameters are recorded; each call puts its own values in those positions. So one compilation
serves every case, person or department, and the positions are found by comparing the two
compilations, never by looking for a value at run time: a real value equal to a stand-in, or a
constant of the query equal to one, cannot be taken for another. A value whose SQL is not the
same as its stand-in's (None makes IS NULL, a tuple one placeholder an item) is part of the
shape: None is built in as itself, a tuple's length is in the key. A parameter Django changes
on the way (a date made a string by SQLite's operations) is changed the same way at each call;
one it changes otherwise (a LIKE pattern, a value computed from it) is refused with an error
naming it, to be named in the key. A param the SQL does not use is allowed (a role's query that
ignores the department).

The key is completed here with what else the SQL depends on: the database (alias and vendor:
its operations write the SQL), the current time zone (dates are extracted in it) and the kinds
of the params. Kept per process, at most KEPT_MAX compilations, the least recently used dropped
first, so a key that varies with every request (a mistake) cannot grow the process's memory.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import ForeignKey, Model, QuerySet
from django.utils import timezone

KEPT_MAX: Final = 512
M = TypeVar("M", bound=Model)


def model_columns(model: type[Model], wanted: Iterable[str]) -> tuple[str, ...]:
    """The model's primary key and the `wanted` columns (attnames) in the order of its
    concrete fields (the order Model.from_db takes a row of some of its columns in)."""
    names = {model._meta.pk.attname, *wanted}
    return tuple(f.attname for f in model._meta.concrete_fields if f.attname in names)


def _fields_read(
    model: type[Model], named: Mapping[str, int], what: str
) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """Of the columns `named` (name: position in the row), the model's concrete fields read:
    their attnames in the model's order and their positions. ValueError without its pk."""
    pk = model._meta.pk.attname
    found = [
        (f.attname, named[f.attname] if f.attname in named else named["pk"])
        for f in model._meta.concrete_fields
        if f.attname in named or (f.attname == pk and "pk" in named)
    ]
    if pk not in (attname for attname, _ in found):
        raise ValueError(f"{what}: its primary key ({pk} or pk) is not among the columns read")
    return tuple(a for a, _ in found), tuple(p for _, p in found)


def _instance_builder(
    model: type[Model], names: tuple[str, ...], related: tuple[str, ...], renamed: dict[str, str]
) -> Callable[[str, tuple[Any, ...]], Any]:
    """A function of (database alias, row) making the instance Compiled.instances makes."""
    mine = {n: i for i, n in enumerate(names) if "__" not in n}
    fields, positions = _fields_read(model, mine, model.__name__)
    extra = [(renamed.get(n, n), i) for n, i in mine.items() if n not in fields and n != "pk"]
    joined = []
    for relation in related:
        field = model._meta.get_field(relation)
        if not isinstance(field, ForeignKey):
            raise ValueError(f"{model.__name__}.{relation} is not a foreign key")
        other = field.related_model
        assert isinstance(other, type)
        prefix = f"{relation}__"
        theirs = {n.removeprefix(prefix): i for i, n in enumerate(names) if n.startswith(prefix)}
        own_key = field.attname
        if "pk" not in theirs and other._meta.pk.attname not in theirs and own_key in mine:
            theirs["pk"] = mine[own_key]
        joined.append((field, other, *_fields_read(other, theirs, f"{model.__name__}.{relation}")))
    shared: dict[tuple[Any, ...], Any] = {}
    from_db = model.from_db

    def build(using: str, row: tuple[Any, ...]) -> Any:
        instance = from_db(using, fields, [row[p] for p in positions])
        for name, position in extra:
            setattr(instance, name, row[position])
        for field, other, their_fields, their_positions in joined:
            values = [row[p] for p in their_positions]
            key = (field.name, *values)
            if key not in shared:
                null = all(v is None for v in values)
                shared[key] = None if null else other.from_db(using, their_fields, values)
            field.set_cached_value(instance, shared[key])
        return instance

    return build


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

    def instances(
        self,
        model: type[M],
        *,
        related: Iterable[str] = (),
        renamed: Mapping[str, str] | None = None,
        rows: Iterable[tuple[Any, ...]] | None = None,
    ) -> list[M]:
        """rows() (or `rows`, as rows() read them) as instances of `model` with only the
        columns read, as `only()` makes them (a column not read loads on access): a column
        named as one of the model's concrete fields' attnames (or "pk") is that field; one
        named `<relation>__<attname>` for a relation in `related` (a forward foreign key) is
        a field of the related instance, cached on the instance as `select_related` caches it
        (its primary key read as `<relation>__pk`, `<relation>__<pk attname>`, or the foreign
        key's own column; the same values make one shared instance; a null foreign key
        caches None); any other column is set as an attribute (as an annotation is), named
        as `renamed` maps it. ValueError if the model's or a related one's primary key is not
        read."""
        build = _instance_builder(model, self.names, tuple(related), dict(renamed or {}))
        return [build(self.using, row) for row in (self.rows() if rows is None else rows)]


# What a parameter's stand-in is made of, by its value's exact type (bool, a subclass of int,
# has two values only and often changes the SQL: it belongs in the key).
PARAM_TYPES: Final = (int, str, date, datetime)
# How Django may change a value on its way to the compiled parameters, tried in this order:
# not at all, or by the database operations' adapters (SQLite writes dates as strings).
ADAPTERS: Final = ("", "adapt_datefield_value", "adapt_datetimefield_value")


@dataclass(frozen=True)
class _Slot:
    """One parameter value's place in the compiled parameters: the positions it fills, which
    value (its name, and its index in a tuple or None) and the adapter ("" for none)."""

    positions: tuple[int, ...]
    name: str
    index: int | None
    adapter: str


_kept: OrderedDict[Hashable, tuple[Compiled, tuple[_Slot, ...]]] = OrderedDict()
_lock = threading.Lock()


def _kind(name: str, value: Any) -> Hashable:
    """What of a parameter value its SQL depends on: None (built in as itself), its type, or a
    tuple's length and its items' types. TypeError naming the parameter for anything else."""
    if value is None:
        return None
    if isinstance(value, tuple | list):
        kinds = tuple(_kind(f"{name}[{i}]", item) for i, item in enumerate(value))
        if None in kinds:
            raise TypeError(f"params[{name!r}]: None in a tuple cannot be a parameter")
        return ("tuple", kinds)
    if type(value) in PARAM_TYPES and not (isinstance(value, datetime) and value.tzinfo is None):
        return type(value).__name__
    raise TypeError(
        f"params[{name!r}] is {type(value).__name__}: only int, str, date, aware datetime, "
        "None or a tuple of them can be a parameter; name it in the key instead"
    )


def _stand_in(kind: Hashable, set_: int, counter: list[int]) -> Any:
    """A value of `kind` unlike any other stand-in of either set (`set_` 0 or 1). An int is in
    the range of every integer column, small ones included (1 to 32767: Django makes a filter
    on a value out of its column's range match nothing, or drops it, without a parameter); a
    str holds LIKE's wildcards, so a lookup that escapes them (iexact on SQLite, contains,
    startswith) changes it and is refused (see `_slots`)."""
    if kind is None:
        return None
    if isinstance(kind, tuple):
        return tuple(_stand_in(k, set_, counter) for k in kind[1])
    counter[0] += 1
    n = counter[0]
    if kind == "int":
        return 10_000 + 10_000 * set_ + n  # n < 10,000 params: within 1 to 32767
    if kind == "str":
        return f"\ue000compiled-sql stand-in {set_}.{n} %_\ue000"
    if kind == "date":
        return date(2900 + 10 * set_, 1, 1) + timedelta(days=n)
    return datetime(2900 + 10 * set_, 1, 1, tzinfo=UTC) + timedelta(seconds=n)


def _compile(queryset: QuerySet[Any, Any]) -> Compiled:
    compiler = queryset.query.get_compiler(using=queryset.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:  # as Django's own execute_sql: no rows, and no query
        sql, params = "", ()
    fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
    query = queryset.query
    return Compiled(
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


def _items(values: Mapping[str, Any]) -> list[tuple[str, int | None, Any]]:
    """Every parameter value: (name, index in its tuple or None, value), None left out."""
    found: list[tuple[str, int | None, Any]] = []
    for name, value in values.items():
        if isinstance(value, tuple | list):
            found.extend((name, i, item) for i, item in enumerate(value))
        elif value is not None:
            found.append((name, None, value))
    return found


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and bool(a == b)


def _differs(a: Any, b: Any) -> bool:
    # Some parameters (psycopg's Jsonb) do not compare by value: their repr does.
    return bool(a != b) and repr(a) != repr(b)


def _slots(first: Compiled, second: Compiled, stand_ins: list[dict[str, Any]]) -> list[_Slot]:
    """Where the stand-ins of two compilations reach their parameters (see the module's
    docstring); ValueError if the SQL depends on more than their kinds."""
    if first.sql != second.sql or len(first.params) != len(second.params):
        raise ValueError(
            "the SQL depends on the params' values, not only on their kinds: name them in the key"
        )
    ops = connections[first.using].ops
    slots: list[_Slot] = []
    claimed: set[int] = set()
    missing: list[str] = []
    for (name, index, one), (_, _, two) in zip(
        _items(stand_ins[0]), _items(stand_ins[1]), strict=True
    ):
        for adapter in ADAPTERS:
            adapt = getattr(ops, adapter) if adapter else (lambda v: v)
            try:
                made = (adapt(one), adapt(two))
            except (TypeError, ValueError, AttributeError):
                continue
            positions = tuple(
                p
                for p, (a, b) in enumerate(zip(first.params, second.params, strict=True))
                if _same(a, made[0]) and _same(b, made[1])
            )
            if positions:
                slots.append(_Slot(positions, name, index, adapter))
                claimed.update(positions)
                break
        else:
            missing.append(f"params[{name!r}]")  # unused, or changed: see below
    for p, (a, b) in enumerate(zip(first.params, second.params, strict=True)):
        if p not in claimed and _differs(a, b):
            raise ValueError(
                f"the SQL's parameter {p} changes with the params but is none of them as itself "
                f"(Django changes {' or '.join(missing) or 'one'}, or the queryset computes a "
                "value from it): name what it is built from in the key instead"
            )
    return slots


def compiled(
    key: Hashable,
    build: Callable[..., QuerySet[Any, Any]],
    *,
    params: Mapping[str, Any] | None = None,
) -> Compiled:
    """The compilation of `build(**params)`, a `values()` or `values_list()` queryset on the
    default database whose SQL is a function of `key` (hashable) and the kinds of `params`
    alone (see the module's docstring), with `params`' values in its parameters: built and
    compiled once per process for the key, the kinds of the params, the database's vendor and
    the current time zone, then reused. No query. TypeError for a param of another type than
    int, str, date, aware datetime, None or a tuple of them; ValueError if a param does not
    reach the SQL's parameters unchanged (or as the database's adapter changes it)."""
    vendor = connections[DEFAULT_DB_ALIAS].vendor
    values = dict(params or {})
    shape = tuple(sorted((name, _kind(name, value)) for name, value in values.items()))
    full = (key, DEFAULT_DB_ALIAS, vendor, timezone.get_current_timezone_name(), shape)
    with _lock:
        found = _kept.get(full)
        if found is not None:
            _kept.move_to_end(full)
    if found is None:
        slots: tuple[_Slot, ...] = ()
        if params is None:
            made = _compile(build())
        else:
            counter = [0]
            stand_ins = [
                {name: _stand_in(kind, set_, counter) for name, kind in shape} for set_ in (0, 1)
            ]
            first = _compile(build(**stand_ins[0]))
            made, slots = first, tuple(_slots(first, _compile(build(**stand_ins[1])), stand_ins))
        found = (made, slots)
        if made.using == DEFAULT_DB_ALIAS:  # another database's SQL is not kept under this key
            with _lock:
                _kept[full] = found
                while len(_kept) > KEPT_MAX:
                    _kept.popitem(last=False)
    made, kept_slots = found
    if not kept_slots:
        return made
    filled = list(made.params)
    ops = connections[made.using].ops
    for slot in kept_slots:
        value = values[slot.name] if slot.index is None else values[slot.name][slot.index]
        if slot.adapter:
            value = getattr(ops, slot.adapter)(value)
        for position in slot.positions:
            filled[position] = value
    return replace(made, params=tuple(filled))


def forget() -> None:
    """Drop every compilation (tests switching databases or settings)."""
    with _lock:
        _kept.clear()
