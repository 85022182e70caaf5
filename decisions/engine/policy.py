"""Standing policy checks (comply or explain) and exit readiness per option."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from decisions.engine.schema import OPTIONS

POLICY_CHECKS: Final[tuple[str, ...]] = (
    "cloud_first",
    "share_and_reuse",
    "open_source",
    "avoid_lock_in",
    "public_interest_test",
    "no_tower_model",
    "pilot_first",
)
CHECK_SOURCES: Final[dict[str, str]] = {
    "cloud_first": "Cloud First policy; TCoP 5 Use cloud first",
    "share_and_reuse": "TCoP 8 Share, reuse and collaborate",
    "open_source": "TCoP 3 Be open and use open source",
    "avoid_lock_in": "Sourcing Playbook: avoid lock-in; TCoP 4 Make use of open standards",
    "public_interest_test": "Sourcing Playbook: public interest test",
    "no_tower_model": "Sourcing Playbook: no tower model",
    "pilot_first": "Sourcing Playbook: pilot first",
}
CLOUD_FIRST_SERVICES: Final[frozenset[str]] = frozenset({"infrastructure", "internal_system"})
OUTSOURCED: Final[frozenset[str]] = frozenset({"buy", "procure", "partner"})
CODE_BUILT: Final[frozenset[str]] = frozenset({"build", "procure", "partner"})
READY_FROM: Final[int] = 70


# The checks whose "explain" for the recommended option is a tension with mandatory policy.
MANDATORY_CHECKS: Final[tuple[str, ...]] = ("cloud_first", "share_and_reuse")
# Needs that are candidates for insourcing under the public interest test (PPN 024, part 1).
INSOURCING_DIFFERENTIATION: Final[frozenset[str]] = frozenset(
    {"government_specific", "unique_to_policy"}
)
READY_CAPABILITY: Final[frozenset[str]] = frozenset({"adequate", "strong"})


@dataclass(frozen=True, slots=True)
class PolicyCheck:
    """One standing policy check: complies, explain (the department must write why) or n/a.

    parts: for the public interest test under a format 2 ruleset, the PPN 024 judgement
    (public_interest_parts); None otherwise, and then absent from to_dict().
    """

    check: str
    result: str
    reason: str
    source: str
    parts: Mapping[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        data: dict[str, Any] = {
            "check": self.check,
            "result": self.result,
            "reason": self.reason,
            "source": self.source,
        }
        if self.parts is not None:
            data["parts"] = self.parts
        return data


def answer_words(value: Any) -> str:
    """An answer in words: yes/no, numbers with commas, choices without underscores."""
    if value is None:
        return "not answered"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value).replace("_", " ")


def _indicator(key: str, value: Any, met: bool, text: str) -> dict[str, Any]:
    """One PPN 024 indicator: the answer it reads, whether it is met, and what it says."""
    return {"key": key, "value": value, "met": met, "text": text}


def public_interest_parts(a: Mapping[str, Any], *, threshold_gbp: int) -> dict[str, Any]:
    """The public interest test (PPN 024) as the answers indicate it.

    Part 1, a good candidate for insourcing: the need is government specific or unique to a
    policy, keeping the intellectual property matters (high), or requirements change often
    with policy (frequent); any one is enough. Part 2, ready to insource: in-house capability
    adequate or strong, and at least one person available. Shape:
    {"threshold_gbp", "budget_gbp", "good_candidate": {"result", "why", "indicators"},
    "ready_to_insource": {"result", "why", "indicators"}}; each indicator is
    {"key", "value", "met", "text"}.
    """
    differentiation = a.get("differentiation")
    candidate = [
        _indicator(
            "differentiation",
            differentiation,
            differentiation in INSOURCING_DIFFERENTIATION,
            f"the need is {answer_words(differentiation)}, not a commodity",
        ),
        _indicator(
            "retain_ip_importance",
            a.get("retain_ip_importance"),
            a.get("retain_ip_importance") == "high",
            "keeping the intellectual property in government matters",
        ),
        _indicator(
            "policy_volatility",
            a.get("policy_volatility"),
            a.get("policy_volatility") == "frequent",
            "requirements change often with policy",
        ),
    ]
    capability = a.get("in_house_capability")
    team = a.get("team_capacity_fte")
    ready = [
        _indicator(
            "in_house_capability",
            capability,
            capability in READY_CAPABILITY,
            f"in-house capability is {answer_words(capability)}",
        ),
        _indicator(
            "team_capacity_fte",
            team,
            bool(team),
            f"team capacity is {answer_words(team)} full-time staff",
        ),
    ]
    met = [i["text"] for i in candidate if i["met"]]
    return {
        "threshold_gbp": threshold_gbp,
        "budget_gbp": a.get("whole_life_budget_gbp"),
        "good_candidate": {
            "result": bool(met),
            "why": "; ".join(met) or "a commodity need that the market serves well",
            "indicators": candidate,
        },
        "ready_to_insource": {
            "result": all(i["met"] for i in ready),
            "why": "; ".join(i["text"] for i in ready),
            "indicators": ready,
        },
    }


@dataclass(frozen=True, slots=True)
class ExitFactor:
    """One factor of an option's exit readiness and the points it costs."""

    factor: str
    value: str
    effect: int
    note: str


