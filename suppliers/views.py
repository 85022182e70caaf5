"""Supplier pages: market segments, the supplier search, supplier detail and maintenance,
catalogue import, a case's shortlist, contracts and the concentration radar.

Access is declared in sourcing.access.PERMISSIONS; cases and contracts are looked up through
Case.objects.visible_to / contracts_visible_to and the department scope, so what a user may not
see is a 404.
"""

from __future__ import annotations

from typing import Any, Final

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.views.decorators.http import require_http_methods, require_safe

from decisions import presenter
from decisions.templatetags import govuk_dates
from sourcing import charts, compiled_sql, questionnaire
from sourcing.access import or_404, role_of, signed_in_user
from sourcing.errors import ValidationFailed
from sourcing.forms import add_service_errors, cleaned_or_empty, error_links, form_service, saved
from sourcing.kept_html import kept_render
from sourcing.middleware import HtmxHttpRequest
from sourcing.models import Case, CaseStatus, Role
from sourcing.pagination import paginate
from sourcing.questionnaire import OPTION_LABELS
from suppliers import catalogue, concentration, selectors
from suppliers import models as suppliers_models
from suppliers.concentration import radar
from suppliers.contracts import (
    contract_record,
    contracts_visible_to,
    current_approval_review_by,
    review_dates_of,
)
from suppliers.forms import (
    SUPPLIER_FIELDS,
    CatalogueUploadForm,
    ContractForm,
    SupplierForm,
    SupplierSearchForm,
    initial_from,
)
from suppliers.models import Contract, Supplier
from suppliers.reference import (
    ACCREDITATIONS,
    CLASSIFICATIONS,
    CLEARANCES,
    REGIONS,
    SAMPLE_CATALOGUE_PATH,
)
from suppliers.shortlist import shortlist_html

PAGE_SIZE = 25
# The columns the supplier list shows (its segments and frameworks: selectors.with_memberships).
LIST_COLUMNS = ("id", "company_number", "name", "sme", "classification")
CONTRACT_PAGE_SIZE = 50
MAINTAINERS = {Role.ADMIN, Role.REVIEWER}
CHANGES_SHOWN = 100
CONTRACT_ANCHORS = {"extends_incumbent": "#id_extends_incumbent_0"}


def _labels(keys: list[str], names: dict[str, str]) -> list[str]:
    return [names.get(k, k) for k in keys]


# Segments ---------------------------------------------------------------------------------------


@require_safe
def segment_list(request: HttpRequest) -> HttpResponse:
    """The eight market segments: business model, incentives, options and approach."""
    segments = [
        {"segment": s, "fits": _labels(s.fits, OPTION_LABELS)} for s in selectors.segments()
    ]
    return render(request, "suppliers/segment_list.html", {"segments": segments})


@require_safe
def segment_detail(request: HttpRequest, key: str) -> HttpResponse:
    """One segment: how it makes money, what it wants, how to approach it, its suppliers."""
    segment, supplier_count, sme_count = or_404(selectors.segment_with_counts(key))
    context = {
        "segment": segment,
        "fits": _labels(segment.fits, OPTION_LABELS),
        "supplier_count": supplier_count,
        "sme_count": sme_count,
    }
    return render(request, "suppliers/segment_detail.html", context)


# Suppliers --------------------------------------------------------------------------------------


@require_safe
def supplier_list(request: HttpRequest) -> HttpResponse:
    """Search and filter the catalogue by name, segment, framework and size; paginated."""
    lists = selectors.catalogue_lists()
    form = SupplierSearchForm(request.GET, segments=lists.segments, frameworks=lists.frameworks)
    params: dict[str, str] = {}
    errors: list[tuple[str, str]] = []
    if form.is_valid():
        params = {k: v.strip() for k, v in form.cleaned_data.items() if v and v.strip()}
        suppliers = selectors.supplier_search(**params)
    else:
        errors = error_links(form)
        suppliers = selectors.supplier_search().none()
    listing = selectors.supplier_listing(suppliers, LIST_COLUMNS)
    paged = paginate(request, listing, params, PAGE_SIZE, counted=True)
    rows = selectors.with_memberships(list(paged["page"].object_list), lists)
    for row in rows:
        row["classification_label"] = CLASSIFICATIONS[row["classification"]]
    context = {
        "form": form,
        "errors": errors,
        "filtered": bool(params),
        "can_maintain": role_of(request.user) in MAINTAINERS,
        "suppliers": rows,
        "rows_html": _rows_html(rows),
        **paged,
    }
    return render(request, "suppliers/supplier_list.html", context)


