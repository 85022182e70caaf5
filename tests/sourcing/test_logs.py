"""Structured logging: JSON lines with the request id, user and department."""

from __future__ import annotations

import io
import json
import logging

from sourcing.logs import JsonFormatter, RequestContextFilter
from sourcing.models import User


def test_log_lines_carry_request_id_user_and_department(users: dict[str, User], client_as) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestContextFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("sourcing.access")
    logger.addHandler(handler)
    try:
        client_as(users["commercial"]).get("/admin/", HTTP_X_REQUEST_ID="req-12345678")
    finally:
        logger.removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    refused = next(line for line in lines if line["message"] == "access refused")
    assert refused["request_id"] == "req-12345678"
    assert refused["user"] == "user-commercial"
    assert refused["department"] == "dept-a"
    assert refused["view"] == "admin:index"


def test_sessions_end_after_the_idle_timeout(settings) -> None:
    assert settings.SESSION_COOKIE_AGE == settings.SESSION_IDLE_MINUTES * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
