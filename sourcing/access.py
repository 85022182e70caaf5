"""Who may call what: the one permissions table, its enforcement, and department scoping.

Every URL pattern is declared in PERMISSIONS by its view name (per HTTP method where they
differ). RouteAccessMiddleware enforces it for pages, htmx partials, downloads and the API
alike; a route nobody declared is refused, and the route matrix test fails the suite.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    JsonResponse,
)
from django.utils import timezone

from sourcing.limits import too_many_requests, usage
from sourcing.logs import set_log_user
from sourcing.models import ApiToken, Role, User

log = logging.getLogger(__name__)

ANONYMOUS = "anonymous"
# Every role, "no role yet" included (someone admitted by their department's identity provider,
# waiting for a department administrator's grant: the home page and signing out only).
ALL_ROLES: frozenset[str] = frozenset(Role.values)
# The roles that do something: "everyone signed in" means them.
ROLES: frozenset[str] = ALL_ROLES - {Role.NONE}
API_NAMESPACE = "api"


@dataclass(frozen=True)
class Access:
    """Which roles may call a route, and whether its objects are scoped to a department."""

    roles: frozenset[str]
    scoped: bool = False
    # The status an allowed caller gets with the route matrix test's request; a mapping gives
    # it per role where roles differ (e.g. a reviewer may not see a draft: 404).
    ok: int | Mapping[str, int] = 200

    def ok_for(self, role: str) -> int:
        """The status the route matrix expects for an allowed role."""
        if isinstance(self.ok, Mapping):
            return self.ok.get(role, 200)
        return self.ok


PUBLIC = Access(ALL_ROLES | {ANONYMOUS})
SIGNED_IN = Access(ROLES)
# Anyone signed in, with a role or still waiting for one.
ANY_SIGNED_IN = Access(ALL_ROLES)


def only(*roles: str, scoped: bool = False, ok: int | Mapping[str, int] = 200) -> Access:
    """Access for the given roles only."""
    unknown = set(roles) - ALL_ROLES
    if unknown:
        raise ValueError(f"Unknown roles: {sorted(unknown)}")
    return Access(frozenset(roles), scoped=scoped, ok=ok)


_HIDDEN_DRAFT = {"reviewer": 404, "auditor": 404}
# Who reads decision records (budgets, rationale, sign-offs): the record page, its PDF and the
# record API alike (stewards: 403). A department user only their own department's;
# administrators to find a failed PDF and try it again.
RECORD_READERS = ("auditor", "reviewer", "commercial", "admin")

# view name -> Access for every method, or {METHOD: Access}. A namespace ending in ":*"
# covers every route in it (used only for the Django admin, which checks staff itself too).
PERMISSIONS: dict[str, Access | dict[str, Access]] = {
    "home": ANY_SIGNED_IN,
    # Someone already signed in is sent home (302); anonymous people get the form.
    "sign_in": Access(PUBLIC.roles, ok=dict.fromkeys(ALL_ROLES, 302)),
    "sign_out": {"POST": Access(ALL_ROLES, ok=302)},
    # Sign-in through the department's identity provider: sent to the provider (302); its
    # answer without a code goes back to the sign-in page (302).
    "oidc_start": Access(PUBLIC.roles, ok=302),
    "oidc_callback": Access(PUBLIC.roles, ok=302),
    "admin:*": only("admin"),
    # --- service pages ---
    # The accessibility statement, privacy notice, cookies page and feedback: everyone.
    "accessibility": PUBLIC,
    "privacy": PUBLIC,
    "cookies": PUBLIC,
    "feedback": PUBLIC,
    # --- end service pages ---
    # Your notification settings: everyone with a role (saved: back to the page, 302).
    "notification_settings": {"GET": SIGNED_IN, "POST": Access(ROLES, ok=302)},
    # The department administrator: people of their own department only (another
    # department's person or invitation: 404). A posted form's errors are re-rendered (200).
    "department_people": only("department_admin"),
    "department_invite": {"GET": only("department_admin"), "POST": only("department_admin")},
    "department_member_role": {"POST": only("department_admin", scoped=True)},
    "department_invitation_withdraw": {"POST": only("department_admin", scoped=True, ok=302)},
    "department_member_close": {"POST": only("department_admin", scoped=True, ok=302)},
    # The service administrator grants and takes away the Centre of Excellence's roles
    # (someone of another role: 404). A posted form without a role is re-rendered (200).
    "coe_people": only("admin"),
    "coe_person_role": {"POST": only("admin")},
    # --- case pages ---
    "case_list": only("commercial"),
    "case_start": {"GET": only("commercial"), "POST": only("commercial")},
    "case_detail": only("commercial", scoped=True),
    # Title and summary, until submitted (the matrix's example is a draft; an empty POST's
    # errors are re-rendered).
    "case_details": {
        "GET": only("commercial", scoped=True),
        "POST": only("commercial", scoped=True),
    },
    "case_section": {
        "GET": only("commercial", scoped=True),
        "POST": only("commercial", scoped=True, ok=302),  # nothing posted: nothing to save
    },
    "case_preview": {
        "GET": only("commercial", scoped=True),
        "POST": only("commercial", scoped=True),  # changes nothing
    },
    "case_check": only("commercial", scoped=True),
    # The answer history: the department's own cases; reviewers and auditors once submitted
    # (the matrix's example is a draft: 404 to them).
    "case_history": only("commercial", "reviewer", "auditor", scoped=True, ok=_HIDDEN_DRAFT),
    "case_assess": {"POST": only("commercial", scoped=True)},  # missing answers: re-rendered
    "assessment_detail": only("commercial", scoped=True),
    "assessment_replay": only("commercial", scoped=True),
    "case_explanations": {
        "GET": only("commercial", scoped=True),
        "POST": only("commercial", scoped=True, ok=302),
    },
    "case_signoffs": {
        "GET": only("commercial", scoped=True),
        "POST": only("commercial", scoped=True),  # errors re-rendered
    },
    "case_submit": {
        "GET": only("commercial", scoped=True),
        "POST": only("commercial", scoped=True),  # refused: re-rendered with the reason
    },
    "case_withdraw": {
        "GET": only("commercial", scoped=True),
        "POST": only("commercial", scoped=True, ok=302),
    },
    # Sign-off requests asked of the signed-in person (anyone else's, or another
    # department's: 404); a decision posted with nothing is re-rendered with its errors.
    "signoff_request_list": only("commercial"),
    "signoff_request_detail": {
        "GET": only("commercial", scoped=True),
        "POST": only("commercial", scoped=True),
    },
    # --- end case pages ---
    # --- review, records and audit pages ---
    # Reviewers decide; auditors read records and the chain; department users read their own
    # department's records. Errors in a posted form are re-rendered (200).
    "review_queue": only("reviewer"),
    "review_due": only("reviewer"),
    # The consistency report across departments (page and CSV): the Centre of Excellence, and
    # auditors read-only (it changes nothing).
    "consistency_report": only("reviewer", "auditor"),
    "consistency_report_csv": only("reviewer", "auditor"),
    # The calibration report (page and CSV): outcomes against estimates. The Centre of
    # Excellence (reviewers, and stewards, who turn an outcome into a golden case) and auditors
    # read-only. Only a steward makes a golden case; the matrix's example record has no outcome
    # yet, so the report says why not (409).
    "calibration_report": only("reviewer", "steward", "auditor"),
    "calibration_report_csv": only("reviewer", "steward", "auditor"),
    "calibration_golden_case": {"POST": only("steward", ok=409)},
    # The CoE dashboard (page and a CSV per chart): as the consistency report.
    "coe_dashboard": only("reviewer", "auditor"),
    "coe_dashboard_csv": only("reviewer", "auditor"),
    "review_case": {"GET": only("reviewer"), "POST": only("reviewer")},
    "review_reopen": {"POST": only("reviewer")},  # no reason: the due list with the error
    # Administrators read records too: they find a failed PDF there and try it again.
    "record_list": only(*RECORD_READERS),
    "record_detail": only(*RECORD_READERS, scoped=True),
    # The department records an outcome review of its decision (errors re-rendered: 200).
    "record_outcome": {
        "GET": only("commercial", scoped=True),
        "POST": only("commercial", scoped=True),
    },
    # The quarterly Public Interest Test return (page, printable, and CSV): a department user
    # their own department's (another department's: 404); reviewers and auditors any
    # department's or all departments'.
    "public_interest_return": only("commercial", "reviewer", "auditor", scoped=True),
    "public_interest_return_csv": only("commercial", "reviewer", "auditor", scoped=True),
    "audit_chain": only("auditor", "reviewer"),
    # The event browser: filter, page through and open each event (its hash and payload).
    # Auditors only: payloads hold draft answers, which reviewers may not read.
    "audit_events": only("auditor"),
    "audit_event": only("auditor", ok=404),  # the matrix's example has no event
    # The auditor's checks: against heads they kept, of one PDF, of one record. Posted with
    # nothing, each form is re-rendered with its errors (200).
    "audit_verify_heads": {"GET": only("auditor", "reviewer"), "POST": only("auditor", "reviewer")},
    "audit_verify_pdf": {"GET": only("auditor", "reviewer"), "POST": only("auditor", "reviewer")},
    "audit_verify_record": {
        "GET": only("auditor", "reviewer"),
        "POST": only("auditor", "reviewer"),
    },
    "register": PUBLIC,
    # The register's open data (CSV, JSON), searchable as the page is: anyone.
    "register_csv": PUBLIC,
    "register_json": PUBLIC,
    # --- end review pages ---
    # --- PDFs and exports pages ---
    # Exactly the record page's access; the matrix's example PDF is still rendering (202).
    "record_pdf": only(*RECORD_READERS, scoped=True, ok=202),
    # An administrator tries a failed PDF again (audited); the example has not failed, so it
    # is refused and the PDF's page says why (302).
    "record_pdf_retry": {"POST": only("admin", ok=302)},
    # A department's PDF of its own case as it stands ("Draft, not a decision").
    "case_draft_pdf": only("commercial", scoped=True),
    "export_start": {
        "GET": only("auditor", "reviewer"),
        "POST": only("auditor", "reviewer", ok=302),  # no filter: exports everything
    },
    "export_detail": only("auditor", "reviewer"),
    "export_download": only("auditor", "reviewer", ok=404),  # the example is not built yet
    "export_csv": only("auditor", "reviewer"),
    "export_ocds": only("auditor", "reviewer"),
    # --- end PDFs and exports pages ---
    # --- suppliers pages ---
    # Everyone signed in browses segments and suppliers; the Centre of Excellence (reviewers)
    # and admins maintain the catalogue. Shortlists follow the case's visibility. Contracts:
    # a department records and reads its own; reviewers and auditors read all. The radar is
    # for reviewers and auditors. Errors in a posted form are re-rendered (200).
    "segment_list": SIGNED_IN,
    "segment_detail": SIGNED_IN,
    "supplier_list": SIGNED_IN,
    "supplier_detail": SIGNED_IN,
    "supplier_new": {"GET": only("admin", "reviewer"), "POST": only("admin", "reviewer")},
    "supplier_edit": {"GET": only("admin", "reviewer"), "POST": only("admin", "reviewer")},
    "catalogue_import": {"GET": only("admin", "reviewer"), "POST": only("admin", "reviewer")},
    "catalogue_import_detail": only("admin", "reviewer"),
    "catalogue_sample": only("admin", "reviewer"),
    # Fragments of the case, review and record pages (full pages without JavaScript).
    "case_shortlist": only("commercial", "reviewer", "auditor", scoped=True),
    "case_contracts": only("commercial", "reviewer", "auditor", scoped=True),
    "contract_list": only("commercial", "reviewer", "auditor"),
    "contract_record": {
        "GET": only("commercial", scoped=True),
        "POST": only("commercial", scoped=True),
    },
    "concentration_radar": only("reviewer", "auditor"),
    # --- end suppliers pages ---
    # --- ruleset governance pages ---
    # Published versions and their rule tables: stewards, reviewers, auditors (a draft is 404
    # to anyone but a steward). Drafts, golden cases, impact and publishing: stewards only.
    "ruleset_list": only("steward", "reviewer", "auditor"),
    "ruleset_detail": only("steward", "reviewer", "auditor"),
    "ruleset_download": only("steward", "reviewer", "auditor"),
    "ruleset_start": {"GET": only("steward"), "POST": only("steward")},  # errors re-rendered
    "ruleset_rule_add": {"GET": only("steward"), "POST": only("steward")},
    "ruleset_rule_edit": {"GET": only("steward"), "POST": only("steward")},
    "ruleset_rule_remove": {"GET": only("steward"), "POST": only("steward", ok=302)},
    "ruleset_upload": {"GET": only("steward"), "POST": only("steward")},
    "ruleset_diff": only("steward"),
    "ruleset_impact": {"POST": only("steward", ok=302)},  # starts a run, then its page
    "ruleset_impact_run": only("steward"),
    "ruleset_publish": {"GET": only("steward"), "POST": only("steward")},
    # Four eyes: a second steward approves the exact draft (its hash); errors re-rendered.
    "ruleset_approve": {"POST": only("steward")},
    "golden_list": only("steward"),
    "golden_new": {"GET": only("steward"), "POST": only("steward")},
    "golden_edit": {"GET": only("steward"), "POST": only("steward")},
    # Replaying approved decisions under today's version feeds reviews.
    "ruleset_replay": {
        "GET": only("reviewer", "steward"),
        "POST": only("reviewer", "steward", ok=302),
    },
    "ruleset_replay_run": only("reviewer", "steward"),
    "ruleset_replay_csv": only("reviewer", "steward"),
    # --- end ruleset governance pages ---
    # JSON API (/api/v1/)
    "api:api-root": Access(PUBLIC.roles, ok=404),  # ninja's base path: always 404
    "api:health": PUBLIC,
    "api:openapi-json": PUBLIC,
    "api:openapi-view": PUBLIC,
    "api:me": ANY_SIGNED_IN,
    # Your notification settings (PUT with no body: 422).
    "api:notification_settings": {"GET": SIGNED_IN, "PUT": Access(ROLES, ok=422)},
    # The department administrator's people and invitations (another department's: 404), and
    # the service administrator's CoE roles; the matrix posts no body (422).
    "api:department_people": only("department_admin"),
    "api:department_person_role": {"POST": only("department_admin", scoped=True, ok=422)},
    "api:department_person_close": {"POST": only("department_admin", scoped=True)},
    "api:department_invitations": {
        "GET": only("department_admin"),
        "POST": only("department_admin", ok=422),
    },
    "api:department_invitation_withdraw": {"POST": only("department_admin", scoped=True)},
    "api:coe_people": only("admin"),
    "api:coe_person_role": {"POST": only("admin", ok=422)},
    # --- case API ---
    "api:questionnaire": SIGNED_IN,
    "api:cases": {
        "GET": only("commercial", "reviewer", "auditor"),
        "POST": only("commercial", ok=422),
    },
    # Reviewers and auditors see cases once submitted: the matrix's example is a draft (404).
    "api:case": {
        "GET": only("commercial", "reviewer", "auditor", scoped=True, ok=_HIDDEN_DRAFT),
        "PATCH": only("commercial", scoped=True, ok=422),
    },
    "api:case_assessments": {
        "GET": only("commercial", "reviewer", "auditor", scoped=True, ok=_HIDDEN_DRAFT),
        "POST": only("commercial", scoped=True, ok=422),
    },
    # The case is looked up before the body is read: a hidden draft is 404 whatever is sent.
    "api:assessment_replay": {
        "POST": only(
            "commercial",
            "reviewer",
            "auditor",
            scoped=True,
            ok={"commercial": 422, **_HIDDEN_DRAFT},
        )
    },
    "api:case_history": only("commercial", "reviewer", "auditor", scoped=True, ok=_HIDDEN_DRAFT),
    "api:case_signoffs": {"POST": only("commercial", scoped=True, ok=422)},
    # Ask a named colleague for a sign-off; the person asked decides (anyone else: 404).
    "api:case_signoff_requests": {"POST": only("commercial", scoped=True, ok=422)},
    "api:signoff_request_decide": {"POST": only("commercial", scoped=True, ok=422)},
    "api:case_submit": {"POST": only("commercial", scoped=True, ok=409)},
    "api:case_withdraw": {"POST": only("commercial", scoped=True, ok=422)},
    # --- end case API ---
    # --- review, records, audit and register API ---
    "api:case_review": {"POST": only("reviewer", ok=422)},
    # The consistency check of a case: reviewers and auditors once submitted, with every similar
    # case; the department (its own cases) only how many and their options.
    "api:consistency_report": only("reviewer", "auditor"),
    # The calibration report as the page has it; a steward's golden case from an outcome (the
    # matrix posts no body: 422).
    "api:calibration_report": only("reviewer", "steward", "auditor"),
    "api:decision_golden_case": {"POST": only("steward", ok=422)},
    "api:coe_dashboard": only("reviewer", "auditor"),
    "api:case_similar": only("commercial", "reviewer", "auditor", scoped=True, ok=_HIDDEN_DRAFT),
    # The records in the API follow the record pages exactly (stewards: 403).
    "api:decisions": only(*RECORD_READERS),
    "api:decision": only(*RECORD_READERS, scoped=True),
    # Outcome reviews: read as the record; recorded by its department (no body: 422).
    "api:decision_outcomes": {
        "GET": only(*RECORD_READERS, scoped=True),
        "POST": only("commercial", scoped=True, ok=422),
    },
    # The quarterly Public Interest Test return, as on its page.
    "api:public_interest_returns": only("commercial", "reviewer", "auditor", scoped=True),
    "api:audit_verify": only("reviewer", "auditor"),
    "api:audit_events": only("auditor"),
    "api:audit_event": only("auditor", ok=404),  # the example has no event
    "api:register": PUBLIC,
    # The signed heads of the audit chain and records, and the keys that sign them: public.
    "api:register_heads": PUBLIC,
    # --- end review API ---
    # --- PDFs and exports API ---
    # The record page's access; the example is still rendering (202).
    "api:decision_pdf": only(*RECORD_READERS, scoped=True, ok=202),
    # An administrator tries a failed PDF again; the example has not failed (409).
    "api:decision_pdf_retry": {"POST": only("admin", ok=409)},
    # --- end PDFs and exports API ---
    # --- suppliers API ---
    "api:segments": SIGNED_IN,
    "api:suppliers": SIGNED_IN,
    # --- end suppliers API ---
    # --- ruleset governance API ---
    "api:rulesets": SIGNED_IN,
    "api:ruleset": SIGNED_IN,
    # Four eyes: a second steward approves the exact draft, then it is published.
    "api:ruleset_approvals": {"POST": only("steward", ok=422)},
    "api:ruleset_publish": {"POST": only("steward", ok=422)},
    # --- end ruleset governance API ---
}


def access_for(view_name: str, method: str) -> Access | None:
    """The declared access for a route and method, or None when nobody declared it."""
    entry = PERMISSIONS.get(view_name)
    if entry is None and ":" in view_name:
        entry = PERMISSIONS.get(view_name.rsplit(":", 1)[0] + ":*")
    if isinstance(entry, dict):
        return entry.get("GET" if method == "HEAD" else method)
    return entry


def is_declared(view_name: str) -> bool:
    """Whether the permissions table names this route (or its namespace)."""
    namespace = view_name.rsplit(":", 1)[0] + ":*" if ":" in view_name else None
    return view_name in PERMISSIONS or (namespace is not None and namespace in PERMISSIONS)


def signed_in_user(request: HttpRequest) -> User:
    """The signed-in user of a request the middleware let through to a view of signed-in roles."""
    return cast(User, request.user)


def declared_methods(view_name: str) -> list[str]:
    """The methods a route is declared for (HEAD wherever GET is), for a 405's Allow header."""
    entry = PERMISSIONS.get(view_name)
    methods = set(entry) if isinstance(entry, dict) else {"GET", "POST"}
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


