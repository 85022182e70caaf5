"""Every route the load bench calls, read from the URLconf and the permissions table.

Each URL pattern with a GET in `sourcing.access.PERMISSIONS` becomes one probe per demo persona
whose role may call it (anonymous for public routes), with sample arguments resolved from the
loaded data (the first copy of the demo data, so the same objects at every data size). A
parameterised route with no sample here is an error, so a new route is never left out of the
bench. Routes with no GET (they change data) are listed, not loaded.

`route_plan()` calls every probe once with Django's test client, counts its SQL queries
(CaptureQueriesContext), checks its status, classifies it (page, partial, API list, API,
download) and finds the htmx partials: a page whose answer to an `HX-Request` differs and is
not a whole document gets a second probe marked [htmx].
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver, reverse

from scripts.loadbench import BARE_ROUTE, OK_STATUSES
from sourcing.access import ANONYMOUS, API_NAMESPACE, access_for, is_declared

# The demo personas: username -> role (sourcing.demo.USERS); ada (admin) only uses /admin/.
PERSONAS: dict[str, str] = {
    "alice": "commercial",
    "bob": "commercial",
    "carol": "reviewer",
    "dave": "auditor",
    "erin": "steward",
    "fiona": "department_admin",  # the department administrator's pages
    "ada": "admin",  # the Centre of Excellence administrator's people pages
    # dept-a's finance signatory (sourcing.demo.SIGNATORY_PEOPLE), a department user like
    # alice: asked to sign off alice's cases, and in every copy still asked for the assessed
    # one (sourcing.demo.seed_cases leaves its finance and legal requests waiting).
    "ines": "commercial",
}
# Routes called only as these personas, who call no other route: a signatory's sign-off
# requests (asked of them alone: anyone else gets a 404 or an empty list), and nothing of
# alice's that ines would read as alice does.
ONLY_AS: dict[str, tuple[str, ...]] = {
    "signoff_request_list": ("ines",),
    "signoff_request_detail": ("ines",),
}
# Routes the bench leaves out: the Django admin (its own app), ninja's bare base path, and the
# hand-over to the identity provider and back (their time is the provider's).
SKIPPED = {"api:api-root", "oidc_start", "oidc_callback"}
SKIPPED_NAMESPACES = {"admin"}
# Extra query strings worth loading on their own (searches).
QUERIES: dict[str, tuple[str, ...]] = {
    "supplier_list": ("", "?q=payroll"),
    "api:suppliers": ("", "?q=payroll"),
    "record_list": ("", "?option=buy"),
    # The calibration report over every decision, and over one option's.
    "calibration_report": ("", "?option=buy"),
    "api:calibration_report": ("", "?option=buy"),
    # The quarterly Public Interest Test return of a quarter of the demo data.
    "public_interest_return": ("", "?quarter=2025-Q3"),
    "api:public_interest_returns": ("", "?quarter=2025-Q3"),
    "coe_dashboard": ("", "?department=dept-a"),
    "api:coe_dashboard": ("", "?department=dept-a"),
}

# The first copy's demo cases (sourcing.demo.DEMO_CASES) the samples use, per department user.
DRAFT_CASE = {"alice": "Hosting migration to public cloud", "bob": "Grants payment platform"}
APPROVED_CASE = {"alice": "Payroll service renewal", "bob": "Repairs scheduling tool"}
SUBMITTED_CASE = "Case management system for benefit appeals"  # alice's, awaiting review
SEGMENT = "saas-platforms"
SUPPLIER = "09120001"  # an anchor supplier with contracts


@dataclass(frozen=True)
class Probe:
    """One GET the bench makes: a route, as a persona, at a path."""

    route: str
    persona: str  # a username, or "anonymous"
    path: str
    htmx: bool = False
    api: bool = False

    @property
    def name(self) -> str:
        """The route as the report names it (with its query string and [htmx])."""
        query = self.path.partition("?")[2]
        return self.route + (f"?{query}" if query else "") + (" [htmx]" if self.htmx else "")

    @property
    def key(self) -> str:
        return f"{self.name} as {self.persona}"


# --- Sample arguments, per route, per persona -------------------------------------------------


def _user(username: str) -> Any:
    from sourcing.models import User

    return User.objects.get(username=username)


def _case(title: str) -> Any:
    from sourcing.models import Case

    return Case.objects.get(title=title)


def _own(cases: dict[str, str], persona: str) -> Any:
    """The persona's own case of the kind, or for a central role alice's."""
    return _case(cases.get(persona, cases["alice"]))


def _record(persona: str) -> Any:
    from decisions.records.models import DecisionRecord

    return DecisionRecord.objects.filter(case=_own(APPROVED_CASE, persona)).latest("pk")


def _assessment(persona: str) -> Any:
    return _own(APPROVED_CASE, persona).assessments.latest("pk")


def _draft_version() -> str:
    from scripts.loadbench.data import DRAFT_VERSION

    return DRAFT_VERSION


def _published_version() -> str:
    from decisions.rulesets.models import Ruleset

    current = Ruleset.objects.current()
    assert current is not None, "no published ruleset: load the demo data first"
    return current.version


def _run(kind: str) -> int:
    from decisions.rulesets.models import RulesetRun

    return RulesetRun.objects.filter(kind=kind).earliest("pk").pk


def _export() -> int:
    from decisions.exports.models import ExportJob

    return ExportJob.objects.earliest("pk").pk


def _catalogue_import() -> int:
    from suppliers.models import CatalogueImport

    return CatalogueImport.objects.get(filename="demo-catalogue.csv").pk


def _golden() -> str:
    from decisions.rulesets.models import GoldenCase

    return GoldenCase.objects.earliest("code").code


def _first_rule() -> str:
    from decisions.rulesets.models import Ruleset

    rule_id: str = Ruleset.objects.get(version=_draft_version()).content["rules"][0]["id"]
    return rule_id


def _first_event() -> int:
    from decisions.audit.models import AuditEvent

    seq: int = AuditEvent.objects.order_by("seq").values_list("seq", flat=True)[0]
    return seq


def _signoff_request(persona: str) -> dict[str, Any]:
    """The sign-off request of the first copy's assessed case (alice's) still waiting for the
    persona (a signatory of ONLY_AS)."""
    from sourcing.models import SignOffRequest, SignOffRequestStatus

    waiting = SignOffRequest.objects.get(
        case=_case(DRAFT_CASE["alice"]),
        signatory=_user(persona),
        status=SignOffRequestStatus.PENDING,
    )
    return {"pk": waiting.pk}


def _section() -> str:
    from sourcing.questionnaire import SECTIONS

    return SECTIONS[0].slug


def _by_reference(cases: dict[str, str]) -> Callable[[str], dict[str, Any]]:
    return lambda persona: {"reference": _own(cases, persona).reference}


def _case_for(persona: str) -> Any:
    """For case API reads: a department user's approved case, or the case under review."""
    return _own(APPROVED_CASE, persona) if persona in APPROVED_CASE else _case(SUBMITTED_CASE)


