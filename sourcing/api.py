"""The JSON API at /api/v1/ (django-ninja): authentication, errors, and the routers.

Errors: every exception an operation raises ends here as JSON in the contract's shape
(../shared/api.md, Errors): 400 for malformed JSON, 422 naming each bad field (the input gate,
pydantic, the services' ValidationFailed, values the database cannot store), 409 for refused
transitions, 413 for bodies over 1 MB, and for anything unexpected a logged 500 whose body
carries the request id. Errors raised outside an operation (routing, middleware) are answered
in the same shapes by sourcing.error_views.
"""

from __future__ import annotations

import json
import logging
import math
import threading
from typing import Any, cast

import redis
from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, connection
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema, Status
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.responses import NinjaJSONEncoder
from ninja.utils import check_csrf

from decisions.assessments.api import router as assessments_router
from decisions.cases.api import router as cases_router
from decisions.engine.hashable import JsonRejected, Unhashable
from decisions.integrity.api import router as integrity_router
from decisions.records.api import router as records_router
from decisions.records.public_interest_api import router as public_interest_router
from decisions.review.api import router as review_router
from decisions.review.calibration_api import router as calibration_router
from decisions.rulesets.api import router as rulesets_router
from sourcing.api_body import GatedParser, api_label, schema_message, service_detail
from sourcing.api_docs import GovukDocs
from sourcing.api_schemas import RETRY_AFTER_HEADER, responses
from sourcing.error_views import SERVER_ERROR
from sourcing.errors import TransitionRefused, ValidationFailed
from sourcing.limits import api_throttles
from sourcing.logs import current_request_id
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


