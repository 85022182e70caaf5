"""Ruleset governance pages: versions, drafts and their rules, diff, golden cases and
publishing (the impact preview and the replay of decisions are in decisions.impact).

Access per route is in sourcing.access.PERMISSIONS; a draft is only ever shown to stewards
(anyone else gets a 404, as if it did not exist). Views look up, validate a form, call one
service from decisions.rulesets.services, and render or redirect.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any, Final

from django.contrib import messages
from django.core.cache.backends.locmem import LocMemCache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from decisions import engine
from decisions.engine import OPTIONS, POLICY_CHECKS
from decisions.presenter import OUTCOME_LABELS, condition_text, effects_text, parameter_rows
from decisions.rulesets import diff as rulesets_diff
from decisions.rulesets import selectors, services
from decisions.rulesets.forms import (
    ApproveForm,
    DraftStartForm,
    GoldenCaseForm,
    PublishForm,
    RuleForm,
    UploadForm,
)
from decisions.rulesets.models import GoldenCase, Ruleset
from sourcing.access import or_404, signed_in_user
from sourcing.errors import TransitionRefused, ValidationFailed
from sourcing.forms import (
    add_service_errors,
    cleaned_or_empty,
    error_links,
    form_service,
    reference_typed,
    saved,
)
from sourcing.models import Case, Role
from sourcing.questionnaire import OPTION_LABELS

# Look-ups -------------------------------------------------------------------------------------


def _ruleset(request: HttpRequest, version: str, *, for_page: bool = False) -> Ruleset:
    """A published version, or a draft for a steward; else 404. `for_page`: as
    selectors.ruleset_for_page reads it (its content not decoded)."""
    ruleset = (selectors.ruleset_for_page if for_page else selectors.ruleset_by_version)(version)
    if ruleset is None or (
        ruleset.published_at is None and signed_in_user(request).role != Role.STEWARD
    ):
        raise Http404
    return ruleset


def _draft(version: str, *, with_content: bool = True, listed: bool = False) -> Ruleset:
    """A draft by version (steward pages only), else 404; without its content (read on first
    use) but with its MD5 (selectors.engine_ruleset_stored) unless `with_content`; without its
    content and golden run (read on first use) when `listed`."""
    return or_404(selectors.draft_by_version(version, with_content=with_content, listed=listed))


# Presentation helpers -------------------------------------------------------------------------

# What a page shows of a version's content or of a golden run, rendered once and kept in this
# process's memory under a key naming what it is rendered from: the version's sha256 (its
# content, version number included), the golden run's key (ruleset, golden cases, engine code).
# Per process, so a release's templates never read another release's HTML (ADR 0035).
_KEPT: Final = LocMemCache("decisions.rulesets.views", {"TIMEOUT": None, "MAX_ENTRIES": 64})


def _kept_key(key: str) -> str:
    """The key in _KEPT of what is kept under `key` (and the URL prefix the links are made
    with)."""
    return hashlib.sha256(f"{key}|{get_script_prefix()}".encode()).hexdigest()


def _kept(key: str, make: Callable[[], Any]) -> Any:
    """What `make` gives, kept under `key` (and the URL prefix the links are made with)."""
    kept_key = _kept_key(key)
    found = _KEPT.get(kept_key)
    if found is None:
        found = make()
        _KEPT.set(kept_key, found)
    return found


def _rules_tables(ruleset: Ruleset, loaded: engine.Ruleset) -> str:
    """The factors and rules tables of a version (HTML; for a draft, with links to change
    each rule), rendered once per content and status."""
    is_draft = ruleset.published_at is None

    def render_tables() -> str:
        return render_to_string(
            "decisions/ruleset_rules.html",
            {
                "version": ruleset.version,
                "is_draft": is_draft,
                "rows": _rule_rows(loaded),
                "factors": [
                    {"name": f.name, "label": f.label, "cap": f.cap} for f in loaded.factors
                ],
            },
        )

    html: str = _kept(f"rules:{ruleset.sha256}:{is_draft}", render_tables)
    return html


def _golden_results(
    ruleset: Ruleset, loaded: engine.Ruleset | None = None
) -> tuple[engine.GoldenReport, str]:
    """The golden cases run against a version (selectors.ruleset_golden_run) and the table of
    their results (HTML), rendered once per run. `loaded`: its engine ruleset if at hand."""
    key, report = selectors.ruleset_golden_run_keyed(ruleset, compiled=loaded)
    html = _kept(
        f"golden:{key}",
        lambda: render_to_string("decisions/ruleset_golden_results.html", {"golden": report}),
    )
    return report, html


def _rule_rows(loaded: engine.Ruleset) -> list[dict[str, Any]]:
    """The readable rule table: rule, source, rationale and factor (format 2), condition in
    words, effects, gate, texts."""
    factors = {f.name: f.label for f in loaded.factors}
    return [
        {
            "id": rule.id,
            "description": rule.description,
            "source": rule.source,
            "rationale": rule.rationale or "",
            "factor": factors.get(rule.factor or "", rule.factor or ""),
            "when": condition_text(rule.when_text),
            "effects": effects_text(dict(rule.effects)),
            "gate": ", ".join(OPTION_LABELS[o] for o in rule.gate),
            "texts": [(OPTION_LABELS[o], text) for o, text in rule.condition_text],
        }
        for rule in loaded.rules
    ]


def _golden_summary(result: dict[str, Any]) -> str:
    if not result:
        return "Not run"
    if result.get("passed"):
        return f"All {result.get('total', 0)} passed"
    return f"{result.get('failed', 0)} of {result.get('total', 0)} failed"


# Versions and drafts --------------------------------------------------------------------------


@require_safe
def ruleset_list(request: HttpRequest) -> HttpResponse:
    """Published versions (and, for stewards, drafts)."""
    listed = selectors.rulesets_published()
    # The current version is the first published (selectors.current_ruleset's order).
    published = [
        {"ruleset": r, "golden": _golden_summary(r.golden_result), "current": i == 0}
        for i, r in enumerate(listed)
    ]
    steward = signed_in_user(request).role == Role.STEWARD
    context = {
        "published": published,
        "drafts": selectors.ruleset_drafts() if steward else [],
        "steward": steward,
        "can_replay": signed_in_user(request).role in (Role.STEWARD, Role.REVIEWER),
    }
    return render(request, "decisions/ruleset_list.html", context)


@require_http_methods(["GET", "POST"])
def ruleset_start(request: HttpRequest) -> HttpResponse:
    """Start a draft from the current version under a new version number."""
    current = selectors.current_ruleset_listed()
    form = DraftStartForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        by = signed_in_user(request)
        draft = form_service(
            form, lambda: services.ruleset_draft_create(by=by, **form.cleaned_data)
        )
        if draft is not None:
            started = f"Draft {draft.version} started from {current}."
            return saved(request, started, "ruleset_detail", version=draft.version)
    context = {"form": form, "errors": error_links(form), "current": current}
    return render(request, "decisions/ruleset_start.html", context)


@require_safe
def ruleset_detail(request: HttpRequest, version: str) -> HttpResponse:
    """A version's readable rule table; for a draft, its workspace and golden case results."""
    ruleset = _ruleset(request, version, for_page=True)
    # Refused when the content is not its hash's; the content is read only to compile it.
    loaded = selectors.engine_ruleset_stored(ruleset)
    parameters = ruleset.content_parameters  # type: ignore[attr-defined]
    context: dict[str, Any] = {
        "ruleset": ruleset,
        "rules_tables": _rules_tables(ruleset, loaded),
        "parameters": parameter_rows(parameters if parameters is not None else {}),
        "is_draft": ruleset.published_at is None,
        "is_current": ruleset.is_current,  # type: ignore[attr-defined]
    }
    if ruleset.published_at is None:
        _, golden_results = _golden_results(ruleset, loaded)
        impact = selectors.latest_impact(ruleset)
        context.update(
            golden_results=golden_results,
            impact=impact,
            impact_stale=impact is not None and impact.result.get("draft_sha256") != ruleset.sha256,
        )
    else:
        context["golden_summary"] = _golden_summary(ruleset.golden_result)
    return render(request, "decisions/ruleset_detail.html", context)