def role_of(user: Any) -> str:
    """The caller's role, or ANONYMOUS."""
    if user is None or not user.is_authenticated:
        return ANONYMOUS
    role: str = user.role
    return role


def token_hash(raw: str) -> str:
    """The stored form of an API token."""
    return hashlib.sha256(raw.encode()).hexdigest()


# How fresh a token's `last_used_at` is kept: it is written at most once in this window.
TOKEN_LAST_USED_RESOLUTION = timedelta(hours=1)


def token_used(token: ApiToken, *, now: datetime | None = None) -> bool:
    """Notes that a token was used, at most once per TOKEN_LAST_USED_RESOLUTION (an hour) per
    token: a request within the hour after the noted time writes nothing, so reads (GET) do not
    write a row each, and `last_used_at` says when it was last used to within an hour (enough
    to spot a forgotten or leaked token). The update is conditional, so two requests at once
    write it once. True when it wrote."""
    now = now or timezone.now()
    cutoff = now - TOKEN_LAST_USED_RESOLUTION
    if token.last_used_at is not None and token.last_used_at > cutoff:
        return False
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lte=cutoff)
    wrote = ApiToken.objects.filter(stale, pk=token.pk).update(last_used_at=now) > 0
    if wrote:
        token.last_used_at = now
    return wrote