@dataclass(frozen=True, slots=True)
class ExitReadiness:
    """How easily government could leave an option later: 0-100, a level and its factors."""

    option: str
    score: int
    level: str  # "ready", "needs_plan" or "poor"
    factors: tuple[ExitFactor, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "score": self.score,
            "level": self.level,
            "factors": [
                {"factor": f.factor, "value": f.value, "effect": f.effect, "note": f.note}
                for f in self.factors
            ],
        }


LOCK_IN_EFFECT: Final[dict[str, int]] = {"none": 0, "moderate": -15, "severe": -30}
CLOSED_INTERFACES: Final[dict[str, int]] = {
    "buy": -20,
    "build": -5,
    "partner": -10,
    "procure": -15,
    "innovate": -10,
}
THIN_MARKET: Final[dict[str, dict[str, int]]] = {
    "buy": {"none": -25, "emerging": -15},
    "procure": {"none": -25, "emerging": -15},
    "innovate": {"none": -10, "emerging": -5},
}


@functools.lru_cache(maxsize=4096)
def _exit_for(option: str, inputs: tuple[Any, ...]) -> ExitReadiness:
    """Exit readiness of one option from the answers it depends on (cached: results are frozen)."""
    lock_in, open_std, fit, maturity, personal, poor_below = inputs
    factors = [
        ExitFactor(
            "incumbent_lock_in",
            str(lock_in),
            LOCK_IN_EFFECT.get(lock_in, 0),
            "current contracts and legacy constrain any later move",
        ),
        ExitFactor(
            "open_standards",
            "yes" if open_std else "no",
            0 if open_std is not False else CLOSED_INTERFACES[option],
            "open standards for data and interfaces make a later switch cheaper",
        ),
    ]
    if option == "buy":
        effect = 0 if fit is None or fit >= 80 else (-10 if fit >= 50 else -20)
        factors.append(
            ExitFactor(
                "product_fit", f"{fit}%", effect, "customising a poor fit ties you to the product"
            )
        )
    else:
        factors.append(ExitFactor("product_fit", f"{fit}%", 0, "not a factor for this option"))
    factors.append(
        ExitFactor(
            "market_maturity",
            str(maturity),
            THIN_MARKET.get(option, {}).get(maturity, 0),
            "a thin market leaves few alternatives to move to",
        )
    )
    if option == "build":
        portability, note = 0, "government owns the code and the data"
    else:
        portability = (0 if open_std is not False else -10) + (-5 if personal else 0)
        note = "export depends on formats and contract terms; personal data needs a controlled move"
    factors.append(
        ExitFactor(
            "data_portability", "owned" if option == "build" else "contractual", portability, note
        )
    )
    score = max(0, min(100, 100 + sum(f.effect for f in factors)))
    level = "ready" if score >= READY_FROM else ("needs_plan" if score >= poor_below else "poor")
    return ExitReadiness(option, score, level, tuple(factors))


def exit_readiness(a: Mapping[str, Any], *, poor_below: int = 40) -> dict[str, ExitReadiness]:
    """Exit readiness for every option."""
    key = (
        a.get("incumbent_lock_in", "none"),
        a.get("open_standards"),
        a.get("best_product_fit_pct"),
        a.get("market_maturity", "established"),
        a.get("personal_data"),
        poor_below,
    )
    return {option: _exit_for(option, key) for option in OPTIONS}


def _check(check: str, result: str, reason: str) -> PolicyCheck:
    """A PolicyCheck naming its source."""
    return PolicyCheck(check, result, reason, CHECK_SOURCES[check])


