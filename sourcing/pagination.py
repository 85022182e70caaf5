"""One page of a list, with the GOV.UK pagination links that keep the search parameters."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.db.models import F, Func, IntegerField, QuerySet, Subquery
from django.http import HttpRequest

# The annotation rows_counted reads the count of the whole list from (and takes off each row).
_TOTAL = "list_total_over"


def rows_counted(items: QuerySet[Any], start: int, stop: int) -> tuple[list[Any], int | None]:
    """`items[start:stop]` as a list, and how many items there are in all, from one query
    (the slice, with `(SELECT COUNT(pk) ...)` of the same filters as a column: computed once
    in the same statement, so of the same snapshot). The count is None when the slice is
    empty and does not start at 0 (no row to carry it: ask `items.count()`).

    `items`: a queryset of model instances or of `.values()` dicts, filtered and ordered but
    neither DISTINCT nor grouped (ValueError: their rows are not what COUNT(pk) counts). The
    count reads only the filters' columns (an index where there is one), not every row's
    columns as `COUNT(*) OVER ()` did (the window kept each matching row, with every column
    read, before the slice: 10 of the supplier list's 11 ms at 2,355 suppliers).
    """
    if items.query.distinct or items.query.group_by is not None:
        raise ValueError("rows_counted counts rows of a plain filtered queryset")
    counted = items.order_by().values(
        **{_TOTAL: Func(F("pk"), function="COUNT", output_field=IntegerField())}
    )
    rows = list(items.annotate(**{_TOTAL: Subquery(counted)})[start:stop])
    if not rows:
        return rows, None if start else 0
    total = 0
    for row in rows:
        total = row.pop(_TOTAL) if isinstance(row, dict) else vars(row).pop(_TOTAL)
    return rows, total


def _page_counted(items: QuerySet[Any], size: int, wanted: Any) -> Page[Any] | None:
    """The page `wanted` of `items` with its paginator's count from the same query
    (rows_counted); None where Paginator.get_page must decide (a page before the first or
    after the last)."""
    try:
        number = int(wanted if wanted is not None else 1)
    except (TypeError, ValueError):
        number = 1  # as Paginator.get_page: not a whole number is the first page
    if number < 1:
        return None
    rows, total = rows_counted(items, (number - 1) * size, number * size)
    if total is None:
        return None
    paginator: Paginator[Any] = Paginator(items, size)
    paginator.count = total  # a cached_property: the count is known
    return Page(rows, number, paginator)


def paginate(
    request: HttpRequest,
    items: Any,
    params: dict[str, str],
    size: int,
    *,
    path: str = "",
    number: int | None = None,
    counted: bool = False,
) -> dict[str, Any]:
    """`page`, `page_links`, `previous_href` and `next_href` for includes/pagination.html.

    `items` is a queryset or list; `params` are the search parameters every link keeps; the
    page number comes from ?page= (out of range: the last page), or is `number`; the links go
    to `path` (default: the address of the request, for a page answering a POST elsewhere).
    `counted`: `items` is a queryset whose page and count come from one query (rows_counted;
    a page out of range costs the count and the last page as usual); the page's object_list
    is then a list.
    """
    wanted = number if number is not None else request.GET.get("page")
    page = _page_counted(items, size, wanted) if counted else None
    if page is None:
        page = Paginator(items, size).get_page(wanted)

    def href(number: int) -> str:
        return path + "?" + urlencode({**params, "page": number})

    # The elided range yields page numbers and, for each gap, Paginator.ELLIPSIS (a lazy string).
    links = [
        {"number": number, "href": href(number), "current": number == page.number}
        if isinstance(number, int)
        else {"ellipsis": True}
        for number in page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1)
    ]
    return {
        "page": page,
        "page_links": links if page.paginator.num_pages > 1 else [],
        "previous_href": href(page.previous_page_number()) if page.has_previous() else None,
        "next_href": href(page.next_page_number()) if page.has_next() else None,
    }