def _ruleset_for(persona: str) -> dict[str, Any]:
    """A steward reads the draft; everyone else the published version."""
    return {"version": _draft_version() if persona == "erin" else _published_version()}


SAMPLES: dict[str, Callable[[str], dict[str, Any]]] = {
    "case_detail": _by_reference(APPROVED_CASE),
    "case_section": lambda p: {"reference": _own(DRAFT_CASE, p).reference, "section": _section()},
    "case_preview": _by_reference(DRAFT_CASE),
    "case_check": _by_reference(DRAFT_CASE),
    "case_explanations": _by_reference(DRAFT_CASE),
    "case_signoffs": _by_reference(DRAFT_CASE),
    "case_submit": _by_reference(DRAFT_CASE),
    "case_withdraw": _by_reference(DRAFT_CASE),
    "case_details": _by_reference(DRAFT_CASE),
    "signoff_request_detail": _signoff_request,
    "case_draft_pdf": _by_reference(DRAFT_CASE),
    "audit_event": lambda p: {"seq": _first_event()},
    "api:audit_event": lambda p: {"seq": _first_event()},
    "case_history": _by_reference(APPROVED_CASE),
    "assessment_detail": lambda p: {"pk": _assessment(p).pk},
    "assessment_replay": lambda p: {"pk": _assessment(p).pk},
    "case_shortlist": _by_reference(APPROVED_CASE),
    "case_contracts": _by_reference(APPROVED_CASE),
    "contract_record": _by_reference(APPROVED_CASE),
    "review_case": lambda p: {"reference": _case(SUBMITTED_CASE).reference},
    "coe_dashboard_csv": lambda p: {"chart": "quarters"},
    "record_detail": lambda p: {"pk": _record(p).pk},
    "record_outcome": lambda p: {"pk": _record(p).pk},
    "record_pdf": lambda p: {"pk": _record(p).pk},
    "export_detail": lambda p: {"pk": _export()},
    "export_download": lambda p: {"pk": _export()},
    "catalogue_import_detail": lambda p: {"pk": _catalogue_import()},
    "segment_detail": lambda p: {"key": SEGMENT},
    "supplier_detail": lambda p: {"company_number": SUPPLIER},
    "supplier_edit": lambda p: {"company_number": SUPPLIER},
    "golden_edit": lambda p: {"code": _golden()},
    "ruleset_detail": _ruleset_for,
    "ruleset_download": lambda p: {"version": _published_version()},
    "ruleset_rule_add": lambda p: {"version": _draft_version()},
    "ruleset_rule_edit": lambda p: {"version": _draft_version(), "rule_id": _first_rule()},
    "ruleset_rule_remove": lambda p: {"version": _draft_version(), "rule_id": _first_rule()},
    "ruleset_upload": lambda p: {"version": _draft_version()},
    "ruleset_diff": lambda p: {"version": _draft_version()},
    "ruleset_publish": lambda p: {"version": _draft_version()},
    "ruleset_impact_run": lambda p: {"run_id": _run("impact")},
    "ruleset_replay_run": lambda p: {"run_id": _run("replay")},
    "ruleset_replay_csv": lambda p: {"run_id": _run("replay")},
    "api:case": lambda p: {"case_id": _case_for(p).pk},
    "api:case_history": lambda p: {"case_id": _case_for(p).pk},
    "api:case_assessments": lambda p: {"case_id": _case_for(p).pk},
    "api:case_similar": lambda p: {"case_id": _case_for(p).pk},
    "api:decision": lambda p: {"record_id": _record(p).pk},
    "api:decision_outcomes": lambda p: {"record_id": _record(p).pk},
    "api:decision_pdf": lambda p: {"record_id": _record(p).pk},
    "api:ruleset": lambda p: {"version": _published_version()},
}