def user_for_bearer(header: str) -> Any | None:
    """The active user behind an `Authorization: Bearer` header, if the token is usable; its use
    is noted at most once an hour (token_used)."""
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        return None
    token = (
        ApiToken.objects.usable()
        .select_related("user__department")
        .filter(token_sha256=token_hash(raw.strip()))
        .first()
    )
    if token is None:
        return None
    token_used(token)
    return token.user


def _api_error(status: int, detail: str) -> JsonResponse:
    response = JsonResponse({"detail": detail}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = "Bearer"
    return response


class RouteAccessMiddleware:
    """Enforces PERMISSIONS on every routed request (pages and API)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        match = request.resolver_match
        view_name = match.view_name if match else ""
        is_api = view_name.startswith(API_NAMESPACE + ":")
        if is_api and "Authorization" in request.headers:
            # An address that sent too many bad tokens is refused before the next is looked up.
            found = usage(request, "token_failure", key="ip", increment=False)
            if found and found["count"] >= found["limit"]:
                return too_many_requests(
                    request, scope="token_failure", retry_after=found["time_left"]
                )
            user = user_for_bearer(request.headers["Authorization"])
            if user is None:
                log.info("api token refused", extra={"path": request.path})
                usage(request, "token_failure", key="ip", increment=True)
                return _api_error(401, "The bearer token is missing, expired or revoked.")
            request.user = user
            # A flag for the API's CSRF rule (sourcing.api); HttpRequest declares no such attribute.
            request.bearer_token = True  # type: ignore[attr-defined]
        set_log_user(request.user)
        access = access_for(view_name, request.method or "GET")
        if access is None and not is_declared(view_name):
            # Deny by default: a route nobody declared (the route matrix test fails too).
            log.error("route not in the permissions table", extra={"view": view_name})
            raise PermissionDenied
        if access is None:
            # Styled (GOV.UK page or JSON) by sourcing.middleware.MethodNotAllowedMiddleware.
            return HttpResponseNotAllowed(declared_methods(view_name))
        role = role_of(request.user)
        if role in access.roles:
            return None
        if role == ANONYMOUS:
            if is_api:
                return _api_error(401, "Sign in or send a bearer token.")
            return redirect_to_login(request.get_full_path())
        log.info("access refused", extra={"view": view_name, "role": role})
        if is_api:
            return _api_error(403, "Your role may not do this.")
        raise PermissionDenied


def scoped_to_department[QS: QuerySet[Any]](queryset: QS, user: Any) -> QS:
    """Objects the user may see: a department user only their own department's."""
    if role_of(user) == Role.COMMERCIAL:
        return queryset.filter(department_id=user.department_id)
    return queryset


def or_404[T](found: T | None) -> T:
    """What a selector found, else 404 (a selector's None: missing, or not the user's to see)."""
    if found is None:
        raise Http404
    return found


def get_scoped_or_404[M: Model](queryset: QuerySet[M], user: Any, **lookup: Any) -> M:
    """One object the user may see, else 404 (never reveal that it exists)."""
    return or_404(scoped_to_department(queryset, user).filter(**lookup).first())