@require_safe
def ruleset_download(request: HttpRequest, version: str) -> HttpResponse:
    """The canonical JSON file of a version (the bytes its sha256 is taken over)."""
    ruleset = _ruleset(request, version)
    response = HttpResponse(selectors.canonical_file(ruleset), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="ruleset-{ruleset.version}.json"'
    return response


def _rule_page(request: HttpRequest, draft: Ruleset, rule_id: str | None) -> HttpResponse:
    """Add a rule (rule_id None) or change one; every problem is shown, nothing saved."""
    rule = None
    if rule_id is not None:
        rule = next((r for r in draft.content["rules"] if r["id"] == rule_id), None)
        if rule is None:
            raise Http404
    if request.method == "POST":
        form = RuleForm(request.POST)
    else:
        form = RuleForm(initial=RuleForm.initial_for(rule) if rule else None)
    if request.method == "POST":
        cleaned_or_empty(form)
        data = form.rule()
        if form.errors:
            # The engine's checks of the other fields too, in the same round; nothing saved.
            try:
                problems = services.ruleset_rule_problems(draft=draft, rule=data, replaces=rule_id)
            except TransitionRefused as refused:
                form.add_error(None, str(refused))
            else:
                form.add_problems(problems)
        else:
            try:
                services.ruleset_rule_save(
                    draft=draft, by=signed_in_user(request), rule=data, replaces=rule_id
                )
            except services.DraftInvalid as invalid:
                form.add_problems(invalid.problems)
            except TransitionRefused as refused:
                form.add_error(None, str(refused))
            else:
                saved = data["id"]
                messages.success(request, f"Rule {saved} saved in draft {draft.version}.")
                return redirect(reverse("ruleset_detail", args=[draft.version]) + f"#rule-{saved}")
    context = {
        "draft": draft,
        "rule_id": rule_id,
        "form": form,
        "errors": error_links(form),
        "options": [
            {
                "option": o,
                "label": OPTION_LABELS[o],
                "effect": form[f"effect_{o}"],
                "text": form[f"text_{o}"],
            }
            for o in OPTIONS
        ],
    }
    return render(request, "decisions/ruleset_rule_form.html", context)


@require_http_methods(["GET", "POST"])
def ruleset_rule_add(request: HttpRequest, version: str) -> HttpResponse:
    """Add a rule to a draft."""
    # Shown, the form names the draft only: its content is read to save a rule.
    return _rule_page(request, _draft(version, listed=request.method != "POST"), None)


@require_http_methods(["GET", "POST"])
def ruleset_rule_edit(request: HttpRequest, version: str, rule_id: str) -> HttpResponse:
    """Change one rule of a draft."""
    return _rule_page(request, _draft(version), rule_id)


@require_http_methods(["GET", "POST"])
def ruleset_rule_remove(request: HttpRequest, version: str, rule_id: str) -> HttpResponse:
    """Confirm, then remove one rule from a draft."""
    draft = _draft(version)
    rule = or_404(next((r for r in draft.content["rules"] if r["id"] == rule_id), None))
    error = None
    if request.method == "POST":
        try:
            services.ruleset_rule_remove(draft=draft, by=signed_in_user(request), rule_id=rule_id)
        except services.DraftInvalid as invalid:
            error = "; ".join(str(p) for p in invalid.problems)
        except TransitionRefused as refused:
            error = str(refused)
        else:
            removed = f"Rule {rule_id} removed from draft {draft.version}."
            return saved(request, removed, "ruleset_detail", version=draft.version)
    context = {
        "draft": draft,
        "rule": rule,
        "errors": [(error, "#remove")] if error else [],
    }
    return render(request, "decisions/ruleset_rule_remove.html", context)


@require_http_methods(["GET", "POST"])
def ruleset_upload(request: HttpRequest, version: str) -> HttpResponse:
    """Replace a draft's rules with an uploaded ruleset file, validated as a whole."""
    draft = _draft(version, listed=request.method != "POST")  # shown, it names the draft only
    form = UploadForm(request.POST or None, request.FILES or None)
    problems: list[Any] = []
    if request.method == "POST" and form.is_valid():
        try:
            services.ruleset_upload(
                draft=draft, by=signed_in_user(request), raw=form.cleaned_data["file"].read()
            )
        except services.DraftInvalid as invalid:
            problems = invalid.problems
            form.add_error(
                "file",
                f"The file has {len(problems)} problem{'s' if len(problems) != 1 else ''}: "
                "nothing was saved",
            )
        except TransitionRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, f"The file was checked and saved as draft {draft.version}.")
            return redirect("ruleset_detail", version=draft.version)
    errors = error_links(form) + [(str(p), "#problems") for p in problems]
    context = {"draft": draft, "form": form, "errors": errors, "problems": problems}
    return render(request, "decisions/ruleset_upload.html", context)


