"""Shapes the API's routes share: the pages of its lists and its errors, declared on every route
(`response=`) so the OpenAPI document lists every status an operation answers with.

Lists (../shared/api.md, Lists): `?limit=` (default 50, at most 200) and `?offset=`, answered
as `{"items": [...], "count": N, "limit": L, "offset": O}`. An out-of-range `limit` or `offset`
(below its minimum, above its maximum, not an integer) is a 422 naming the parameter, from the
query schema; never a 500. The offset's maximum is beyond any list the service holds and keeps
offset + limit inside PostgreSQL's bigint.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, Final, Literal

from django import forms
from django.db.models import QuerySet
from ninja import Schema
from ninja.errors import ValidationError
from pydantic import Field

from sourcing.forms import ReportFilterForm
from sourcing.pagination import rows_counted

LIMIT_DEFAULT: Final[int] = 50
LIMIT_MAX: Final[int] = 200
OFFSET_MAX: Final[int] = 1_000_000_000


class Problem(Schema):
    """One bad value: where it is (`["body", "answers", "differentiation"]`) and what is wrong."""

    loc: list[str | int]
    msg: str


class Invalid(Schema):
    """400 (malformed JSON) and 422 (values refused): every problem, by field."""

    detail: list[Problem]


class Message(Schema):
    """401, 403, 404, 405, 409, 413 and 503: what happened and what to do, in words."""

    detail: str


class ServerError(Schema):
    """500: something went wrong on our side; the request id is in our logs."""

    detail: str
    request_id: str


class TooManyRequests(Schema):
    """429: the caller went over a rate (sourcing.limits); `retry_after` in whole seconds, as
    the Retry-After header says (null when the limit does not say)."""

    detail: str
    retry_after: int | None


# The header every 429 carries (RFC 9110, section 10.2.3), in the OpenAPI document's terms;
# sourcing.api adds it to each 429 response of the document (ninja's `response=` takes bodies).
RETRY_AFTER_HEADER: Final[dict[str, Any]] = {
    "Retry-After": {
        "description": "Whole seconds to wait before trying again.",
        "required": True,
        "schema": {"type": "integer", "minimum": 0},
    }
}


def responses(ok: dict[int, Any], *, public: bool = False) -> dict[int, Any]:
    """`response=` of a route: its own successes and every error the API root may answer with
    (sourcing.api), 401 only where a caller must sign in. Every route is throttled (the API
    root's throttle, sourcing.limits.api_throttles), so every route declares 429."""
    errors: dict[int, Any] = {
        400: Invalid | Message,
        403: Message,
        404: Message,
        409: Message,
        413: Message,
        422: Invalid,
        429: TooManyRequests,
        500: ServerError,
    }
    if not public:
        errors[401] = Message
    return {**ok, **errors}


class PageQuery(Schema):
    """`limit` and `offset` of one page of a list."""

    limit: int = Field(
        LIMIT_DEFAULT, ge=1, le=LIMIT_MAX, description=f"Items per page, 1 to {LIMIT_MAX}"
    )
    offset: int = Field(
        0, ge=0, le=OFFSET_MAX, description="Items to skip from the start of the list"
    )


class ReportFilters(PageQuery):
    """The filters of the Centre of Excellence's reports, as on their pages
    (sourcing.forms.ReportFilterForm): a department's code (an unknown one is a 422, as on
    the page),
    a decided option, the period of the decision (ISO 8601 days, inclusive, London days as
    sourcing.dates.days_q reads them); 422 naming a bad
    one."""

    department: str = Field("", max_length=20)
    option: Literal["", "buy", "build", "partner", "procure", "innovate"] = ""
    since: date | None = None
    until: date | None = None

    def filters(self) -> dict[str, Any]:
        """The filters as keyword arguments of a report's selector, checked by the page's own
        form (sourcing.forms.ReportFilterForm): ValidationError (422) naming each bad one with
        the page's message, an unknown department's code included."""
        given = {
            "department": self.department.strip(),
            "option": self.option,
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
        }
        form = ReportFilterForm({k: v for k, v in given.items() if v})
        if not form.is_valid():
            raise ValidationError(form_problems(form))
        return form.filters()


def form_problems(form: forms.BaseForm) -> list[dict[str, Any]]:
    """A GET form's errors as a 422's detail: `{loc: ["query", field], msg}` each, in the
    form's field order, with the messages the page's error summary shows."""
    return [
        {"loc": ["query", name], "msg": str(message)}
        for name in form.fields
        for message in form.errors.get(name, [])
    ]


class PageOut(Schema):
    """One page of a list: its items, how many the whole list holds, the limit and offset."""

    items: list[dict[str, Any]]
    count: int
    limit: int
    offset: int


def page_of[T](
    rows: QuerySet[Any] | Sequence[T],
    page: PageQuery,
    out: Callable[[T], dict[str, Any]],
    *,
    counted: bool = False,
) -> dict[str, Any]:
    """One page of `rows` (a queryset is counted and sliced in the database), each item
    through `out`. `counted`: `rows` is a plain filtered queryset whose page and count come
    from one query (sourcing.pagination.rows_counted; an empty page past the start is counted
    apart)."""
    chosen: Any
    if counted and isinstance(rows, QuerySet):
        chosen, total = rows_counted(rows, page.offset, page.offset + page.limit)
        count = total if total is not None else rows.count()
    else:
        count = rows.count() if isinstance(rows, QuerySet) else len(rows)
        chosen = rows[page.offset : page.offset + page.limit]
    return {
        "items": [out(row) for row in chosen],
        "count": count,
        "limit": page.limit,
        "offset": page.offset,
    }