ROWS_TEMPLATE: Final = "suppliers/supplier_list_rows.html"


def _rows_html(rows: list[dict[str, Any]]) -> SafeString:
    """The supplier list's table rows (suppliers/supplier_list_rows.html) of these rows, kept
    (sourcing.kept_html.kept_render) under a hash of every value they show (each row as read,
    with its segments, frameworks and classification's label), the address their links are
    made on (a supplier's page: the URL prefix and route) and the template."""
    link = reverse("supplier_detail", args=["00000000"])
    return kept_render("supplier-list-rows", ROWS_TEMPLATE, (rows, link), {"suppliers": rows})


@require_safe
def supplier_detail(request: HttpRequest, company_number: str) -> HttpResponse:
    """One supplier: segments, size, frameworks, capabilities, accreditation, regions."""
    shown = or_404(selectors.supplier_shown(company_number))
    supplier = shown.supplier
    user = signed_in_user(request)
    contracts = selectors.supplier_contracts_shown(user, supplier)
    context = {
        "supplier": supplier,
        "segments": shown.segments,
        "frameworks": shown.frameworks,
        "classification": CLASSIFICATIONS[supplier.classification],
        "clearance": CLEARANCES[supplier.clearance],
        "accreditations": _labels(supplier.accreditations, ACCREDITATIONS),
        "regions": _labels(supplier.regions, REGIONS),
        # The contract list's table of the contracts the user may see (kept as it is there).
        "contracts_html": _contract_table_html(contracts, SUPPLIER_CONTRACTS_HEADING)
        if contracts
        else "",
        "can_maintain": user.role in MAINTAINERS,
    }
    return render(request, "suppliers/supplier_detail.html", context)


SUPPLIER_CONTRACTS_HEADING: Final = "Contracts with this supplier"


def _supplier_form_page(
    request: HttpRequest, found: tuple[Supplier, list[str], list[str]] | None
) -> HttpResponse:
    """The supplier form, empty or of `found` (selectors.supplier_for_form: the supplier and
    its segments' and frameworks' keys)."""
    lists = selectors.catalogue_lists()
    supplier = found[0] if found else None
    initial = {}
    if found:
        values = catalogue.supplier_values(found[0], segments=found[1], frameworks=found[2])
        initial = initial_from(values)
    posted = request.POST if request.method == "POST" else None
    form = SupplierForm(
        posted, initial=initial, segments=lists.segments, frameworks=lists.frameworks
    )
    if posted is not None and not cleaned_or_empty(form):
        # The catalogue's checks of the other fields too, in the same round.
        problems = catalogue.supplier_problems(form.values(), supplier=supplier)
        add_service_errors(form, problems, SUPPLIER_FIELDS)
    elif posted is not None:
        try:
            supplier_saved = catalogue.supplier_save(
                by=signed_in_user(request), values=form.values(), supplier=supplier
            )
        except ValidationFailed as failed:
            add_service_errors(form, failed.errors, SUPPLIER_FIELDS)
        else:
            number = supplier_saved.company_number
            return saved(
                request, f"{supplier_saved.name} is saved", "supplier_detail", company_number=number
            )
    context = {
        "supplier": supplier,
        "form": form,
        "errors": error_links(form),
        "list_separator_hint": "Separate capabilities with commas, like: case management, crm",
    }
    return render(request, "suppliers/supplier_form.html", context)


@require_http_methods(["GET", "POST"])
def supplier_new(request: HttpRequest) -> HttpResponse:
    """Add one supplier to the catalogue (the Centre of Excellence and admins)."""
    return _supplier_form_page(request, None)


@require_http_methods(["GET", "POST"])
def supplier_edit(request: HttpRequest, company_number: str) -> HttpResponse:
    """Change a supplier's details (the Centre of Excellence and admins)."""
    return _supplier_form_page(request, or_404(selectors.supplier_for_form(company_number)))


# Catalogue import -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def catalogue_import(request: HttpRequest) -> HttpResponse:
    """Upload a catalogue CSV: every row checked; all imported, or nothing and every problem."""
    form = CatalogueUploadForm(request.POST or None, request.FILES or None)
    problems: list[catalogue.Problem] = []
    notes: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = catalogue.catalogue_import(
                by=signed_in_user(request), raw=upload.read(), filename=upload.name or ""
            )
        except catalogue.CatalogueInvalid as invalid:
            problems = invalid.problems
            notes = catalogue.notes_summary(invalid.notes)
            count = len(problems)
            form.add_error(
                "file",
                f"The file has {count} problem{'s' if count != 1 else ''}: nothing was imported",
            )
        else:
            assert result.record is not None
            for note in catalogue.notes_summary(result.notes):
                messages.info(request, note)
            return redirect("catalogue_import_detail", pk=result.record.pk)
    context = {
        "form": form,
        "errors": error_links(form),
        "notes": notes,
        "problems": problems[: catalogue.PROBLEMS_SHOWN],
        "more_problems": max(len(problems) - catalogue.PROBLEMS_SHOWN, 0),
        "columns": COLUMN_DOCS,
        "recent": selectors.recent_imports(),
    }
    return render(request, "suppliers/catalogue_import.html", context)