def _diff_rows(diff: rulesets_diff.RulesetDiff) -> list[dict[str, Any]]:
    rows = []
    for change in diff.rules:
        fields = []
        for name, old, new in change.fields:
            if name == "when":
                fields.append(
                    {
                        "name": "condition",
                        "old": engine.describe_condition(old),
                        "new": engine.describe_condition(new),
                    }
                )
            elif name == "effects":
                fields.append({"name": name, "old": effects_text(old), "new": effects_text(new)})
            elif name == "gate":
                fields.append({"name": name, "old": ", ".join(old), "new": ", ".join(new)})
            elif name == "condition_text":
                fields.append(
                    {"name": "condition text", "old": json.dumps(old), "new": json.dumps(new)}
                )
            else:
                fields.append({"name": name, "old": old, "new": new})
        rows.append({"change": change, "fields": fields})
    return rows


def _diff(draft: Ruleset) -> rulesets_diff.RulesetDiff | None:
    """What a draft changes from its base (None without one), worked out once per pair of
    contents (their sha256s) and kept: the base's content is read only then."""
    base = draft.based_on
    if base is None:
        return None

    def compare() -> rulesets_diff.RulesetDiff:
        based_on = Ruleset.objects.only("content").get(pk=base.pk)
        return rulesets_diff.ruleset_diff(based_on.content, draft.content)

    diff: rulesets_diff.RulesetDiff = _kept(f"diff:{base.sha256}:{draft.sha256}", compare)
    return diff


