"""Pages for people and access: home, sign in (password, or the department's identity
provider), sign out (and the provider's sign-out)."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import SuspiciousOperation
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from sourcing.access import signed_in_user
from sourcing.compiled_sql import compiled
from sourcing.errors import ValidationFailed
from sourcing.forms import add_service_errors, service_error_links
from sourcing.limits import rate_limited
from sourcing.models import Role, User
from sourcing.people.forms import InvitationForm, SignInForm
from sourcing.people.names import person_text, user_text
from sourcing.people.oidc import (
    PROVIDER_ATTRIBUTE,
    REFUSAL_ATTRIBUTE,
    SESSION_PROVIDER,
    SINGLE_PROVIDER_KEY,
    Provider,
    callback_url,
    provider_named,
    provider_sign_out_url,
    providers,
)
from sourcing.people.selectors import (
    COE_ROLES,
    coe_people,
    department_invitations,
    department_members,
    department_members_listed,
)
from sourcing.people.services import (
    coe_role_set,
    invitation_create,
    invitation_withdraw,
    member_close,
    member_role_set,
)

log = logging.getLogger("sourcing.security")


class SignInView(auth_views.LoginView):
    """The sign-in page: "Sign in with your department account" where a provider is configured,
    and the password form where PASSWORD_SIGN_IN allows it (a posted password is refused, 404,
    where it does not)."""

    template_name = "sourcing/sign_in.html"
    form_class = SignInForm
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not settings.PASSWORD_SIGN_IN:
            raise Http404("Password sign-in is turned off.")
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)
        context["providers"] = providers()
        context["oidc_enabled"] = bool(context["providers"])
        context["password_enabled"] = settings.PASSWORD_SIGN_IN
        return context


def _provider_or_404(key: str) -> Provider:
    provider = provider_named(key)
    if provider is None:
        raise Http404("No such identity provider is configured.")
    return provider


class ProviderSignInView(OIDCAuthenticationRequestView):  # type: ignore[misc]
    """Starts the sign-in at one of the configured identity providers (state, nonce and the
    PKCE verifier kept in the session, the state bound to this provider); 404 for a provider
    that is not configured."""

    provider: Provider

    def get_settings(self, attr: str, *args: Any) -> Any:
        if attr == "OIDC_RP_SCOPES" and hasattr(self, "provider"):
            return self.provider.scopes
        return super().get_settings(attr, *args)

    def get_extra_params(self, request: HttpRequest) -> dict[str, Any]:
        # Each provider answers at its own callback (the mix-up defence).
        return {
            **super().get_extra_params(request),
            "redirect_uri": callback_url(request, self.provider),
        }

    def get(self, request: HttpRequest, provider: str) -> HttpResponse:
        self.provider = _provider_or_404(provider)
        self.OIDC_OP_AUTH_ENDPOINT = self.provider.authorization_endpoint
        self.OIDC_RP_CLIENT_ID = self.provider.client_id
        response: HttpResponse = super().get(request)
        state = parse_qs(urlsplit(response["Location"]).query)["state"][0]
        request.session["oidc_states"][state]["provider"] = self.provider.key
        request.session.modified = True
        return response


# What the refusal page says for each reason (identity_sign_in's codes, and the flow's).
REFUSALS = {
    "unmapped": (
        "Your department is not set up to use this service",
        "Your account was recognised, but its email address or department is not one this "
        "service knows. Ask your department's administrator for this service to set it up, "
        "or sign in with your work account at a department that uses it.",
        403,
    ),
    "inactive": (
        "Your account cannot sign in",
        "Your account has been closed. Contact your department's administrator for this service.",
        403,
    ),
    "unavailable": (
        "Your department's sign-in service is not answering",
        "This service could not reach your department's sign-in service. Try again in a few "
        "minutes.",
        503,
    ),
    "invalid": (
        "Sign-in could not be completed",
        "The answer from your department's sign-in service could not be checked, or the "
        "sign-in had already been used or had expired. Start again from the sign-in page.",
        400,
    ),
}


def _refused(request: HttpRequest, reason: str) -> HttpResponse:
    heading, text, status = REFUSALS[reason]
    context = {"heading": heading, "text": text}
    return render(request, "sourcing/sign_in_refused.html", context, status=status)


class ProviderCallbackView(OIDCAuthenticationCallbackView):  # type: ignore[misc]
    """The provider's answer: on success signed in and sent on; a refused sign-in (unmapped
    department, closed account, an ID token or state that fails its checks, a replayed
    answer) is a GOV.UK page saying why, never a 500."""

    provider: Provider

    def get(self, request: HttpRequest, provider: str) -> HttpResponse:
        self.provider = _provider_or_404(provider)
        states = request.session.get("oidc_states", {})
        started = states.get(request.GET.get("state", ""))
        if started is not None and started.get("provider", SINGLE_PROVIDER_KEY) != provider:
            # Started at another provider: an answer at the wrong callback (a mix-up) ends it.
            del states[request.GET["state"]]
            request.session.modified = True
            log.warning("provider answer at another provider's callback", extra={"to": provider})
            return _refused(request, "invalid")
        setattr(request, PROVIDER_ATTRIBUTE, self.provider)
        try:
            return super().get(request)  # type: ignore[no-any-return]
        except SuspiciousOperation as error:
            log.warning("provider sign-in refused", extra={"reason": str(error)[:200]})
            return _refused(request, "invalid")
        except requests.HTTPError as error:
            # The provider refused the code (used already, expired, for another client).
            log.warning("provider refused the code", extra={"reason": str(error)[:200]})
            status = error.response.status_code if error.response is not None else 0
            return _refused(request, "invalid" if 400 <= status < 500 else "unavailable")
        except requests.RequestException as error:
            log.warning("provider unreachable", extra={"reason": str(error)[:200]})
            return _refused(request, "unavailable")

    def login_success(self) -> HttpResponse:
        response: HttpResponse = super().login_success()
        self.request.session[SESSION_PROVIDER] = self.provider.key
        return response

    def login_failure(self) -> HttpResponse:
        reason = getattr(self.request, REFUSAL_ATTRIBUTE, None)
        if reason is None and ("code" in self.request.GET or "error" in self.request.GET):
            reason = "invalid"
        if reason is None:
            return HttpResponseRedirect(reverse("sign_in"))
        return _refused(self.request, reason)


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
    """Ends the session here and, after a provider sign-in, at the provider too (RP-initiated
    logout, where the provider has an end-session endpoint)."""

    http_method_names = ["post", "options"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        id_token = request.session.get("oidc_id_token", "")
        provider_key = request.session.get(SESSION_PROVIDER, SINGLE_PROVIDER_KEY)
        response: HttpResponse = super().post(request, *args, **kwargs)
        provider = provider_sign_out_url(request, id_token, reverse("sign_in"), provider_key)
        return HttpResponseRedirect(provider) if provider else response


# Every sign-in attempt costs a password hash: RATE_LIMIT_SIGN_IN per address, before it.
sign_in = rate_limited("sign_in", key="ip")(SignInView.as_view())
sign_out = SignOutView.as_view()
# The provider's answer costs two calls to it: the same rate per address as the password form.
oidc_start = ProviderSignInView.as_view()
oidc_callback = rate_limited("sign_in", key="ip")(ProviderCallbackView.as_view())


# The department administrator's pages ---------------------------------------------------------


def _department_id(admin: User) -> int:
    """The administrator's department (the database requires one of their role)."""
    if admin.department_id is None:
        raise Http404("No department.")
    return admin.department_id