# --- Enumeration ------------------------------------------------------------------------------


def _walk(patterns: list[Any], namespace: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, inner.strip(":"))
        elif isinstance(entry, URLPattern) and entry.name:
            yield (f"{namespace}:{entry.name}" if namespace else entry.name), entry


@dataclass
class Routes:
    """The URLconf's routes as the bench sees them."""

    loaded: dict[str, bool]  # route -> has path parameters, for every route with a GET
    not_loaded: list[str]  # routes without a GET (they change data)
    undeclared: list[str]  # routes missing from the permissions table
    skipped: list[str]


def url_routes(*, include_bare: bool = False) -> Routes:
    """Every named route of the active URLconf, sorted into loaded and not loaded."""
    routes = Routes(loaded={}, not_loaded=[], undeclared=[], skipped=[])
    seen: dict[str, bool] = {}
    for name, pattern in _walk(get_resolver().url_patterns):
        seen[name] = seen.get(name, False) or bool(pattern.pattern.regex.groups)
    for name, parameterised in seen.items():
        if name == BARE_ROUTE and not include_bare:
            continue
        if name in SKIPPED or name.split(":")[0] in SKIPPED_NAMESPACES:
            routes.skipped.append(name)
        elif not is_declared(name):
            routes.undeclared.append(name)
        elif access_for(name, "GET") is None:
            routes.not_loaded.append(name)
        else:
            routes.loaded[name] = parameterised
    return routes