@require_safe
def ruleset_diff(request: HttpRequest, version: str) -> HttpResponse:
    """What a draft changes from the version it was started from, rule by rule."""
    draft = _draft(version, listed=True)  # its content read only when the diff is not kept
    diff = _diff(draft)
    if diff is None:
        raise Http404
    context = {"draft": draft, "diff": diff, "rows": _diff_rows(diff)}
    return render(request, "decisions/ruleset_diff.html", context)


# Publishing -----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def ruleset_publish(request: HttpRequest, version: str) -> HttpResponse:
    """Publish a draft with a change summary, when every golden case passes and another
    steward approved this exact draft (four eyes)."""
    # Its content (about 42 KB of JSON) is read only to compare it with its base, when that
    # is not kept, or to publish it.
    draft = (
        _draft(version, with_content=True)
        if request.method == "POST"
        else or_404(selectors.draft_for_publish(version))
    )
    form = PublishForm(request.POST if request.method == "POST" else None)
    if (
        form_service(
            form,
            lambda: services.ruleset_publish(
                draft=draft, by=signed_in_user(request), **form.cleaned_data
            ),
        )
        is not None
    ):
        published = f"Version {draft.version} is published: new assessments now use it."
        return saved(request, published, "ruleset_detail", version=draft.version)
    return _render_publish(request, draft, form, ApproveForm(initial={"sha256": draft.sha256}))


@require_POST
def ruleset_approve(request: HttpRequest, version: str) -> HttpResponse:
    """A second steward approves the draft they read (its hash) for publication."""
    draft = _draft(version)
    form = ApproveForm(request.POST)
    if form.is_valid():
        if form_service(
            form,
            lambda: services.ruleset_approve(
                draft=draft, by=signed_in_user(request), **form.cleaned_data
            ),
        ):
            approved = f"You approved draft {draft.version} for publication."
            return saved(request, approved, "ruleset_publish", version=draft.version)
    elif "sha256" in form.errors:
        form.errors.pop("sha256")
        form.add_error(None, "Read the draft again, then approve it.")
    return _render_publish(request, draft, PublishForm(), form)


