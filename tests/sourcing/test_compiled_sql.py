"""A queryset compiled once per process and key (sourcing.compiled_sql) gives the rows the
queryset would give, read afresh on every call; what its SQL is built from is in its key."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.db.models import DateField, Value
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sourcing import compiled_sql
from sourcing.compiled_sql import compiled
from sourcing.models import Department

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _forgotten() -> Iterator[None]:
    compiled_sql.forget()
    yield
    compiled_sql.forget()


def _departments(prefix: str, builds: list[str]) -> Any:
    builds.append(prefix)
    return (
        Department.objects.filter(code__startswith=prefix)
        .annotate(day=Value(date(2026, 4, 1), output_field=DateField()))
        .order_by("code")
        .values("code", "name", "day")
    )


def test_it_compiles_once_a_key_and_reads_the_rows_afresh_on_every_call(
    django_assert_num_queries: Any,
) -> None:
    builds: list[str] = []
    Department.objects.create(code="cmp-a", name="Compiled A")
    first = compiled(("departments", "cmp-"), lambda: _departments("cmp-", builds))
    assert first.dicts() == list(_departments("cmp-", []))
    Department.objects.create(code="cmp-b", name="Compiled B")
    again = compiled(("departments", "cmp-"), lambda: _departments("cmp-", builds))
    assert again is first and builds == ["cmp-"]
    with django_assert_num_queries(1):
        rows = again.dicts()
    assert [r["code"] for r in rows] == ["cmp-a", "cmp-b"]  # the row added since is read


def test_its_rows_are_converted_as_the_queryset_s_are() -> None:
    Department.objects.create(code="cmp-a", name="Compiled A")
    made = compiled("dated", lambda: _departments("cmp-", []))
    assert made.rows() == [("cmp-a", "Compiled A", date(2026, 4, 1))]
    assert made.dicts() == list(_departments("cmp-", []))  # a date on SQLite too


def test_another_key_or_time_zone_is_compiled_again() -> None:
    builds: list[str] = []
    Department.objects.create(code="cmp-a", name="Compiled A")
    Department.objects.create(code="oth-a", name="Other A")
    mine = compiled(("departments", "cmp-"), lambda: _departments("cmp-", builds))
    other = compiled(("departments", "oth-"), lambda: _departments("oth-", builds))
    assert [r["code"] for r in other.dicts()] == ["oth-a"]
    assert [r["code"] for r in mine.dicts()] == ["cmp-a"]
    with timezone.override("America/New_York"):
        compiled(("departments", "cmp-"), lambda: _departments("cmp-", builds))
    assert builds == ["cmp-", "oth-", "cmp-"]


def test_it_keeps_at_most_kept_max_compilations(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compiled_sql, "KEPT_MAX", 2)
    builds: list[str] = []
    for key in ("a", "b", "c"):
        compiled(key, lambda: _departments("cmp-", builds))
    compiled("c", lambda: _departments("cmp-", builds))  # kept
    compiled("a", lambda: _departments("cmp-", builds))  # the oldest, dropped: built again
    assert len(builds) == 4
    assert len(compiled_sql._kept) == 2


def test_compiling_reads_nothing() -> None:
    with CaptureQueriesContext(connection) as queries:
        compiled("none", lambda: _departments("cmp-", []))
    assert len(queries) == 0


def test_a_filter_that_matches_nothing_reads_nothing(django_assert_num_queries: Any) -> None:
    made = compiled("empty", lambda: Department.objects.filter(pk__in=[]).values("code"))
    with django_assert_num_queries(0):
        assert made.rows() == [] and made.dicts() == []
