"""Bench-only URLconf: every project route, plus a bare view to compare them with.

The bare view answers `HttpResponse("ok")` after the same middleware as every page (request
id, security headers, CSP, sessions, CSRF, authentication, messages, htmx, route access), so
a page's time over the bare view's is the page's own work. It is declared for signed-in users
here, in the bench URLconf only: the project's permissions table and route matrix never see it.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from scripts.loadbench import BARE_PATH, BARE_ROUTE
from sourcing.access import PERMISSIONS, SIGNED_IN


def bare(request: HttpRequest) -> HttpResponse:
    """The baseline: nothing but the middleware."""
    return HttpResponse("ok", content_type="text/plain")


PERMISSIONS.setdefault(BARE_ROUTE, SIGNED_IN)

urlpatterns = [
    path(BARE_PATH.strip("/") + "/", bare, name=BARE_ROUTE),
    path("", include("sourcing.urls")),
]
