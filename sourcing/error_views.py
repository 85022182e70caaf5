"""Error responses raised outside a view's own handling: GOV.UK pages, or the API's JSON.

Django calls these (handler400/403/404/500 in sourcing.urls) for exceptions no view handled:
routing (an unknown /api/v1/ path), middleware, and unexpected errors in pages. Under /api/
they answer in the API contract's shape (../shared/api.md, Errors), so an API client never gets
an HTML page; elsewhere they render the GOV.UK templates. A 500 quotes the request id that the
logs carry (sourcing.logs).
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.views import defaults

from sourcing.logs import current_request_id

log = logging.getLogger(__name__)
API_PREFIX = "/api/"
SERVER_ERROR = "Sorry, there is a problem with the service. Quote the request id if you contact us."


def is_api(request: HttpRequest) -> bool:
    """Whether the request is for the JSON API."""
    return request.path.startswith(API_PREFIX)


def api_error(status: int, detail: Any, **extra: Any) -> JsonResponse:
    """A JSON error in the contract's shape: {"detail": ...}."""
    return JsonResponse({"detail": detail, **extra}, status=status)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """400."""
    if is_api(request):
        return api_error(400, [{"loc": [], "msg": "The request cannot be read."}])
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """403."""
    if is_api(request):
        return api_error(403, "Your role may not do this.")
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """404."""
    if is_api(request):
        return api_error(404, "Not Found")
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """500: Django has logged the traceback with the request id; the answer quotes it."""
    request_id = current_request_id()
    if is_api(request):
        return api_error(500, SERVER_ERROR, request_id=request_id)
    # Rendered without the request's context (as Django's own handler does): whatever broke
    # may be in a context processor.
    html = loader.get_template("500.html").render({"request_id": request_id})
    return HttpResponse(html, status=500)
