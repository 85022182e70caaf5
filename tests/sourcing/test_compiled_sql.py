"""A queryset compiled once per process and key (sourcing.compiled_sql) gives the rows the
queryset would give, read afresh on every call; what its SQL is built from is in its key."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.db.models import DateField, Q, Value
from django.db.models.functions import Upper
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sourcing import compiled_sql
from sourcing.compiled_sql import compiled
from sourcing.models import Department, Role, User
from suppliers.models import Segment

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


# Params: compiled once per shape, each call's own values in its parameters.


def _by_pk(builds: list[int], pk: Any) -> Any:
    builds.append(pk)
    return Department.objects.filter(pk=pk).values_list("code", flat=False)


def test_one_compilation_serves_every_id_with_its_own_rows(
    django_assert_num_queries: Any,
) -> None:
    builds: list[int] = []
    a = Department.objects.create(code="cmp-a", name="Compiled A")
    b = Department.objects.create(code="cmp-b", name="Compiled B")
    first = compiled("by-pk", lambda pk: _by_pk(builds, pk), params={"pk": a.pk})
    second = compiled("by-pk", lambda pk: _by_pk(builds, pk), params={"pk": b.pk})
    with django_assert_num_queries(2):
        assert first.rows() == [("cmp-a",)] and second.rows() == [("cmp-b",)]
    assert a.pk not in builds and b.pk not in builds  # built with stand-ins only
    assert len(builds) == 2  # the first call's two compilations, none for the second id
    assert first.sql == second.sql and len(compiled_sql._kept) == 1


def test_a_value_equal_to_a_stand_in_is_not_taken_for_it() -> None:
    # The stand-ins of a one-int shape, made the ids of two departments, and one of them a
    # constant of the query too: only the compilations' comparison says which is the param.
    one, two = (compiled_sql._stand_in("int", set_, [set_]) for set_ in (0, 1))
    Department.objects.create(pk=one, code="cmp-one", name="One")
    Department.objects.create(pk=two, code="cmp-two", name="Two")
    small = Department.objects.create(code="cmp-small", name="Small")

    def build(pk: int) -> Any:
        in_either = Q(pk=pk) | Q(pk=one)
        return Department.objects.filter(in_either).order_by("code").values_list("code")

    assert compiled("in", build, params={"pk": small.pk}).rows() == [("cmp-one",), ("cmp-small",)]
    assert compiled("in", build, params={"pk": two}).rows() == [("cmp-one",), ("cmp-two",)]
    assert compiled("in", build, params={"pk": one}).rows() == [("cmp-one",)]
    assert len(compiled_sql._kept) == 1


def test_what_changes_the_sql_is_part_of_the_shape() -> None:
    builds: list[Any] = []
    a = Department.objects.create(code="cmp-a", name="Compiled A")
    b = Department.objects.create(code="cmp-b", name="Compiled B")

    def build(pks: Any) -> Any:
        builds.append(pks)
        return Department.objects.filter(pk__in=pks).order_by("code").values_list("code")

    assert compiled("in-tuple", build, params={"pks": (a.pk,)}).rows() == [("cmp-a",)]
    assert compiled("in-tuple", build, params={"pks": (b.pk,)}).rows() == [("cmp-b",)]
    both = compiled("in-tuple", build, params={"pks": (b.pk, a.pk)})  # another length
    assert both.rows() == [("cmp-a",), ("cmp-b",)]
    assert compiled("in-tuple", build, params={"pks": ()}).rows() == []  # nothing: no query
    assert len(builds) == 6 and len(compiled_sql._kept) == 3


def test_none_is_built_in_as_itself() -> None:
    Department.objects.create(code="cmp-a", name="Compiled A")

    def build(pk: int | None) -> Any:
        return Department.objects.filter(pk=pk).values_list("code")

    assert compiled("maybe", build, params={"pk": None}).rows() == []
    found = Department.objects.get(code="cmp-a").pk
    assert compiled("maybe", build, params={"pk": found}).rows() == [("cmp-a",)]
    assert len(compiled_sql._kept) == 2


def test_a_date_is_changed_as_the_database_changes_it() -> None:
    Department.objects.create(code="cmp-a", name="Compiled A")

    def build(day: date) -> Any:
        return Department.objects.annotate(day=Value(day, output_field=DateField())).values_list(
            "code", "day"
        )

    assert compiled("day", build, params={"day": date(2026, 4, 1)}).rows() == [
        ("cmp-a", date(2026, 4, 1))
    ]
    assert compiled("day", build, params={"day": date(2027, 5, 2)}).rows() == [
        ("cmp-a", date(2027, 5, 2))
    ]


def test_a_param_django_changes_otherwise_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="params\\['prefix'\\]"):
        compiled(
            "like",
            lambda prefix: Department.objects.filter(code__startswith=prefix).values("code"),
            params={"prefix": "cmp-"},
        )
    with pytest.raises(ValueError, match=r"parameter 0 changes.*params\[.pk.\]"):
        compiled(
            "computed",
            lambda pk: Department.objects.filter(pk=pk + 1).values("code"),
            params={"pk": 1},
        )
    with pytest.raises(ValueError, match="parameter 1 changes"):
        compiled(
            "also-computed",
            lambda pk: Department.objects.filter(pk__in=[pk, pk + 1]).values("code"),
            params={"pk": 1},
        )
    with pytest.raises(TypeError, match="params\\['flag'\\] is bool"):
        compiled("flag", lambda flag: Department.objects.values("code"), params={"flag": True})
    assert not compiled_sql._kept


def test_a_param_the_sql_does_not_use_is_allowed() -> None:
    Department.objects.create(code="cmp-a", name="Compiled A")
    made = compiled("unused", lambda pk: Department.objects.values_list("code"), params={"pk": 3})
    assert made.rows() == [("cmp-a",)]


def test_an_int_param_on_a_small_integer_column_is_right_or_refused() -> None:
    # Django drops a filter on a value out of the column's range (a stand-in above 32767
    # read every segment, or none, without a word): the stand-ins are within it. PostgreSQL's
    # backend wraps such a param (psycopg's Int2): refused there, by name, never wrong.
    for position, key in ((3, "cmp-three"), (7, "cmp-seven"), (12, "cmp-twelve")):
        Segment.objects.create(key=key, position=position, name=key)

    def below(position: int) -> Any:
        return (
            Segment.objects.filter(key__startswith="cmp-", position__lt=position)
            .order_by("position")
            .values_list("key")
        )

    for position in (8, 4):
        try:
            made = compiled("small", below, params={"position": position})
        except ValueError as refused:
            assert "params['position']" in str(refused) and connection.vendor == "postgresql"
            continue
        assert made.rows() == list(below(position))
    assert len(list(below(8))) == 2  # the query itself, as the comparison's check


def test_a_case_insensitive_match_is_right_or_refused() -> None:
    # SQLite's iexact is a LIKE: a value with _ or % would match others. Its escaping changes
    # the stand-in (which holds both), so it is refused there; PostgreSQL's is an equality.
    Department.objects.create(code="cmp-alice", name="Alice")
    Department.objects.create(code="cmp-xlice", name="Xlice")

    def build(code: str) -> Any:
        return Department.objects.filter(code__iexact=code).values_list("name")

    try:
        made = compiled("iexact", build, params={"code": "CMP-_LICE"})
    except ValueError:
        assert connection.vendor == "sqlite"
        return
    assert made.rows() == []
    assert compiled("iexact", build, params={"code": "CMP-ALICE"}).rows() == [("Alice",)]


# Instances: rows made into models of the columns read.


def test_instances_are_the_models_of_the_columns_read_with_their_relations(
    django_assert_num_queries: Any,
) -> None:
    department = Department.objects.create(code="cmp-a", name="Compiled A")
    for username in ("ann", "bob"):
        User.objects.create(username=username, department=department, first_name=username)
    User.objects.create(username="cyd", role=Role.REVIEWER)  # no department: a null key

    def build() -> Any:
        return (
            User.objects.annotate(shouted=Upper("username"))
            .order_by("username")
            .values_list("username", "pk", "department_id", "department__name", "shouted")
        )

    with django_assert_num_queries(1):
        ann, bob, cyd = compiled("people", build).instances(
            User, related=("department",), renamed={"shouted": "loud"}
        )
        assert (ann.username, ann.loud, ann.department.name) == ("ann", "ANN", "Compiled A")
        assert ann.department is bob.department and ann.department.pk == department.pk
        assert cyd.department is None and not ann._state.adding
    with django_assert_num_queries(1):
        assert ann.first_name == "ann"  # not read: loaded on access, as only() does


def test_instances_of_rows_already_read_read_nothing(django_assert_num_queries: Any) -> None:
    Department.objects.create(code="cmp-a", name="Compiled A")
    made = compiled("codes", lambda: Department.objects.values_list("pk", "code"))
    rows = made.rows()
    with django_assert_num_queries(0):
        (department,) = made.instances(Department, rows=rows)
    assert department.code == "cmp-a" and department.pk == rows[0][0]


def test_instances_need_the_primary_key() -> None:
    made = compiled("no-pk", lambda: Department.objects.values_list("code"))
    with pytest.raises(ValueError, match="Department: its primary key"):
        made.instances(Department)
    people = compiled("no-related-pk", lambda: User.objects.values_list("pk", "department__name"))
    with pytest.raises(ValueError, match=r"User\.department: its primary key"):
        people.instances(User, related=("department",))


def test_model_columns_are_the_primary_key_and_those_wanted_in_the_model_s_order() -> None:
    assert compiled_sql.model_columns(Department, ["name", "code"]) == ("id", "code", "name")
