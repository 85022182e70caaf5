"""Request and response rules that hold for every route, pages and API alike.

- RequestGuardMiddleware: input no route can use, dealt with before the session, CSRF and
  authentication middleware read the request. Cookies no route can use are treated as absent:
  a cookie whose name or value holds NUL (Django's cookie parser turns a quoted `\\000` into
  one; PostgreSQL text cannot hold it), a session cookie that is not a session key (8 to 40 of
  Django's VALID_KEY_CHARS, lower-case ASCII letters and digits) and a CSRF cookie that is not
  a CSRF token (32 or 64 ASCII letters and digits): the request goes on signed out, with a new
  CSRF cookie, never a 500. A NUL character in the path or the query string is a 400; a number
  in the path beyond PostgreSQL's bigint (no object has that id) is a 404; a whole number in
  the query string beyond bigint is a 422 in the API (naming the parameter) and a 400 page
  elsewhere. Pages get GOV.UK pages, the API its JSON error shape. An id that is not plain
  ASCII digits ("1_0", "+1", " 1") matches no route: ids are `<int:...>` in the pages and
  `{int:...}` in the API (tests/sourcing/test_middleware.py checks every API route).
- MethodNotAllowedMiddleware: every 405 carries an `Allow` header; the API's is JSON, a page's
  is a GOV.UK page linking to the page the action belongs to (instead of a bare
  "Method not allowed.").
- VaryOnHtmxMiddleware: pages answer an htmx request (`HX-Request: true`) with a fragment and
  a plain request with the whole page from the same URL, so every page response says
  `Vary: HX-Request`; otherwise a browser's cache can show the fragment on Back.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils.cache import patch_vary_headers
from django_htmx.middleware import HtmxDetails

from sourcing.access import access_for, role_of
from sourcing.error_views import api_error, is_api


class HtmxHttpRequest(HttpRequest):
    """A request once django-htmx's HtmxMiddleware (settings.MIDDLEWARE) has added
    `request.htmx`; a view that reads it takes this type."""

    htmx: HtmxDetails


BIGINT_MAX = 2**63 - 1  # PostgreSQL bigint: ids and every integer column
_INTEGER = re.compile(r"^[+-]?[0-9]+$")
_DIGITS = re.compile(r"^[0-9]+$")

Middleware = Callable[[HttpRequest], HttpResponse]


def _beyond_bigint(text: str) -> bool:
    # Compared by length first: int() of a long digit string is slow (and limited in CPython).
    digits = text.lstrip("+-").lstrip("0")
    return len(digits) > 19 or (len(digits) == 19 and int(digits) > BIGINT_MAX)


def _shown(name: str) -> str:
    return name.replace("\x00", "\\0")[:40]


_SESSION_KEY = re.compile(r"^[a-z0-9]{8,40}$")  # VALID_KEY_CHARS; django_session.session_key
_CSRF_TOKEN = re.compile(r"^(?:[a-zA-Z0-9]{32}|[a-zA-Z0-9]{64})$")  # CSRF_ALLOWED_CHARS


def _cookie_usable(name: str, value: str) -> bool:
    if "\x00" in name or "\x00" in value:
        return False
    if name == settings.SESSION_COOKIE_NAME:
        return _SESSION_KEY.match(value) is not None
    if name == settings.CSRF_COOKIE_NAME:
        return _CSRF_TOKEN.match(value) is not None
    return True


class RequestGuardMiddleware:
    """Input no route can use, dealt with before the session, CSRF and sign-in middleware and
    before any view or query (placed before SessionMiddleware, settings.MIDDLEWARE).

    Cookies that cannot be a session key, a CSRF token or stored text are dropped from
    `request.COOKIES` (a tampered session cookie means signed out, not a PostgreSQL DataError
    on every page). NUL in the address or the query string, and numbers beyond bigint, are
    refused. A refusal is answered before the session is read, so its page is the one a
    signed-out visitor sees. Ids in API addresses are plain ASCII digits by their path
    converter (`{int:case_id}`: "1_0", "+1", " 1" and full-width digits match no route).
    """

    def __init__(self, get_response: Middleware) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        cookies = request.COOKIES
        unusable = [name for name, value in cookies.items() if not _cookie_usable(name, value)]
        for name in unusable:
            del cookies[name]
        refused = self._refusal(request)
        return refused if refused is not None else self.get_response(request)

    def _refusal(self, request: HttpRequest) -> HttpResponse | None:
        api = is_api(request)
        if "\x00" in request.path:
            msg = "The address must not contain the null character (%00)"
            if api:
                return api_error(400, [{"loc": ["path"], "msg": msg}])
            return _bad_request_page(request, [msg])
        if any(_DIGITS.match(s) and _beyond_bigint(s) for s in request.path.split("/")):
            if api:
                return api_error(404, "Not Found")
            return render(request, "404.html", status=404)
        null: list[tuple[str, str]] = []
        huge: list[tuple[str, str]] = []
        for name, values in request.GET.lists():
            if "\x00" in name or any("\x00" in v for v in values):
                null.append((name, f"{_shown(name)} must not contain the null character (%00)"))
            elif any(_INTEGER.match(v) and _beyond_bigint(v) for v in values):
                bound = f"{BIGINT_MAX:,}"
                message = f"{_shown(name)} must be a whole number from -{bound} to {bound}"
                huge.append((name, message))
        if not (null or huge):
            return None
        if api:
            detail = [{"loc": ["query", _shown(n)], "msg": m} for n, m in null + huge]
            return api_error(400 if null else 422, detail)
        return _bad_request_page(request, [m for _, m in null + huge])


def _bad_request_page(request: HttpRequest, problems: list[str]) -> HttpResponse:
    return render(request, "400.html", {"problems": problems}, status=400)


def _belongs_to(request: HttpRequest) -> str | None:
    """The nearest page above this address that the user may open, if there is one."""
    parts = [p for p in request.path.split("/") if p]
    role = role_of(getattr(request, "user", None))
    while len(parts) > 1:
        parts.pop()
        candidate = "/" + "/".join(parts) + "/"
        try:
            match = resolve(candidate)
        except Resolver404:
            continue
        access = access_for(match.view_name, "GET")
        if access is not None and role in access.roles:
            return candidate
    return None


class MethodNotAllowedMiddleware:
    """Every 405 with an `Allow` header: JSON in the API, a GOV.UK page for pages."""

    def __init__(self, get_response: Middleware) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 405:
            return response
        allow = response.get("Allow", "")
        styled: HttpResponse
        if is_api(request):
            methods = ", ".join(m.strip() for m in allow.split(",") if m.strip())
            styled = api_error(405, f"Method not allowed: use {methods or 'another method'}.")
        else:
            context = {"belongs_to": _belongs_to(request)}
            styled = render(request, "405.html", context, status=405)
        if allow:
            styled["Allow"] = allow
        return styled


class VaryOnHtmxMiddleware:
    """`Vary: HX-Request` on every page response (one URL serves a page and its fragment)."""

    def __init__(self, get_response: Middleware) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not is_api(request):
            patch_vary_headers(response, ("HX-Request",))
        return response
