"""Pagination: a page and the list's count from one query (`counted`) give the same page,
links and count as Django's Paginator, in range or not."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models import Count
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from sourcing.api_schemas import PageQuery, page_of
from sourcing.models import User
from sourcing.pagination import paginate, rows_counted
from suppliers.catalogue import catalogue_import
from suppliers.demo import demo_catalogue_csv
from suppliers.models import Supplier


def _shown(paged: dict[str, Any]) -> tuple[Any, ...]:
    page = paged["page"]
    return (
        page.number,
        page.paginator.count,
        page.paginator.num_pages,
        list(page.object_list),
        paged["page_links"],
        paged["previous_href"],
        paged["next_href"],
    )


@pytest.mark.parametrize("wanted", [None, "1", "2", "3", "0", "-1", "4", "99", "abc", "2.0"])
def test_a_counted_page_is_the_page_and_count_the_paginator_gives(
    users: dict[str, User], wanted: str | None
) -> None:
    catalogue_import(by=users["admin"], raw=demo_catalogue_csv(27))
    request = RequestFactory().get("/suppliers/", {} if wanted is None else {"page": wanted})
    items = Supplier.objects.order_by("name", "company_number").values("company_number", "name")
    plain = paginate(request, items, {"q": "x"}, 10)
    with CaptureQueriesContext(connection) as queries:
        counted = paginate(request, items, {"q": "x"}, 10, counted=True)
        shown = _shown(counted)
    assert shown == _shown(plain)
    # In range: one query. Out of range: as the Paginator (a count, then the last page), after
    # the query that found nothing past the end.
    expected = {"0": 2, "-1": 2, "4": 3, "99": 3}.get(wanted or "", 1)
    assert len(queries) == expected


def test_rows_counted_gives_a_slice_and_the_count_of_everything(users: dict[str, User]) -> None:
    catalogue_import(by=users["admin"], raw=demo_catalogue_csv(12))
    everything = Supplier.objects.order_by("company_number")
    numbers = list(everything.values_list("company_number", flat=True))
    rows, total = rows_counted(everything, 10, 15)
    assert [s.company_number for s in rows] == numbers[10:12] and total == 12
    assert not hasattr(rows[0], "list_total_over")
    dicts, total = rows_counted(everything.values("company_number"), 0, 3)
    assert dicts == [{"company_number": n} for n in numbers[:3]] and total == 12
    assert rows_counted(everything, 12, 20) == ([], None)  # past the end: count it apart
    assert rows_counted(everything.none(), 0, 20) == ([], 0)


def test_rows_counted_counts_the_filtered_rows_and_refuses_distinct_or_grouped_lists(
    users: dict[str, User],
) -> None:
    catalogue_import(by=users["admin"], raw=demo_catalogue_csv(12))
    large = Supplier.objects.filter(sme=False).order_by("company_number")
    expected = list(large.values_list("company_number", flat=True))
    assert 0 < len(expected) < 12
    rows, total = rows_counted(large.values("company_number"), 0, 2)
    assert [r["company_number"] for r in rows] == expected[:2] and total == len(expected)
    with pytest.raises(ValueError):
        rows_counted(large.distinct(), 0, 2)
    with pytest.raises(ValueError):
        rows_counted(large.values("sme").annotate(n=Count("pk")), 0, 2)


@pytest.mark.parametrize(("offset", "limit"), [(0, 5), (10, 5), (12, 5), (40, 5)])
def test_a_counted_api_page_is_the_page_and_count_of_a_plain_one(
    users: dict[str, User], offset: int, limit: int
) -> None:
    catalogue_import(by=users["admin"], raw=demo_catalogue_csv(12))
    everything = Supplier.objects.order_by("company_number")
    page = PageQuery(offset=offset, limit=limit)

    def out(supplier: Supplier) -> dict[str, Any]:
        return {"company_number": supplier.company_number}

    plain = page_of(everything, page, out)
    with CaptureQueriesContext(connection) as queries:
        counted = page_of(everything, page, out, counted=True)
    assert counted == plain and counted["count"] == 12
    # One query, but for an empty page past the start (the count apart).
    assert len(queries) == (2 if offset >= 12 else 1)