def policy_checks(
    a: Mapping[str, Any],
    recommended: str | None,
    *,
    exits: Mapping[str, ExitReadiness],
    public_interest_test_gbp: int,
    thin_market_below: int,
    detailed: bool = False,
) -> tuple[PolicyCheck, ...]:
    """The seven standing policy checks for the answers and the recommended option.

    detailed=True (format 2 rulesets) adds the public interest test's parts (PPN 024).
    """
    rec = recommended
    none_viable = "No option is viable, so there is no recommendation to check."
    checks: list[PolicyCheck] = []

    service = a.get("service_type")
    if service not in CLOUD_FIRST_SERVICES:
        checks.append(
            _check(
                "cloud_first",
                "n/a",
                "Cloud first covers hosting, infrastructure and "
                "back-office needs; this is not one.",
            )
        )
    elif rec == "buy":
        checks.append(
            _check("cloud_first", "complies", "The recommendation is public cloud or SaaS.")
        )
    elif rec is None:
        checks.append(_check("cloud_first", "n/a", none_viable))
    else:
        checks.append(
            _check(
                "cloud_first",
                "explain",
                f"A {service} need recommended to {rec}: explain "
                "why whole-life value, exit costs included, beats public cloud or SaaS.",
            )
        )

    xgov = a.get("cross_government_solution")
    if xgov is None:
        checks.append(
            _check(
                "share_and_reuse",
                "explain",
                "Say whether an existing government "
                "component meets the need, naming the components checked.",
            )
        )
    elif xgov == "none":
        checks.append(
            _check(
                "share_and_reuse",
                "complies",
                "The department looked and no existing "
                "government component meets the need; name the components checked.",
            )
        )
    elif rec == "partner":
        checks.append(
            _check(
                "share_and_reuse",
                "complies",
                "The recommendation reuses an existing government component.",
            )
        )
    else:
        checks.append(
            _check(
                "share_and_reuse",
                "explain",
                f"An existing government component is "
                f"{xgov}: explain why it is not reused, naming the components checked.",
            )
        )

    if rec in CODE_BUILT:
        if a.get("data_classification") == "secret":
            checks.append(
                _check(
                    "open_source",
                    "explain",
                    "Code handling SECRET data: explain which "
                    "parts are exempt from publication and why.",
                )
            )
        else:
            checks.append(
                _check(
                    "open_source",
                    "complies",
                    "Publishing the code openly is a condition of the recommendation.",
                )
            )
    else:
        checks.append(
            _check(
                "open_source",
                "n/a",
                "No new code is written for government." if rec else none_viable,
            )
        )

    if rec is None:
        checks.append(_check("avoid_lock_in", "n/a", none_viable))
    elif rec in OUTSOURCED:
        ready = exits[rec]
        checks.append(
            _check(
                "avoid_lock_in",
                "explain",
                f"Record an exit and data-portability plan; "
                f"exit readiness for {rec} is {ready.score} ({ready.level}).",
            )
        )
    elif a.get("incumbent_lock_in") == "severe":
        checks.append(
            _check(
                "avoid_lock_in",
                "explain",
                "Severe incumbent lock-in: record the plan to exit current contracts and legacy.",
            )
        )
    else:
        checks.append(
            _check(
                "avoid_lock_in",
                "complies",
                f"{rec} keeps the code and data under government control.",
            )
        )

    budget = a.get("whole_life_budget_gbp")
    if budget is not None and budget >= public_interest_test_gbp:
        checks.append(
            PolicyCheck(
                "public_interest_test",
                "explain",
                f"Whole-life value £{budget:,} is at "
                f"or over £{public_interest_test_gbp:,}: record whether this is a good "
                "candidate for insourcing and whether the department is ready to insource.",
                CHECK_SOURCES["public_interest_test"],
                public_interest_parts(a, threshold_gbp=public_interest_test_gbp)
                if detailed
                else None,
            )
        )
    else:
        checks.append(
            _check(
                "public_interest_test",
                "n/a",
                f"Whole-life value is under £{public_interest_test_gbp:,}.",
            )
        )

    suppliers = a.get("credible_suppliers")
    thin = suppliers is not None and suppliers < thin_market_below
    if rec != "procure":
        checks.append(
            _check(
                "no_tower_model",
                "n/a",
                "No services contract with an integrator is recommended." if rec else none_viable,
            )
        )
    elif thin:
        checks.append(
            _check(
                "no_tower_model",
                "explain",
                f"Only {suppliers} credible suppliers: explain "
                "how the contract avoids one supplier as integrator and service provider.",
            )
        )
    elif a.get("incumbent_lock_in") == "severe":
        checks.append(
            _check(
                "no_tower_model",
                "explain",
                "Severe incumbent lock-in: explain how the "
                "contracts are split into lots rather than recreating a single integrator.",
            )
        )
    else:
        checks.append(
            _check(
                "no_tower_model",
                "complies",
                "Outcome-based, multi-sourced contracts in lots "
                "are a condition of the recommendation.",
            )
        )

    novel = a.get("solution_uncertainty") == "novel"
    if not (thin or novel):
        checks.append(
            _check(
                "pilot_first",
                "n/a",
                "Not a thin market or a novel solution. If this is "
                "a first-time outsourcing, plan a pilot.",
            )
        )
    else:
        why = " and ".join(
            part
            for part, hit in (
                (f"a thin market ({suppliers} credible suppliers)", thin),
                ("a novel solution", novel),
            )
            if hit
        )
        if rec == "innovate":
            checks.append(
                _check(
                    "pilot_first",
                    "complies",
                    f"{why.capitalize()}: innovation is staged by design.",
                )
            )
        elif rec is None:
            checks.append(_check("pilot_first", "n/a", none_viable))
        else:
            checks.append(
                _check(
                    "pilot_first",
                    "explain",
                    f"{why.capitalize()}: run a pilot or staged "
                    "approach before full commitment, or explain why not.",
                )
            )
    return tuple(checks)
