"""The load bench's data builder and its route enumeration (the bench itself runs in make bench)."""

from __future__ import annotations

import itertools
import random
from collections import Counter

from django.test import Client

from scripts.loadbench import probe_cycle
from scripts.loadbench.data import DRAFT_VERSION, bench_data_build
from scripts.loadbench.routes import SAMPLES, missing_samples, probes, url_routes
from sourcing.demo import DEMO_CASES
from sourcing.models import User


def test_every_route_with_a_get_is_loaded_or_has_a_sample() -> None:
    routes = url_routes()
    assert routes.undeclared == []
    assert missing_samples(routes) == [], "add samples to SAMPLES in scripts/loadbench/routes.py"
    # No sample is left for a route that no longer exists.
    assert set(SAMPLES) <= set(routes.loaded)
    assert "case_detail" in routes.loaded and "case_assess" in routes.not_loaded


def test_builder_at_multiplier_one_loads_the_demo_data_and_every_sample_resolves(db: None) -> None:
    report = bench_data_build(multiplier=1)
    assert report.counts["cases"] == len(DEMO_CASES)
    assert report.counts["decision records"] == 3
    assert report.counts["exports"] == 1 and report.counts["ruleset runs"] == 2
    assert bench_data_build(multiplier=1).counts == report.counts  # safe to run again
    found = probes()
    routes = {probe.route for probe in found}
    assert routes == set(url_routes().loaded)
    assert any(probe.path.startswith(f"/rulesets/{DRAFT_VERSION}/") for probe in found)
    # Department users are sent their own department's objects.
    alice = {p.path for p in found if p.route == "case_detail" and p.persona == "alice"}
    bob = {p.path for p in found if p.route == "case_detail" and p.persona == "bob"}
    assert alice and bob and alice != bob


def test_the_signatory_reads_her_waiting_request_and_a_list_with_rows(
    db: None, client: Client
) -> None:
    bench_data_build(multiplier=1)
    found = {(p.route, p.persona): p.path for p in probes()}
    signoff = {key for key in found if key[0].startswith("signoff_request_")}
    # Only the signatory calls her pages, and she calls nothing else.
    assert signoff == {("signoff_request_list", "ines"), ("signoff_request_detail", "ines")}
    assert {route for route, persona in found if persona == "ines"} == {
        "signoff_request_list",
        "signoff_request_detail",
    }
    client.force_login(User.objects.get(username="ines"))
    detail = found[("signoff_request_detail", "ines")]
    page = client.get(detail)
    assert page.status_code == 200 and b"Do you sign off this case for finance?" in page.content
    listed = client.get(found[("signoff_request_list", "ines")])
    assert listed.status_code == 200 and detail.encode() in listed.content


def test_a_second_copy_doubles_cases_records_and_contracts(db: None) -> None:
    one = bench_data_build(multiplier=1).counts
    two = bench_data_build(multiplier=2).counts
    for table in ("cases", "decision records", "contracts", "exports"):
        assert two[table] == 2 * one[table], table
    assert two["suppliers"] > one["suppliers"]


def test_probe_cycle_calls_every_judged_route_equally_often_and_each_of_its_personas_in_turn() -> (
    None
):
    plan = [
        {"name": "home", "persona": p, "kind": "page"}
        for p in ("alice", "bob", "carol", "dave", "erin")
    ]
    plan += [
        {"name": "golden_list", "persona": "erin", "kind": "page"},
        {"name": "api:register", "persona": "dave", "kind": "api-list"},
        {"name": "case_draft_pdf", "persona": "alice", "kind": "download"},
        {"name": "api:case_similar", "persona": "alice", "kind": "api"},
        {"name": "api:case_similar", "persona": "carol", "kind": "api-list"},
    ]
    calls = list(itertools.islice(probe_cycle(plan, random.Random(3)), 4 * 4 * 10 + 10))

    counts = Counter(c["name"] for c in calls)
    assert counts == {
        "home": 40,
        "golden_list": 40,
        "api:register": 40,
        "api:case_similar": 40,
        "case_draft_pdf": 10,
    }
    homes = [c["persona"] for c in calls if c["name"] == "home"]
    assert sorted(homes[:5]) == ["alice", "bob", "carol", "dave", "erin"]
    assert homes[5:10] == homes[:5]