class SourcingAPI(NinjaAPI):
    """NinjaAPI whose OpenAPI document also gives each 429 its Retry-After header, built once
    per process and path prefix (about 0.4 s of pydantic schema generation on a quiet machine)
    once its routes are fixed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The document as JSON text by path prefix: each caller gets its own dict from it, so
        # nothing a caller does to its copy reaches the next one.
        self._documents: dict[str, str] = {}
        self._documents_lock = threading.Lock()

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        """The OpenAPI document: a new dict each call, from openapi_text (so the status codes
        of `responses` are text, as in the JSON)."""
        text = self.openapi_text(path_prefix=path_prefix, path_params=path_params)
        return cast(OpenAPISchema, json.loads(text))

    def openapi_text(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> str:
        """The OpenAPI document as JSON text, built on the first call for a path prefix after
        the URLs are generated (ninja refuses routers added after that, so the routes are
        fixed) and the same str object from then on; before that, built on every call."""
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        text = self._documents.get(path_prefix)
        if text is None:
            frozen = self._bound_routers_cache is not None  # api.urls generated: routes fixed
            text = json.dumps(self._openapi_built(path_prefix), cls=NinjaJSONEncoder)
            if frozen:
                with self._documents_lock:
                    text = self._documents.setdefault(path_prefix, text)
        return text

    def _openapi_built(self, path_prefix: str) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                too_many = operation.get("responses", {}).get(429)
                too_many = too_many or operation.get("responses", {}).get("429")
                if isinstance(too_many, dict):
                    too_many["headers"] = RETRY_AFTER_HEADER
        return schema


api = SourcingAPI(
    title="Sourcing decisions API",
    version="1",
    description="JSON API for sourcing cases, assessments, reviews and decision records.",
    urls_namespace="api",
    auth=BearerOrSession(),
    parser=GatedParser(),
    docs=GovukDocs(),  # a GOV.UK page rendered on the server (docs/decisions/0017)
    # Every operation: RATE_LIMIT_API per user, RATE_LIMIT_API_ANONYMOUS per address without
    # sign-in; some operations add their own scope (sourcing.limits.api_throttles).
    throttle=api_throttles(),
)


@api.exception_handler(Throttled)
def _throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    # ninja adds Retry-After (whole seconds) to this response.
    wait = math.ceil(exc.wait) if exc.wait is not None else None
    detail = "Too many requests: slow down" + (f" and try again in {wait} s." if wait else ".")
    return api.create_response(request, {"detail": detail, "retry_after": wait}, status=429)


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


def _rejected_body(request: HttpRequest, exc: JsonRejected) -> HttpResponse:
    """400 for JSON that cannot be read; 422 naming each value the input gate refuses."""
    detail = [
        {"loc": list(p.path), "msg": f"{api_label(p.path)} {p.message}"} for p in exc.problems
    ]
    return api.create_response(request, {"detail": detail}, status=400 if exc.syntax else 422)


@api.exception_handler(JsonRejected)
def _json_rejected(request: HttpRequest, exc: JsonRejected) -> HttpResponse:
    return _rejected_body(request, exc)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # ninja wraps a body parser's exception in HttpError(400): unwrap the input gate's.
    if isinstance(exc.__cause__, JsonRejected):
        return _rejected_body(request, exc.__cause__)
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    detail = []
    for error in exc.errors:
        loc = _contract_loc(error.get("loc"))
        # pydantic's own errors (query, path and ninja body parameters) carry their type and
        # are worded naming the field; json_body's are worded already.
        msg = schema_message(error, loc) if "type" in error else str(error.get("msg", ""))
        detail.append({"loc": loc, "msg": msg or f"{api_label(loc)} is not valid"})
    return api.create_response(request, {"detail": detail}, status=422)


@api.exception_handler(ValidationFailed)
def _service_invalid(request: HttpRequest, exc: ValidationFailed) -> HttpResponse:
    return api.create_response(request, {"detail": service_detail(exc.errors)}, status=422)


@api.exception_handler(TransitionRefused)
def _refused(request: HttpRequest, exc: TransitionRefused) -> HttpResponse:
    body: dict[str, Any] = {"detail": str(exc)}
    if exc.blockers:
        # Each blocker by its stable code, what it concerns and its message, so a client can
        # route by code rather than by the wording.
        body["blockers"] = [
            {"code": b.code, "concerns": b.concerns, "message": b.message} for b in exc.blockers
        ]
    return api.create_response(request, body, status=409)


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(request, {"detail": "Your role may not do this."}, status=403)


@api.exception_handler(DjangoValidationError)
def _model_invalid(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    by_field = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    detail = [
        {"loc": ["body"] if field == "__all__" else ["body", field], "msg": str(message)}
        for field, messages in by_field.items()
        for message in messages
    ]
    return api.create_response(request, {"detail": detail}, status=422)


def _where(request: HttpRequest) -> list[str]:
    return ["query"] if request.method in _SAFE_METHODS else ["body"]


@api.exception_handler(DataError)
@api.exception_handler(UnicodeEncodeError)
@api.exception_handler(Unhashable)
def _cannot_store(request: HttpRequest, exc: Exception) -> HttpResponse:
    """A value that reached the database or the hashing and could not be stored: a 422.

    The input gate and the services' validation refuse these first, naming the field; this is
    the backstop, so it is logged with the request id to be found and named upstream.
    """
    log.warning("a value could not be stored", exc_info=exc, extra={"path": request.path})
    if isinstance(exc, Unhashable):
        detail = [{"loc": ["body"], "msg": str(p)} for p in exc.problems]
    else:
        msg = "A value is out of range or contains characters that cannot be stored."
        detail = [{"loc": _where(request), "msg": msg}]
    return api.create_response(request, {"detail": detail}, status=422)


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    """Anything else: logged with its traceback and the request id, answered as JSON."""
    request_id = current_request_id()
    log.error(
        "unhandled error in the API",
        exc_info=exc,
        extra={"path": request.path, "method": request.method, "request_id": request_id},
    )
    body = {"detail": SERVER_ERROR, "request_id": request_id}
    return api.create_response(request, body, status=500)


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


@api.get(
    "/health",
    auth=None,
    url_name="health",
    response=responses({200: HealthOut, 503: HealthOut}, public=True),
)
def health(request: HttpRequest) -> Status[dict[str, str]]:
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
api.add_router("/", calibration_router)
api.add_router("/", records_router)
api.add_router("/", public_interest_router)
api.add_router("/", suppliers_router)
api.add_router("/", rulesets_router)
api.add_router("/", integrity_router)
