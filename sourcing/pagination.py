"""One page of a list, with the GOV.UK pagination links that keep the search parameters."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.http import HttpRequest


def paginate(
    request: HttpRequest,
    items: Any,
    params: dict[str, str],
    size: int,
    *,
    path: str = "",
    number: int | None = None,
) -> dict[str, Any]:
    """`page`, `page_links`, `previous_href` and `next_href` for includes/pagination.html.

    `items` is a queryset or list; `params` are the search parameters every link keeps; the
    page number comes from ?page= (out of range: the last page), or is `number`; the links go
    to `path` (default: the address of the request, for a page answering a POST elsewhere).
    """
    wanted = number if number is not None else request.GET.get("page")
    page: Page[Any] = Paginator(items, size).get_page(wanted)

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