# The documented columns (docs/suppliers.md says the same).
COLUMN_DOCS: tuple[tuple[str, str], ...] = (
    (
        "company_number",
        "Required. Companies House number: 8 digits, or a prefix such as SC, NI or OC and 6 "
        "digits.",
    ),
    ("name", f"Required. Up to {catalogue.NAME_MAX} characters."),
    ("segments", "Required. Segment keys separated by ';', the main one first."),
    ("sme", "Required. yes or no."),
    ("frameworks", "Framework keys separated by ';' (may be empty)."),
    ("capabilities", "Capability tags separated by ';' (up to 30, each up to 50 characters)."),
    ("classification", "official, official_sensitive or secret (empty means official)."),
    ("clearance", "Staff clearance: none, bpss, sc or dv (empty means none)."),
    ("accreditations", "Separated by ';': " + ", ".join(ACCREDITATIONS) + "."),
    ("regions", "Separated by ';': " + ", ".join(REGIONS) + "."),
    ("website", "Optional. An address starting https://."),
    ("description", f"Optional. Up to {catalogue.DESCRIPTION_MAX} characters."),
)


@require_safe
def catalogue_import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """What an import created, updated and left unchanged."""
    record = or_404(selectors.catalogue_import_by_pk(pk))
    shown = set(record.created[:CHANGES_SHOWN]) | set(record.updated[:CHANGES_SHOWN])
    names = selectors.supplier_names(shown)
    context = {
        "record": record,
        "created": [(n, names.get(n, "")) for n in record.created[:CHANGES_SHOWN]],
        "updated": [(n, names.get(n, "")) for n in record.updated[:CHANGES_SHOWN]],
        "shown_limit": CHANGES_SHOWN,
    }
    return render(request, "suppliers/catalogue_import_detail.html", context)