def _members(admin: User) -> QuerySet[User]:
    """People of the administrator's own department (someone of another department: 404)."""
    return department_members(_department_id(admin))


def _people_page(
    request: HttpRequest, admin: User, errors: list[tuple[str, str]] | None = None
) -> HttpResponse:
    department_id = _department_id(admin)
    context = {
        "department": admin.department,
        "members": _member_rows(department_id),
        "invitations": _invitation_rows(department_id),
        "grantable": {Role.COMMERCIAL, Role.NONE},
        "errors": errors or [],
    }
    return render(request, "sourcing/department_people.html", context)


# What the people page shows of each person and of each pending invitation.
MEMBER_COLUMNS: Final = (
    "pk",
    "first_name",
    "last_name",
    "username",
    "email",
    "role",
    "is_active",
    "has_identity",
)
INVITATION_COLUMNS: Final = (
    "pk",
    "email",
    "created_at",
    "invited_by__first_name",
    "invited_by__last_name",
    "invited_by__username",
)
ROLE_LABELS: Final = dict(Role.choices)


def _name(first_name: str, last_name: str, username: str) -> str:
    """A person as user_text says them (their full name, else their username)."""
    return person_text(f"{first_name} {last_name}".strip(), username)


def _member_rows(department_id: int) -> list[dict[str, Any]]:
    """The people of the department (department_members_listed) as the page shows them: the
    MEMBER_COLUMNS, their name and their role's label; its SQL compiled once per process, the
    department's id a parameter (sourcing.compiled_sql; one query)."""
    rows = compiled(
        "department-people",
        lambda department_id: department_members_listed(department_id).values(*MEMBER_COLUMNS),
        params={"department_id": department_id},
    ).dicts()
    return [
        {
            **row,
            "name": _name(row["first_name"], row["last_name"], row["username"]),
            "role_label": ROLE_LABELS.get(row["role"], row["role"]),
        }
        for row in rows
    ]