def _render_publish(
    request: HttpRequest, draft: Ruleset, form: PublishForm, approve_form: ApproveForm
) -> HttpResponse:
    user = signed_in_user(request)
    loaded = (
        selectors.engine_ruleset(draft)
        if "content" in draft.__dict__
        else selectors.engine_ruleset_stored(draft)
    )
    _, golden_results = _golden_results(draft, loaded)
    approval, any_approval = services.publish_approvals(draft, publisher=user)
    context = {
        "draft": draft,
        "form": form,
        "approve_form": approve_form,
        "errors": error_links(approve_form) + error_links(form),
        "golden_results": golden_results,
        "diff": _diff(draft),
        "impact": selectors.latest_impact(draft),
        # Four eyes: the approval that counts for this user publishing the draft as it is.
        "approval": approval,
        "any_approval": any_approval,
        "own_draft": draft.created_by_id == user.pk,
    }
    return render(request, "decisions/ruleset_publish.html", context)


# Golden cases ---------------------------------------------------------------------------------


@require_safe
def golden_list(request: HttpRequest) -> HttpResponse:
    """Every golden case, with its result under the current version."""
    checked = selectors.current_ruleset_checked()  # refused when not its hash's, kept or not
    current, compiled = checked if checked is not None else (None, None)

    def list_key(fingerprint: str) -> str:
        if current is not None:
            return f"golden-list:{selectors.golden_run_key(current, fingerprint)}"
        return f"golden-list:golden-cases:{fingerprint}"

    # Kept (count, rows) under the golden cases' fingerprint: the cases themselves (about 60 KB
    # of text) are read only to render the rows, then kept under the fingerprint of what was
    # read (a change between the two reads has its own).
    kept: tuple[int, str] | None = _KEPT.get(
        _kept_key(list_key(selectors.golden_cases_fingerprint()[1]))
    )
    if kept is None:
        stored = selectors.golden_cases_stored()
        report = (
            selectors.ruleset_golden_run_keyed(current, stored, compiled)[1]
            if current is not None
            else None
        )
        results = {r.case_id: r for r in report.results} if report else {}
        rows = [
            {
                "golden": g,
                "source_reference": reference,
                "expected": OUTCOME_LABELS[g.expected.get("recommended") or "none"],
                "result": results.get(g.code),
            }
            for g, reference in stored.cases()
        ]
        html = render_to_string("decisions/golden_list_rows.html", {"rows": rows})
        kept = (len(stored.rows), html)
        _KEPT.set(_kept_key(list_key(stored.fingerprint)), kept)
    count, table_rows = kept
    context = {"count": count, "table_rows": table_rows, "current": current}
    return render(request, "decisions/golden_list.html", context)


def _golden_errors(form: GoldenCaseForm, errors: dict[str, list[str]]) -> None:
    """Put a golden case's problems on the fields they are about (answers.x on answers...);
    a field the form itself already refused keeps the form's message."""
    add_service_errors(form, errors, {name: _golden_field(name) for name in errors})


def _golden_field(name: str) -> str:
    """The form field a golden case's problem is about (answers.x → answers, ...)."""
    head, _, rest = name.partition(".")
    if head == "expected":
        return f"check_{rest.partition('.')[2]}" if rest.startswith("policy") else rest
    return "revision_reason" if head == "revision" else head


def _golden_draft(
    form: GoldenCaseForm, *, code: str, answers: Any, golden: GoldenCase | None = None
) -> services.GoldenCaseDraft:
    """The golden case as the form gives it (after cleaned_or_empty); a stored case's revision
    keeps what it says besides its reason."""
    return services.GoldenCaseDraft(
        code=code,
        title=form.cleaned_data["title"],
        answers=answers,
        expected=form.expected(),
        **form.documentation(golden.revision if golden else None),
    )


def _golden_problems_too(
    form: GoldenCaseForm, draft: services.GoldenCaseDraft, *, golden: GoldenCase | None = None
) -> None:
    """The service's checks of the fields the form did not refuse, in the same round as the
    form's own errors (nothing is saved); without answers, none about the answers."""
    problems = services.golden_case_problems(draft, golden=golden)
    if draft.answers is None:
        problems = {k: v for k, v in problems.items() if not k.startswith("answers")}
    _golden_errors(form, problems)


