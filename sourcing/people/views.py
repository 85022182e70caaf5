"""Pages for people and access: home, sign in, sign out."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from sourcing.access import signed_in_user
from sourcing.people.forms import SignInForm


def home(request: HttpRequest) -> HttpResponse:
    """The signed-in home page: what this role can do."""
    role = signed_in_user(request).get_role_display()
    return render(request, "sourcing/home.html", {"role": role})


class SignInView(auth_views.LoginView):
    template_name = "sourcing/sign_in.html"
    form_class = SignInForm
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    http_method_names = ["post", "options"]


sign_in = SignInView.as_view()
sign_out = SignOutView.as_view()
