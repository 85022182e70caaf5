"""Abuse limits: request rates for pages (django-ratelimit) and the API (django-ninja's
throttles), and the 429 answer both give (a GOV.UK page or the API's JSON, with Retry-After).

Rates come from settings.RATE_LIMITS by scope ("<requests>/<period>", read on every request so
a test or an operator's change applies at once) and are counted in the "limits" cache (Redis
when REDIS_URL is set, shared by every web process). Sign-in lockout after wrong passwords is
django-axes' (settings AXES_*; its page is sourcing.people.views.locked_out).
"""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import render
from django_ratelimit.core import get_usage
from ninja.throttling import BaseThrottle, SimpleRateThrottle

log = logging.getLogger("sourcing.security")
LIMITS_CACHE = "limits"
# What people read about each limit on the 429 page.
WHAT = {
    "sign_in": "signing in",
    "token_failure": "using API tokens that are not valid",
    "api_anonymous": "using the API without signing in",
    "api": "using the API",
    "case_create": "starting cases",
    "assess": "getting recommendations",
    "pdf": "downloading decision record PDFs",
    "export": "starting exports",
}


def client_ip(request: HttpRequest) -> str:
    """The client's address as the rates and the sign-in lockout count it.

    Behind TRUSTED_PROXY_COUNT proxies (settings; 0, the default, trusts no header): the address
    the outermost trusted proxy saw, the TRUSTED_PROXY_COUNT-th entry from the right of
    X-Forwarded-For (entries further left are the client's own say, never trusted). Without
    enough entries, or with none trusted, REMOTE_ADDR.
    """
    remote = str(request.META.get("REMOTE_ADDR") or "")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [
        part.strip() for part in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")
    ]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < count:
        return remote
    return forwarded[-count]


def limits_cache() -> BaseCache:
    """The cache the limits are counted in."""
    return caches[LIMITS_CACHE]


def rate_for(scope: str) -> str:
    """The configured rate of a scope; KeyError names an unknown scope."""
    return settings.RATE_LIMITS[scope]


def _wait_text(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def too_many_requests(request: HttpRequest, *, scope: str, retry_after: int) -> HttpResponse:
    """429 with Retry-After: the API's JSON error under /api/, else the GOV.UK page."""
    retry_after = max(1, int(retry_after))
    what = WHAT.get(scope, "this")
    log.warning("rate limited", extra={"scope": scope, "path": request.path[:200]})
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {
                "detail": f"Too many requests {what}: try again in {_wait_text(retry_after)}.",
                "retry_after": retry_after,
            },
            status=429,
        )
    else:
        context = {"what": what, "wait": _wait_text(retry_after)}
        response = render(request, "429.html", context, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def usage(request: HttpRequest, scope: str, *, key: str, increment: bool) -> dict[str, Any] | None:
    """django-ratelimit's count of a scope for this request (None when limits are off)."""
    if not settings.RATE_LIMITS_ENABLED:
        return None
    try:
        found: dict[str, Any] | None = get_usage(
            request, group=f"sourcing.{scope}", key=key, rate=rate_for(scope), increment=increment
        )
        return found
    except Exception:
        # The limits cache is down: serve rather than refuse everyone (the sign-in lockout
        # lives in the database and still holds); logged for the operators.
        log.exception("rate limits unavailable", extra={"scope": scope})
        return None


def over_limit(request: HttpRequest, scope: str, *, key: str = "user_or_ip") -> int | None:
    """Count one request against a scope; the seconds to wait when it is over, else None."""
    found = usage(request, scope, key=key, increment=True)
    if found and found["should_limit"]:
        return int(found["time_left"])
    return None


def rate_limited(
    scope: str, *, methods: tuple[str, ...] = ("POST",), key: str = "user_or_ip"
) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """A page view decorator: requests of `methods` beyond the scope's rate answer 429 (the
    GOV.UK page, Retry-After) before the view runs; counted per user, or per address."""

    def decorate(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if request.method in methods:
                wait = over_limit(request, scope, key=key)
                if wait is not None:
                    return too_many_requests(request, scope=scope, retry_after=wait)
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def _signed_in(request: HttpRequest) -> Any | None:
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


class Throttle(SimpleRateThrottle):
    """A django-ninja throttle of one scope: per signed-in user (token or session), else per
    client address under `anonymous_scope` when given; rates read from settings.RATE_LIMITS
    on each request. Ninja answers 429 with Retry-After (sourcing.api words the body)."""

    def __init__(self, scope: str, *, anonymous_scope: str | None = None) -> None:
        self.scope = scope
        self.signed_in_scope = scope
        self.anonymous_scope = anonymous_scope or scope
        super().__init__(rate_for(scope))

    @property
    def cache(self) -> BaseCache:  # type: ignore[override]  # ninja reads self.cache
        return limits_cache()

    def _scope_of(self, request: HttpRequest) -> str:
        return self.signed_in_scope if _signed_in(request) is not None else self.anonymous_scope

    def allow_request(self, request: HttpRequest) -> bool:
        scope = self._scope_of(request)
        self.rate = rate_for(scope)
        self.num_requests, self.duration = self.parse_rate(self.rate)
        try:
            allowed = super().allow_request(request)
        except Exception:  # the limits cache is down: serve (see usage())
            log.exception("rate limits unavailable", extra={"scope": scope})
            return True
        if not allowed:
            log.warning("rate limited", extra={"scope": scope, "path": request.path[:200]})
        return allowed

    def get_ident(self, request: HttpRequest) -> str | None:
        return client_ip(request)

    def get_cache_key(self, request: HttpRequest) -> str | None:
        if not settings.RATE_LIMITS_ENABLED:
            return None
        user = _signed_in(request)
        ident = f"user-{user.pk}" if user is not None else f"ip-{self.get_ident(request)}"
        return f"throttle:{self._scope_of(request)}:{ident}"


def api_throttles(*scopes: str) -> list[BaseThrottle]:
    """The API's overall throttle (per user, or per address without sign-in) and the extra
    scopes of one operation (e.g. "pdf")."""
    return [
        Throttle("api", anonymous_scope="api_anonymous"),
        *(Throttle(scope) for scope in scopes),
    ]