def _golden_save(
    request: HttpRequest,
    form: GoldenCaseForm,
    draft: services.GoldenCaseDraft,
    *,
    golden: GoldenCase | None = None,
    source: Case | None = None,
) -> GoldenCase | None:
    """Save the golden case (new, or the one given); None when the service refuses it, its
    reasons then on the form's fields."""
    try:
        return services.golden_case_save(
            by=signed_in_user(request), draft=draft, golden=golden, source_case=source
        )
    except ValidationFailed as failed:
        _golden_errors(form, failed.errors)
        return None


def _golden_context(form: GoldenCaseForm, **extra: Any) -> dict[str, Any]:
    return {
        "form": form,
        "errors": error_links(form),
        "checks": [form[f"check_{c}"] for c in POLICY_CHECKS],
        **extra,
    }


def _no_decided_case(reference: str) -> str:
    return (
        f"There is no decided case {reference}: a golden case can be made only from a case "
        "the Centre of Excellence has approved or rejected"
    )


@require_http_methods(["GET", "POST"])
def golden_new(request: HttpRequest) -> HttpResponse:
    """Add a golden case, from answers or from an existing case ("make this a golden case")."""
    source: Case | None = None
    if request.method == "POST":
        form = GoldenCaseForm(request.POST)
        cleaned_or_empty(form)
        reference = form.cleaned_data["case_reference"].strip()
        answers = form.answers_data()
        if reference:
            source = selectors.golden_source_case(reference)
            if source is None:
                form.add_error("case_reference", _no_decided_case(reference))
            elif answers is None and not form.errors.get("answers"):
                answers = selectors.case_answers_for_golden(source)
        if answers is None and not {"answers", "case_reference"} & set(form.errors):
            form.add_error("answers", "Enter the answers, or the reference of a case")
        draft = _golden_draft(form, code=form.cleaned_data["code"], answers=answers)
        if form.errors:
            _golden_problems_too(form, draft)
        elif (added := _golden_save(request, form, draft, source=source)) is not None:
            messages.success(request, f"Golden case {added.code} added.")
            return redirect("golden_list")
    else:
        initial: dict[str, Any] = {"recommended": ""}
        try:
            reference = reference_typed(request.GET.get("case", "")[:40])[:20]
        except ValidationError:
            reference = ""  # not a reference at all: the empty form
        if reference:
            initial["case_reference"] = reference
            source = selectors.golden_source_case(reference)
            if source is not None:
                initial.update(
                    title=source.title,
                    answers=json.dumps(selectors.case_answers_for_golden(source), indent=2),
                )
        form = GoldenCaseForm(initial=initial)
        if reference and source is None:
            # Nothing of the case is shown: the same answer whether it is a draft, in review,
            # withdrawn or does not exist.
            form.cleaned_data = {}
            _ = form.errors  # an unbound form's (empty) errors, to add the look-up's to
            form.add_error("case_reference", _no_decided_case(reference))
    return render(request, "decisions/golden_form.html", _golden_context(form, golden=None))


@require_http_methods(["GET", "POST"])
def golden_edit(request: HttpRequest, code: str) -> HttpResponse:
    """Change a golden case's title, answers, expected outcome and documentation (kept as
    they are unless changed: sources, basis, the revision note, acceptable alternatives)."""
    golden = or_404(selectors.golden_case_by_code(code))
    if request.method == "POST":
        form = GoldenCaseForm(request.POST, editing=True)
        cleaned_or_empty(form)
        answers = form.answers_data()
        if answers is None and "answers" not in form.errors:
            form.add_error("answers", "Enter the answers")
        draft = _golden_draft(form, code=golden.code, answers=answers, golden=golden)
        if form.errors:
            _golden_problems_too(form, draft, golden=golden)
        elif _golden_save(request, form, draft, golden=golden) is not None:
            messages.success(request, f"Golden case {golden.code} saved.")
            return redirect("golden_list")
    else:
        initial = GoldenCaseForm.initial_for(golden)
        form = GoldenCaseForm(initial=initial, editing=True)
    return render(request, "decisions/golden_form.html", _golden_context(form, golden=golden))
