"""Pages for people and access: home, sign in, sign out."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from sourcing.access import signed_in_user
from sourcing.limits import rate_limited
from sourcing.people.forms import SignInForm


def home(request: HttpRequest) -> HttpResponse:
    """The signed-in home page: what this role can do."""
    role = signed_in_user(request).get_role_display()
    return render(request, "sourcing/home.html", {"role": role})


class SignInView(auth_views.LoginView):
    template_name = "sourcing/sign_in.html"
    form_class = SignInForm
    redirect_authenticated_user = True


def _minutes(delta: timedelta) -> str:
    minutes = max(1, round(delta.total_seconds() / 60))
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def locked_out(
    request: HttpRequest, response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """django-axes' lockout answer (AXES_LOCKOUT_CALLABLE): a GOV.UK page, 429 with
    Retry-After, whatever the password (the right one too) until the lockout ends."""
    cool_off = timedelta(minutes=settings.SIGN_IN_LOCKOUT_MINUTES)
    context = {"wait": _minutes(cool_off), "failure_limit": settings.SIGN_IN_FAILURE_LIMIT}
    page = render(request, "sourcing/sign_in_locked.html", context, status=429)
    page["Retry-After"] = str(int(cool_off.total_seconds()))
    return page


class SignOutView(auth_views.LogoutView):
    http_method_names = ["post", "options"]


# Every sign-in attempt costs a password hash: RATE_LIMIT_SIGN_IN per address, before it.
sign_in = rate_limited("sign_in", key="ip")(SignInView.as_view())
sign_out = SignOutView.as_view()