@require_safe
def catalogue_sample(request: HttpRequest) -> HttpResponse:
    """The sample catalogue CSV, with every column."""
    response = HttpResponse(
        SAMPLE_CATALOGUE_PATH.read_bytes(), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="catalogue_sample.csv"'
    return response


# A case's shortlist -----------------------------------------------------------------------------


def _case(request: HttpRequest, reference: str) -> Case:
    user = signed_in_user(request)
    return or_404(selectors.case_for_suppliers(user, reference))


@require_safe
def case_shortlist(request: HtmxHttpRequest, reference: str) -> HttpResponse:
    """Suppliers to engage for the case's recommended option and runner-up, explained.

    The case, review and record pages load it as a fragment (htmx); without JavaScript their
    link leads here, to the whole page.
    """
    case = or_404(selectors.case_for_shortlist(signed_in_user(request), reference))
    template = "suppliers/case_shortlist.html"
    if request.htmx:
        template += "#shortlist"
    return render(request, template, {"case": case, "shortlist_html": shortlist_html(case)})


@require_safe
def case_contracts(request: HtmxHttpRequest, reference: str) -> HttpResponse:
    """The contracts let for a case (a fragment of the record page; a page without JavaScript)."""
    case = _case(request, reference)
    template = "suppliers/case_contracts.html"
    if request.htmx:
        template += "#contracts"
    # Only the columns the table shows (not the case's answers and explanations, the segment).
    contracts = contracts_visible_to(signed_in_user(request)).filter(case=case).for_table()
    return render(request, template, {"case": case, "contracts": contracts})


# Contracts --------------------------------------------------------------------------------------


@require_safe
def contract_list(request: HttpRequest) -> HttpResponse:
    """Contracts let after approved decisions (a department user: their own department's)."""
    user = signed_in_user(request)
    # Only the columns the table shows (not the case's answers: about 400 JSON decodes a page).
    contracts = contracts_visible_to(user).for_table()
    context = paginate(request, contracts, {}, CONTRACT_PAGE_SIZE)
    rows = list(context["page"].object_list)
    approved = selectors.approved_cases_of(user)
    count = context["page"].paginator.count
    heading = f"{count} contract{'s' if count != 1 else ''}"
    context.update(
        {
            "rows": rows,
            "table_html": _contract_table_html(rows, heading) if rows else "",
            "approved": approved,
            "is_department": user.role == Role.COMMERCIAL,
        }
    )
    return render(request, "suppliers/contract_list.html", context)


CONTRACT_TABLE_TEMPLATE: Final = "includes/supplier_contracts.html"


def _contract_table_html(contracts: list[Contract], heading: str) -> SafeString:
    """The contract list's table (includes/supplier_contracts.html with the case column) of
    these contracts, kept (sourcing.kept_html.kept_render) under a hash of every value it
    shows: the heading and each contract's case reference, department, supplier (number and
    name), value, start and end dates, break points and whether it extends an incumbent; the
    address its links are made on (a supplier's page: the URL prefix and route); and the code
    that makes the text (the template, Contract's value_text and break_dates in
    suppliers.models, the date_text filter and the presenter it calls)."""
    values = [
        (
            contract.case.reference,
            contract.department.name,
            contract.supplier.company_number,
            contract.supplier.name,
            contract.value_gbp,
            contract.start_date,
            contract.end_date,
            contract.break_points,
            contract.extends_incumbent,
        )
        for contract in contracts
    ]
    link = reverse("supplier_detail", args=["00000000"])
    return kept_render(
        "contract-list-table",
        CONTRACT_TABLE_TEMPLATE,
        (values, heading, link),
        {"contracts": contracts, "heading": heading, "show_case": True},
        modules=(suppliers_models, govuk_dates, presenter),
    )


@require_http_methods(["GET", "POST"])
def contract_record_view(request: HttpRequest, reference: str) -> HttpResponse:
    """Record a contract let for an approved case of the user's department."""
    case = _case(request, reference)
    form = ContractForm(request.POST if request.method == "POST" else None)
    by = signed_in_user(request)
    # A service's field errors here: what changed since the form was checked.
    contract = form_service(
        form,
        lambda: contract_record(
            case=case,
            by=by,
            supplier=form.supplier_found,
            value_gbp=form.cleaned_data["value_gbp"],
            start=form.dates.get("start"),
            end=form.dates.get("end"),
            break_points=form.cleaned_data["break_points"],
            extends_incumbent=form.cleaned_data["extends_incumbent"] == "yes",
        ),
    )
    if contract is not None:
        recorded = f"The £{contract.value_gbp:,} contract with {contract.supplier.name} is recorded"
        return saved(request, recorded, "contract_record", reference=case.reference)
    errors = error_links(form, CONTRACT_ANCHORS)
    record = current_approval_review_by(case)
    contracts = list(selectors.contracts_of_case(case))
    context = {
        "case": case,
        "form": form,
        "errors": errors,
        "approved": case.status == CaseStatus.APPROVED and record is not None,
        "record": record,
        "contracts": contracts,
        "review_dates": review_dates_of(contracts) if record else [],
        "start": form.date_input("start"),
        "end": form.date_input("end"),
    }
    return render(request, "suppliers/contract_form.html", context)


# Concentration radar ----------------------------------------------------------------------------


RADAR_TEMPLATE: Final = "suppliers/concentration_radar_body.html"


def _radar_html() -> SafeString:
    """The radar's figures, tables and joint demand (suppliers/concentration_radar_body.html),
    kept (sourcing.kept_html.kept_render) under a hash of every value they are made from as
    read (each contract's value, case, segment, supplier and department name; each segment's
    key and name; each demand case's reference, title, department and the two answers grouped
    on), the addresses their links are made on and the templates and the code that makes the
    figures and words: three queries a view, the figures worked out and rendered only when one
    of those changes."""
    contract_rows = selectors.contract_rows_for_radar()
    segment_rows = concentration.radar_segment_rows()
    case_rows = concentration.demand_case_rows()
    values = (
        contract_rows,
        segment_rows,
        case_rows,
        reverse("segment_detail", args=["segment"]),
        reverse("supplier_detail", args=["00000000"]),
    )
    return kept_render(
        "concentration-radar",
        RADAR_TEMPLATE,
        values,
        lambda: radar(
            concentration.contracts_from_rows(contract_rows),
            segments_read=concentration.segments_from_rows(segment_rows),
            cases=concentration.cases_from_rows(case_rows),
        ),
        modules=(concentration, charts, questionnaire, compiled_sql),
    )


@require_safe
def concentration_radar(request: HttpRequest) -> HttpResponse:
    """Where government depends on few suppliers: value, shares and HHI per segment."""
    context = {"radar_html": _radar_html(), "generated_at": timezone.now()}
    return render(request, "suppliers/concentration_radar.html", context)