def missing_samples(routes: Routes) -> list[str]:
    """Parameterised routes with a GET and no sample: add them to SAMPLES."""
    return sorted(name for name, params in routes.loaded.items() if params and name not in SAMPLES)


def probes() -> list[Probe]:
    """One probe per loaded route (and query variant) per persona allowed to call it."""
    routes = url_routes()
    lacking = missing_samples(routes)
    if lacking or routes.undeclared:
        raise LookupError(
            f"routes without a bench sample (add them to SAMPLES in {__name__}): {lacking}; "
            f"routes missing from the permissions table: {routes.undeclared}"
        )
    found: list[Probe] = []
    only_as = {persona for personas in ONLY_AS.values() for persona in personas}
    for name in sorted(routes.loaded):
        access = access_for(name, "GET")
        assert access is not None
        if ANONYMOUS in access.roles:
            callers = [ANONYMOUS]
        elif name in ONLY_AS:
            callers = [u for u in ONLY_AS[name] if PERSONAS[u] in access.roles]
        else:
            callers = [
                u for u, role in PERSONAS.items() if role in access.roles and u not in only_as
            ]
        for persona in callers:
            kwargs = SAMPLES[name](persona) if name in SAMPLES else {}
            for query in QUERIES.get(name, ("",)):
                found.append(
                    Probe(
                        route=name,
                        persona=persona,
                        path=reverse(name, kwargs=kwargs) + query,
                        api=name.startswith(API_NAMESPACE + ":"),
                    )
                )
    return found


# --- The query-count pass ---------------------------------------------------------------------


@dataclass
class Measured:
    """A probe as the test client found it."""

    probe: Probe
    kind: str  # page, partial, api-list, api, download
    status: int
    queries: int

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self.probe), "name": self.probe.name, "key": self.probe.key} | {
            "kind": self.kind,
            "status": self.status,
            "queries": self.queries,
        }


def _kind(probe: Probe, response: Any) -> str:
    content_type = response.get("Content-Type", "")
    if probe.api:
        if not content_type.startswith("application/json"):
            return "api"
        body = json.loads(response.content)
        return "api-list" if isinstance(body, list) or "items" in body else "api"
    if probe.htmx:
        return "partial"
    return "page" if content_type.startswith("text/html") else "download"


def _is_partial(full: Any, partial: Any) -> bool:
    return (
        partial.status_code in OK_STATUSES
        and partial.content != full.content
        and b"<html" not in partial.content[:500].lower()
        and b"<html" in full.content[:500].lower()
    )


def route_plan() -> list[Measured]:
    """Call every probe (and its htmx variant) once warm, counting queries; see the module."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from sourcing.people.services import token_issue

    clients: dict[str, Client] = {ANONYMOUS: Client()}
    tokens: dict[str, str] = {}
    for username in PERSONAS:
        user = _user(username)
        clients[username] = Client()
        clients[username].force_login(user)
        tokens[username] = token_issue(user=user, days=1)

    def call(probe: Probe) -> Any:
        headers = {"HX-Request": "true"} if probe.htmx else {}
        if probe.api and probe.persona != ANONYMOUS:
            client = clients[ANONYMOUS]
            headers["Authorization"] = f"Bearer {tokens[probe.persona]}"
        else:
            client = clients[probe.persona]
        client.get(probe.path, headers=headers)  # warm: compiled rulesets, caches
        with CaptureQueriesContext(connection) as queries:
            response = client.get(probe.path, headers=headers)
        return response, len(queries.captured_queries)

    measured = []
    for probe in probes():
        response, count = call(probe)
        measured.append(Measured(probe, _kind(probe, response), response.status_code, count))
        if probe.api or measured[-1].kind != "page":
            continue
        htmx = Probe(probe.route, probe.persona, probe.path, htmx=True)
        partial, partial_count = call(htmx)
        if _is_partial(response, partial):
            measured.append(Measured(htmx, "partial", partial.status_code, partial_count))
    return measured