def _invitation_rows(department_id: int) -> list[dict[str, Any]]:
    """The department's pending invitations (department_invitations, newest first) as the page
    shows them, who invited by name; its SQL compiled once per process, the department's id a
    parameter (sourcing.compiled_sql; one query)."""
    rows = compiled(
        "department-invitations-pending",
        lambda department_id: (
            department_invitations(department_id).pending().values(*INVITATION_COLUMNS)
        ),
        params={"department_id": department_id},
    ).dicts()
    return [
        {
            **row,
            "invited_by": _name(
                row["invited_by__first_name"],
                row["invited_by__last_name"],
                row["invited_by__username"],
            ),
        }
        for row in rows
    ]


def department_people(request: HttpRequest) -> HttpResponse:
    """Who has access in the administrator's department: people, their roles, how they sign in,
    pending invitations; grant or take away the commercial role."""
    return _people_page(request, signed_in_user(request))


def department_invite(request: HttpRequest) -> HttpResponse:
    """Invite a colleague by email: their first sign-in through the department's provider gets
    the commercial role (invitation_create)."""
    admin = signed_in_user(request)
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = invitation_create(by=admin, email=form.cleaned_data["email"])
        except ValidationFailed as failed:
            add_service_errors(form, failed.errors)
        else:
            messages.success(
                request,
                f"{invitation.email} is invited and we have emailed them: they get the "
                "commercial role when they first sign in with their department account.",
            )
            return redirect("department_people")
    context = {"form": form, "department": admin.department}
    return render(request, "sourcing/department_invite.html", context)


@require_POST
def department_member_role(request: HttpRequest, user_id: int) -> HttpResponse:
    """Grant (role=commercial) or take away (role=none) the commercial role of someone in the
    administrator's department (member_role_set); errors shown on the people page."""
    admin = signed_in_user(request)
    member = get_object_or_404(_members(admin), pk=user_id)
    try:
        member_role_set(by=admin, member=member, role=request.POST.get("role", ""))
    except ValidationFailed as failed:
        errors = service_error_links(failed.errors, f"#member-{member.pk}")
        return _people_page(request, admin, errors)
    granted = request.POST.get("role") == Role.COMMERCIAL
    messages.success(
        request,
        f"{user_text(member)} "
        + ("is now a department commercial user." if granted else "no longer has a role."),
    )
    return redirect("department_people")


@require_POST
def department_member_close(request: HttpRequest, user_id: int) -> HttpResponse:
    """Close the account of someone of the administrator's department who has left
    (member_close); errors shown on the people page."""
    admin = signed_in_user(request)
    member = get_object_or_404(_members(admin), pk=user_id)
    try:
        member_close(by=admin, member=member)
    except ValidationFailed as failed:
        errors = service_error_links(failed.errors, f"#member-{member.pk}")
        return _people_page(request, admin, errors)
    messages.success(
        request,
        f"The account of {member.get_full_name() or member.username} is closed: they can no "
        "longer sign in and their API tokens no longer work.",
    )
    return redirect("department_people")


@require_POST
def department_invitation_withdraw(request: HttpRequest, invitation_id: int) -> HttpResponse:
    """Withdraw a pending invitation of the administrator's department (invitation_withdraw)."""
    admin = signed_in_user(request)
    invitation = get_object_or_404(department_invitations(_department_id(admin)), pk=invitation_id)
    try:
        invitation_withdraw(by=admin, invitation=invitation)
    except ValidationFailed as failed:
        errors = service_error_links(failed.errors, "#invitations")
        return _people_page(request, admin, errors)
    messages.success(request, f"The invitation to {invitation.email} is withdrawn.")
    return redirect("department_people")


# The service administrator's page of the Centre of Excellence's roles ------------------------


def _coe_page(request: HttpRequest, errors: list[tuple[str, str]] | None = None) -> HttpResponse:
    context = {
        "people": coe_people(),
        "coe_roles": [role for role in Role if role in COE_ROLES],
        "errors": errors or [],
    }
    return render(request, "sourcing/coe_people.html", context)


def coe_people_page(request: HttpRequest) -> HttpResponse:
    """The Centre of Excellence's people (reviewers, auditors, stewards) and those with no role
    yet: grant a CoE role or take it away (coe_role_set)."""
    return _coe_page(request)


@require_POST
def coe_person_role(request: HttpRequest, user_id: int) -> HttpResponse:
    """Grant a CoE role (role=reviewer, auditor or steward) or take it away (role=none);
    someone with another role is a 404 here. Errors shown on the page."""
    admin = signed_in_user(request)
    person = get_object_or_404(coe_people(), pk=user_id)
    role = request.POST.get("role", "")
    try:
        coe_role_set(by=admin, person=person, role=role)
    except ValidationFailed as failed:
        errors = service_error_links(failed.errors, f"#person-{person.pk}")
        return _coe_page(request, errors)
    name = user_text(person)
    granted = role in COE_ROLES
    messages.success(
        request,
        f"{name} now has the role {Role(role).label}."
        if granted
        else f"{name} no longer has a role.",
    )
    return redirect("coe_people")
