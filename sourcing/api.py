"""The API root at /api/v1/ (django-ninja): authentication, errors, health, and each feature's
router mounted."""

from __future__ import annotations

import logging
from typing import Any

import redis
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import connection
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema, Status
from ninja.errors import AuthenticationError, ValidationError
from ninja.utils import check_csrf

from decisions.assessments.api import router as assessments_router
from decisions.cases.api import router as cases_router
from decisions.engine import QUESTIONS
from decisions.records.api import router as records_router
from decisions.review.api import router as review_router
from decisions.rulesets.api import router as rulesets_router
from sourcing.errors import TransitionRefused, ValidationFailed
from sourcing.people.api import router as people_router
from suppliers.api import router as suppliers_router

log = logging.getLogger(__name__)
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# The names our operations give their body parameter (see _contract_loc).
_BODY_PARAMETERS = {"body", "payload"}


class BearerOrSession:
    """A bearer token (checked by RouteAccessMiddleware) or a signed-in session with CSRF."""

    openapi_type = "http"
    openapi_scheme = "bearer"

    def __call__(self, request: HttpRequest) -> Any | None:
        user = request.user
        if not user.is_authenticated:
            return None
        if not getattr(request, "bearer_token", False) and request.method not in _SAFE_METHODS:
            if check_csrf(request) is not None:
                return None
        return user


api = NinjaAPI(
    title="Sourcing decisions API",
    version="1",
    description="JSON API for sourcing cases, assessments, reviews and decision records.",
    urls_namespace="api",
    auth=BearerOrSession(),
)


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(request, {"detail": "The request body is over 1 MB."}, status=413)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    response = api.create_response(
        request, {"detail": "Sign in or send a bearer token (or the CSRF token)."}, status=401
    )
    response["WWW-Authenticate"] = "Bearer"
    return response


def _contract_loc(loc: Any) -> list[Any]:
    """ninja says ["body", "<parameter>", field...] for a body parameter; the contract says
    ["body", field...]."""
    parts = list(loc or ())
    if len(parts) >= 2 and parts[0] == "body" and parts[1] in _BODY_PARAMETERS:
        return ["body", *parts[2:]]
    return parts


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    detail = [
        {"loc": _contract_loc(error.get("loc")), "msg": str(error.get("msg", "Invalid value."))}
        for error in exc.errors
    ]
    return api.create_response(request, {"detail": detail}, status=422)


@api.exception_handler(ValidationFailed)
def _service_invalid(request: HttpRequest, exc: ValidationFailed) -> HttpResponse:
    detail = [
        {
            "loc": ["body", "answers", field]
            if field in QUESTIONS
            else ["body", *field.split(".")],
            "msg": message,
        }
        for field, messages in exc.errors.items()
        for message in messages
    ]
    return api.create_response(request, {"detail": detail}, status=422)


@api.exception_handler(TransitionRefused)
def _refused(request: HttpRequest, exc: TransitionRefused) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc)}, status=409)


class HealthOut(Schema):
    status: str
    database: str
    tasks: str


def _tasks_status() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager"
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return "unavailable"
    return "ok"


@api.get("/health", auth=None, url_name="health", response={200: HealthOut, 503: HealthOut})
def health(request: HttpRequest) -> Status:
    """Whether the database answers, and how tasks run (eager, ok or unavailable)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = "ok"
    except Exception:
        log.exception("health check: database unavailable")
        database = "error"
    status = "ok" if database == "ok" else "error"
    body = {"status": status, "database": database, "tasks": _tasks_status()}
    return Status(200 if status == "ok" else 503, body)


# Each feature's router, mounted at the root of /api/v1/.
api.add_router("/", people_router)
api.add_router("/", cases_router)
api.add_router("/", assessments_router)
api.add_router("/", review_router)
api.add_router("/", records_router)
api.add_router("/", suppliers_router)
api.add_router("/", rulesets_router)
