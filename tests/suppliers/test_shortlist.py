"""The shortlist: suppliers for the recommended option and the runner-up, explained, and never
one lacking the accreditation the case's data classification needs."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.cache.backends.redis import RedisCacheClient
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from decisions.assessments.models import Assessment
from decisions.cases.services import case_submit, case_update
from decisions.review.services import review_decide
from sourcing.models import Case, User
from sourcing.questionnaire import OPTION_LABELS
from suppliers.catalogue import catalogue_import, supplier_save
from suppliers.demo import demo_catalogue_csv
from suppliers.models import Supplier
from suppliers.reference import CLASSIFICATION_RANK
from suppliers.shortlist import shortlist_basis, shortlist_context, shortlist_for
from tests.factories import assessed_case, catalogue_bytes, catalogue_row, other_option
from tests.pages import page_queries

ClientAs = Callable[[User | None], Client]


@pytest.fixture
def catalogue(users: dict[str, User]) -> None:
    catalogue_import(by=users["admin"], raw=demo_catalogue_csv(400))


@pytest.mark.parametrize("needed", ["official", "official_sensitive", "secret"])
def test_no_supplier_lacking_the_needed_accreditation_is_ever_listed(
    users: dict[str, User], catalogue: None, needed: str
) -> None:
    case = assessed_case(users["commercial"], data_classification=needed)
    entries = shortlist_for(case, per_option=1000)
    assert entries, "the demo catalogue has suppliers for every classification"
    for entry in entries:
        assert CLASSIFICATION_RANK[entry.supplier.classification] >= CLASSIFICATION_RANK[needed]


def test_an_ideal_supplier_without_the_accreditation_is_left_out(users: dict[str, User]) -> None:
    case = assessed_case(users["commercial"], data_classification="secret")
    option = shortlist_basis(case).options[0][0]  # type: ignore[union-attr]
    segment = {
        "buy": "saas-platforms",
        "build": "consultancies-agencies",
        "partner": "public-sector-platforms",
        "procure": "systems-integrators",
        "innovate": "specialist-smes",
    }[option]
    everything = "case management;crm;erp;payroll;workflow;user-centred design;digital services"
    catalogue_import(
        by=users["admin"],
        raw=catalogue_bytes(
            catalogue_row(
                company_number="01111111",
                name="Ideal But Unaccredited Ltd",
                segments=segment,
                frameworks="g-cloud;dos;tech-services;sbri",
                capabilities=everything,
                classification="official_sensitive",
                clearance="dv",
            ),
            catalogue_row(
                company_number="02222222",
                name="Plain Secret Ltd",
                segments=segment,
                frameworks="",
                capabilities="",
                classification="secret",
                sme="no",
            ),
        ),
    )
    names = [e.supplier.name for e in shortlist_for(case)]
    assert "Plain Secret Ltd" in names and "Ideal But Unaccredited Ltd" not in names


def test_an_unknown_classification_is_treated_as_the_strictest(users: dict[str, User]) -> None:
    case = assessed_case(users["commercial"])
    assessment = Assessment.objects.get(case=case)
    assessment.answers = {**assessment.answers}
    assessment.answers.pop("data_classification")
    basis = shortlist_basis(assessment)
    assert basis is not None and basis.classification == "secret"


def test_the_shortlist_covers_the_recommendation_and_runner_up_with_reasons(
    users: dict[str, User], catalogue: None
) -> None:
    case = assessed_case(users["commercial"])
    assessment = Assessment.objects.get(case=case)
    result = assessment.result
    basis = shortlist_basis(case)
    assert basis is not None
    assert basis.options[0] == (result["recommended"], "Recommended")
    runner = next(
        o for o in result["ranking"] if o != result["recommended"] and result["viable"][o]
    )
    assert basis.options[1] == (runner, "Runner-up")
    entries = shortlist_for(case)
    assert {e.option for e in entries} <= {result["recommended"], runner}
    for entry in entries:
        assert isinstance(entry.score, int) and entry.score > 0
        assert entry.reasons[0].startswith(entry.segment.name)
        assert entry.option in entry.segment.fits
    scores = [e.score for e in entries if e.option == result["recommended"]]
    assert scores == sorted(scores, reverse=True)
    context = shortlist_context(assessment)["shortlist"]
    assert context["groups"][0]["segments"], "the segment's approach is shown beside the list"


def test_the_shortlist_page_explains_each_supplier(
    users: dict[str, User], catalogue: None, client_as: ClientAs
) -> None:
    case = assessed_case(users["commercial"])
    html = (
        client_as(users["commercial"]).get(f"/cases/{case.reference}/shortlist/").content.decode()
    )
    entry = shortlist_for(case)[0]
    assert "Suppliers to engage" in html and entry.supplier.name in html
    assert entry.segment.approach in html
    assert (
        client_as(users["outsider"]).get(f"/cases/{case.reference}/shortlist/").status_code == 404
    )


def test_the_shortlist_is_a_fragment_of_the_case_review_and_record_pages(
    users: dict[str, User], catalogue: None, client_as: ClientAs
) -> None:
    case = assessed_case(users["commercial"])
    url = reverse("case_shortlist", args=[case.reference])
    entry = shortlist_for(case)[0]
    fragment = client_as(users["commercial"]).get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment and 'id="shortlist-heading"' in fragment
    assert entry.supplier.name in fragment and entry.segment.approach in fragment
    loads = f'hx-get="{url}" hx-trigger="load"'
    page = client_as(users["commercial"]).get(reverse("case_detail", args=[case.reference]))
    assert loads in page.content.decode() and f'href="{url}"' in page.content.decode()
    case = case_submit(case=case, by=users["commercial"])
    review = client_as(users["reviewer"]).get(reverse("review_case", args=[case.reference]))
    assert loads in review.content.decode() and f'href="{url}"' in review.content.decode()
    record = review_decide(case=case, by=users["reviewer"], action="approve")
    assert record is not None
    shown = client_as(users["auditor"]).get(reverse("record_detail", args=[record.pk]))
    assert loads in shown.content.decode() and f'href="{url}"' in shown.content.decode()
    assert client_as(users["auditor"]).get(url, HTTP_HX_REQUEST="true").status_code == 200


def _row_of(supplier: Supplier, **changes: str) -> dict[str, str]:
    """A catalogue row that keeps everything about `supplier` but `changes`."""
    keys = [s.key for s in supplier.segments.all()]
    keys.sort(key=lambda key: key != supplier.primary_segment.key)  # the primary one first
    kept = dict(
        company_number=supplier.company_number,
        name=supplier.name,
        segments=";".join(keys),
        sme="yes" if supplier.sme else "no",
        frameworks=";".join(f.key for f in supplier.frameworks.all()),
        capabilities=";".join(supplier.capabilities),
        classification=supplier.classification,
        clearance=supplier.clearance,
        accreditations=";".join(supplier.accreditations),
        regions=";".join(supplier.regions),
        website=supplier.website,
    )
    return catalogue_row(**{**kept, **changes})


def test_the_shortlist_is_computed_once_per_catalogue_version_and_changes_with_it(
    users: dict[str, User], catalogue: None, django_assert_max_num_queries: Any
) -> None:
    case = assessed_case(users["commercial"])
    first = shortlist_for(case)
    with django_assert_max_num_queries(6):  # the basis, then the kept rows' suppliers
        assert shortlist_for(case) == first
    top = first[0].supplier
    catalogue_import(
        by=users["admin"], raw=catalogue_bytes(_row_of(top, name="Aardvark Imported Ltd"))
    )
    assert shortlist_for(case)[0].supplier.name == "Aardvark Imported Ltd"
    supplier_save(
        by=users["reviewer"], values=_row_of(top, name="Aardvark Renamed Ltd"), supplier=top
    )
    assert shortlist_for(case)[0].supplier.name == "Aardvark Renamed Ltd"
    top.segments.clear()  # outside the services (the admin site, a shell)
    assert top not in [e.supplier for e in shortlist_for(case)]


def test_another_case_s_shortlist_is_scored_from_this_process_s_copy_of_the_catalogue(
    users: dict[str, User], catalogue: None, django_assert_max_num_queries: Any
) -> None:
    shortlist_for(assessed_case(users["commercial"]))  # reads the catalogue at this version
    other = assessed_case(users["commercial"], data_classification="secret")
    with django_assert_max_num_queries(6):  # the basis, then the rows' suppliers: no catalogue
        entries = shortlist_for(other)
    assert entries and all(e.supplier.classification == "secret" for e in entries)


def test_the_shortlist_fragment_makes_the_same_queries_with_five_times_the_catalogue(
    users: dict[str, User], catalogue: None, client_as: ClientAs, django_assert_num_queries: Any
) -> None:
    case = assessed_case(users["commercial"])
    client = client_as(users["commercial"])
    url = reverse("case_shortlist", args=[case.reference])
    page_queries(client, url)  # computed and kept
    expected = page_queries(client, url)
    catalogue_import(by=users["admin"], raw=demo_catalogue_csv(2000))
    page_queries(client, url)  # computed again for the new catalogue, and kept
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200


REDIS_DOWN = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:9/0",  # the discard port: nothing answers
    },
    "limits": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "down"},
}


def test_with_the_cache_down_the_shortlist_is_computed_and_the_catalogue_still_changes(
    users: dict[str, User], catalogue: None, settings: Any, client_as: ClientAs
) -> None:
    case = assessed_case(users["commercial"])
    expected = shortlist_for(case)
    settings.CACHES = REDIS_DOWN
    assert shortlist_for(case) == expected
    top = expected[0].supplier
    supplier_save(
        by=users["reviewer"], values=_row_of(top, name="Aardvark Renamed Ltd"), supplier=top
    )
    assert shortlist_for(case)[0].supplier.name == "Aardvark Renamed Ltd"
    page = client_as(users["commercial"]).get(reverse("case_shortlist", args=[case.reference]))
    assert page.status_code == 200 and "Aardvark Renamed Ltd" in page.content.decode()


@pytest.fixture
def silent_redis() -> Iterator[str]:
    """The URL of a Redis that accepts connections and never answers (hung, or behind a
    network that drops its replies)."""
    server = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                held.append(server.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    server.close()
    for conn in held:
        conn.close()


def test_a_request_tries_a_hung_cache_once_and_still_shows_the_shortlist(
    users: dict[str, User],
    catalogue: None,
    settings: Any,
    client_as: ClientAs,
    silent_redis: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    case = assessed_case(users["commercial"])
    expected = shortlist_for(case)[0].supplier.name
    settings.CACHES = {
        **REDIS_DOWN,
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": silent_redis,
            "OPTIONS": settings.REDIS_CACHE_OPTIONS,  # as configured: gives up after 0.5 s
        },
    }
    attempts: list[str] = []
    get_client = RedisCacheClient.get_client

    def counted(self: RedisCacheClient, key: Any = None, *, write: bool = False) -> Any:
        attempts.append("write" if write else "read")
        return get_client(self, key, write=write)

    monkeypatch.setattr(RedisCacheClient, "get_client", counted)
    client = client_as(users["commercial"])
    url = reverse("case_shortlist", args=[case.reference])
    for request in (1, 2):  # the version, the kept rows, keeping them: one attempt each time
        page = client.get(url)
        assert page.status_code == 200 and expected in page.content.decode()
        assert len(attempts) == request


def _fragment(client: Client, case: Case) -> str:
    url = reverse("case_shortlist", args=[case.reference])
    return client.get(url, HTTP_HX_REQUEST="true").content.decode()


def test_the_kept_shortlist_shows_a_renamed_supplier_and_a_segment_s_new_approach_at_once(
    users: dict[str, User], catalogue: None, client_as: ClientAs
) -> None:
    case = assessed_case(users["commercial"])
    client = client_as(users["commercial"])
    top = shortlist_for(case)[0]
    first = _fragment(client, case)
    assert _fragment(client, case) == first  # kept
    supplier_save(
        by=users["reviewer"],
        values=_row_of(top.supplier, name="Aardvark & Co Ltd"),
        supplier=top.supplier,
    )
    assert "Aardvark &amp; Co Ltd" in _fragment(client, case)  # escaped, as rendered before
    segment = top.segment
    segment.approach = "Ask three of them for a demonstration first."
    segment.save()  # outside the services (the admin site, a shell)
    assert "Ask three of them for a demonstration first." in _fragment(client, case)


def test_the_kept_shortlist_follows_the_decision_and_the_answers_of_the_case(
    users: dict[str, User], catalogue: None, client_as: ClientAs
) -> None:
    case = assessed_case(users["commercial"])
    client = client_as(users["commercial"])
    recommended = shortlist_basis(case).options[0][0]  # type: ignore[union-attr]
    assert f"Recommended: {OPTION_LABELS[recommended]}" in _fragment(client, case)
    case = case_submit(case=case, by=users["commercial"])
    decided = other_option(case)
    review_decide(
        case=case, by=users["reviewer"], action="approve", option=decided, rationale="Reasons."
    )
    assert f"Decided: {OPTION_LABELS[decided]}" in _fragment(client, case)
    assert "There is no shortlist yet" not in _fragment(client, case)
    other = assessed_case(users["commercial"])
    case_update(case=other, by=users["commercial"], answers={"criticality": "high"})
    other.refresh_from_db()  # its current answers are not assessed
    assert "There is no shortlist yet" in _fragment(client, other)


def test_a_kept_shortlist_reads_neither_the_catalogue_nor_the_whole_assessment(
    users: dict[str, User], catalogue: None, client_as: ClientAs
) -> None:
    case = assessed_case(users["commercial"])
    client = client_as(users["commercial"])
    _fragment(client, case)  # computed and kept
    with CaptureQueriesContext(connection) as kept:
        _fragment(client, case)
    read = " ".join(q["sql"] for q in kept.captured_queries)
    assert "suppliers_supplier" not in read and "suppliers_segment" not in read
    assert '"decisions_assessment"."result",' not in read
    assert '"decisions_assessment"."answers",' not in read


def test_a_release_that_changes_how_shortlists_are_scored_or_shown_computes_them_again(
    users: dict[str, User], catalogue: None, client_as: ClientAs, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = assessed_case(users["commercial"])
    client = client_as(users["commercial"])
    _fragment(client, case)  # computed and kept
    monkeypatch.setattr("suppliers.shortlist.scoring_version", lambda: "another-release")
    with CaptureQueriesContext(connection) as again:
        _fragment(client, case)
    assert any("suppliers_supplier" in q["sql"] for q in again.captured_queries)
