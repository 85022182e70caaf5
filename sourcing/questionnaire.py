"""The questionnaire: one definition for pages, API and validation.

Keys, types, choices and ranges come from the engine's schema (decisions.engine.schema); this
module adds what people read: sections, labels, hints that say why a question matters, choice
labels, option labels, input decorations, and an answer as people read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from decisions.engine import schema


@dataclass(frozen=True)
class Section:
    slug: str
    title: str
    keys: tuple[str, ...]


SECTIONS: tuple[Section, ...] = (
    Section(
        "need",
        "About the need",
        (
            "service_type",
            "differentiation",
            "process_change",
            "policy_volatility",
            "criticality",
            "data_classification",
            "personal_data",
            "months_to_live",
        ),
    ),
    Section(
        "market",
        "The market",
        (
            "market_maturity",
            "credible_suppliers",
            "best_product_fit_pct",
            "open_standards",
            "cross_government_solution",
            "solution_uncertainty",
        ),
    ),
    Section(
        "capability",
        "Your capability",
        (
            "incumbent_lock_in",
            "in_house_capability",
            "existing_service_team",
            "team_capacity_fte",
            "service_integration_capability",
            "retain_ip_importance",
            "reuse_potential",
            "integration_complexity",
        ),
    ),
    Section(
        "money",
        "Money and risk",
        (
            "whole_life_budget_gbp",
            "whole_life_years",
            "depends_on_platform_not_live",
            "delivery_approach",
            "option_cost_estimates",
        ),
    ),
)

LABELS: dict[str, tuple[str, str]] = {
    "service_type": (
        "What kind of thing is needed?",
        "Hosting, infrastructure and back-office needs fall under Cloud first.",
    ),
    "differentiation": (
        "How unusual is the need?",
        "Commodity needs are usually bought; needs unique to a policy are usually built.",
    ),
    "policy_volatility": (
        "How often will requirements change with policy or law?",
        "Frequent change favours a team you control over a fixed contract.",
    ),
    "criticality": (
        "What is the impact if it fails?",
        "Think of citizens and ministers. It sets how soon the decision is reviewed.",
    ),
    "data_classification": (
        "What is the highest classification of the data it handles?",
        "Secret data limits which public cloud products can be used.",
    ),
    "personal_data": (
        "Does it process personal data?",
        "Personal data brings data protection duties to any supplier.",
    ),
    "months_to_live": (
        "How many months until it must be live?",
        "Under 6 months leaves little time to build or to run an innovation competition.",
    ),
    "market_maturity": (
        "What state is the market in for this need?",
        "With no market, buying is not possible; innovation procurement may be.",
    ),
    "credible_suppliers": (
        "How many credible suppliers or products did market engagement find?",
        "Fewer than 3 is a thin market: a pilot or staged approach comes first.",
    ),
    "best_product_fit_pct": (
        "What share of the requirements does the best existing product meet unmodified?",
        "At 80% or more, configuring a product usually beats building one.",
    ),
    "open_standards": (
        "Do open standards exist for the data and interfaces?",
        "Open standards make it easier to change supplier later.",
    ),
    "cross_government_solution": (
        "Does an existing public-sector platform or shared service meet the need?",
        "Build once, use many times: reuse comes before a new contract.",
    ),
    "solution_uncertainty": (
        "Does anyone know how to meet the need?",
        "A novel problem needs experiments before commitment.",
    ),
    "incumbent_lock_in": (
        "How much do current contracts or legacy systems constrain the choice?",
        "Severe lock-in means every option needs an exit plan.",
    ),
    "in_house_capability": (
        "What digital, data and technology skills are available to build and run it?",
        "Building needs people who can run the service for its whole life.",
    ),
    "team_capacity_fte": (
        "How many people can the department put on it?",
        "Full-time equivalents, including people you can recruit in time.",
    ),
    "retain_ip_importance": (
        "How much must government own the code, data and know-how?",
        "High importance points to building or partnering rather than renting.",
    ),
    "reuse_potential": (
        "Could others reuse what is built?",
        "Cross-government reuse makes building or partnering worth more.",
    ),
    "integration_complexity": (
        "How much does it depend on legacy and other systems?",
        "Complex integration raises the risk of every option.",
    ),
    "whole_life_budget_gbp": (
        "What is the whole-life budget?",
        "In pounds, over the whole life. Services over £1 million need a public interest test.",
    ),
    "whole_life_years": (
        "How many years does the budget cover?",
        "The period the whole-life budget is for.",
    ),
    "process_change": (
        "Will the organisation change its processes to fit a product? (optional)",
        "Common business functions such as finance, HR and payroll work best when processes "
        "adapt to the product; customising a product to fit old processes is where they fail.",
    ),
    "existing_service_team": (
        "Does an in-house team already run the service being changed? (optional)",
        "A team that already runs the service can extend it quickly, even when time is short.",
    ),
    "service_integration_capability": (
        "Can the department act as service integrator across several suppliers? (optional)",
        "Splitting work into lots with several suppliers needs someone in the department to "
        "join them up: architecture, service management and commercial skills.",
    ),
    "depends_on_platform_not_live": (
        "Does the need depend on another programme's platform that is not yet live? (optional)",
        "A dependency that is not live yet can slip; fixed contracts pay for every slip.",
    ),
    "delivery_approach": (
        "How will the new service replace the old one? (optional)",
        "Running old and new side by side lets you go back; a single cut-over does not.",
    ),
    "option_cost_estimates": (
        "Should-cost estimates per option (optional)",
        "Whole-life estimates in pounds. The cheapest viable option gets credit, but cost alone "
        "never overrides policy.",
    ),
}

CHOICE_LABELS: dict[str, str] = {
    "citizen_facing": "A citizen-facing service",
    "internal_system": "An internal system",
    "infrastructure": "Hosting or infrastructure",
    "end_user_computing": "End-user computing",
    "data_analytics": "Data and analytics",
    "commodity": "A commodity need",
    "tailored_common": "A common need with some tailoring",
    "government_specific": "Specific to government",
    "unique_to_policy": "Unique to a policy",
    "stable": "Stable",
    "occasional": "Occasionally",
    "frequent": "Frequently",
    "low": "Low",
    "medium": "Medium",
    "high": "High",
    "critical": "Critical",
    "official": "OFFICIAL",
    "official_sensitive": "OFFICIAL-SENSITIVE",
    "secret": "SECRET",
    "none": "None",
    "emerging": "Emerging",
    "established": "Established",
    "commoditised": "Commoditised",
    "partial": "Partly",
    "available": "Yes, available",
    "known": "Known",
    "some_unknowns": "Some unknowns",
    "novel": "Novel: nobody knows yet",
    "moderate": "Moderate",
    "severe": "Severe",
    "limited": "Limited",
    "adequate": "Adequate",
    "strong": "Strong",
    "department": "Within the department",
    "cross_government": "Across government",
    "will_adapt": "Yes, processes will change to fit the product",
    "partly": "Partly",
    "will_not": "No, the product must fit current processes",
    "incremental": "Step by step, with old and new running side by side",
    "single_cutover": "A single cut-over on one date",
}

# The five sourcing options (Sourcing Playbook) as people read them.
OPTION_LABELS: dict[str, str] = {
    "buy": "Buy",
    "build": "Build",
    "partner": "Partner",
    "procure": "Procure",
    "innovate": "Innovate",
}

# Input decorations: (prefix, suffix, width class)
DECORATIONS: dict[str, tuple[str, str, str]] = {
    "months_to_live": ("", "months", "govuk-input--width-3"),
    "credible_suppliers": ("", "", "govuk-input--width-5"),
    "best_product_fit_pct": ("", "%", "govuk-input--width-3"),
    "team_capacity_fte": ("", "FTE", "govuk-input--width-4"),
    "whole_life_budget_gbp": ("£", "", "govuk-input--width-10"),
    "whole_life_years": ("", "years", "govuk-input--width-2"),
    "option_cost_estimates": ("£", "", "govuk-input--width-10"),
}


def questionnaire() -> list[dict[str, Any]]:
    """Every question in form order, as the API and pages present it."""
    items = []
    for section in SECTIONS:
        for key in section.keys:
            spec = schema.QUESTIONS[key]
            label, hint = LABELS[key]
            items.append(
                {
                    "key": key,
                    "label": label,
                    "hint": hint,
                    "type": spec.type,
                    "choices": [
                        {"value": value, "label": CHOICE_LABELS.get(value, value)}
                        for value in spec.choices
                    ],
                    "min": spec.min,
                    "max": spec.max,
                    "required": spec.required,
                    "section": section.slug,
                }
            )
    return items


def display_value(key: str, value: Any) -> str:
    """An answer as people read it: choice labels, Yes/No, units and pounds."""
    if value is None:
        return ""
    question = schema.QUESTIONS[key]
    if question.type == "choice":
        return CHOICE_LABELS.get(value, str(value))
    if question.type == "bool":
        return "Yes" if value else "No"
    prefix, suffix, _ = DECORATIONS.get(key, ("", "", ""))
    if question.type == "int":
        return f"{prefix}{value:,}{'' if suffix == '%' else ' ' if suffix else ''}{suffix}"
    parts = [f"{OPTION_LABELS[o]}: £{value[o]:,}" for o in schema.OPTIONS if o in value]
    return "; ".join(parts)
