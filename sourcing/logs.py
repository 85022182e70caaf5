"""Structured (JSON lines) logging with the request id, the user and their department."""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse

_request_id: ContextVar[str] = ContextVar("request_id", default="-")
_user: ContextVar[str] = ContextVar("user", default="-")
_department: ContextVar[str] = ContextVar("department", default="-")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def current_request_id() -> str:
    """The id of the request being handled ("-" outside a request), as logged and echoed in
    the X-Request-ID header: error pages and the API's 500 body quote it."""
    return _request_id.get()


def set_log_user(user: Any) -> None:
    """Record who is acting, for every later log line of this request."""
    if user is not None and getattr(user, "is_authenticated", False):
        _user.set(user.get_username())
        department = getattr(user, "department", None)
        _department.set(department.code if department else "-")


class RequestIdMiddleware:
    """Give each request an id (a safe X-Request-ID if sent), echoed in the response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        sent = request.headers.get("X-Request-ID", "")
        request_id = sent if _SAFE_ID.match(sent) else uuid.uuid4().hex
        tokens = (_request_id.set(request_id), _user.set("-"), _department.set("-"))
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(tokens[0])
            _user.reset(tokens[1])
            _department.reset(tokens[2])
        response["X-Request-ID"] = request_id
        return response


class RequestContextFilter(logging.Filter):
    """Attach the request id, user and department to each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        record.user = _user.get()
        record.department = _department.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line; `extra` fields are kept, never the request body."""

    _skip = frozenset(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in self._skip and key not in line and key != "request":
                line[key] = value if isinstance(value, (str, int, float, bool)) else str(value)
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)
