"""The contract form: dates and money as people type them, only the wrong date part
highlighted and linked, and every error reported in one round."""

from __future__ import annotations

import html as html_text
import re
from collections.abc import Callable

import pytest
from django.test import Client

from sourcing.models import Case, User
from suppliers.models import Contract, Supplier
from tests.factories import approved_case
from tests.suppliers.test_contracts import supplier  # noqa: F401 (a fixture)

ClientAs = Callable[[User | None], Client]
GOOD = {
    "supplier": "01234567",
    "value_gbp": "250000",
    "start_day": "1",
    "start_month": "4",
    "start_year": "2026",
    "end_day": "31",
    "end_month": "3",
    "end_year": "2029",
    "extends_incumbent": "no",
}


@pytest.fixture
def case(users: dict[str, User], supplier: Supplier) -> Case:  # noqa: F811
    return approved_case(users["commercial"], users["reviewer"])


def post(client: Client, case: Case, **changes: str):  # type: ignore[no-untyped-def]
    return client.post(f"/cases/{case.reference}/contracts/", {**GOOD, **changes})


def summary_links(html: str) -> list[tuple[str, str]]:
    summary = html.split('class="govuk-error-summary"', 1)[1].split("</ul>", 1)[0]
    links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', summary)
    return [(href, html_text.unescape(text)) for href, text in links]


def highlighted(html: str) -> list[str]:
    return re.findall(r'govuk-input--error" id="([a-z_-]+)"', html)


@pytest.mark.parametrize("month", ["Apr", "april", "APRIL", "04"])
def test_a_start_month_typed_as_apr_is_accepted(
    users: dict[str, User], client_as: ClientAs, case: Case, month: str
) -> None:
    response = post(client_as(users["commercial"]), case, start_month=month)
    assert response.status_code == 302
    assert Contract.objects.get().start_date.month == 4


def test_only_the_missing_month_is_highlighted_and_linked_from_the_summary(
    users: dict[str, User], client_as: ClientAs, case: Case
) -> None:
    html = post(client_as(users["commercial"]), case, start_month="").content.decode()
    assert summary_links(html) == [("#start-month", "The start date must include a month")]
    assert highlighted(html) == ["start-month"]
    assert 'id="start-error"' in html and not Contract.objects.exists()


def test_a_day_that_cannot_be_right_highlights_only_the_day(
    users: dict[str, User], client_as: ClientAs, case: Case
) -> None:
    html = post(client_as(users["commercial"]), case, end_day="32").content.decode()
    assert summary_links(html) == [("#end-day", "The end date must be a real date")]
    assert highlighted(html) == ["end-day"]


def test_a_missing_date_asks_for_it_as_a_whole(
    users: dict[str, User], client_as: ClientAs, case: Case
) -> None:
    html = post(
        client_as(users["commercial"]), case, start_day="", start_month="", start_year=""
    ).content.decode()
    assert summary_links(html) == [("#start-day", "Enter the start date")]
    assert highlighted(html) == ["start-day", "start-month", "start-year"]


@pytest.mark.parametrize("value", ["250 000", "250\u00a0000", "250,000.00", "£250,000", "£ 250000"])
def test_the_contract_value_as_people_type_it(
    users: dict[str, User], client_as: ClientAs, case: Case, value: str
) -> None:
    assert post(client_as(users["commercial"]), case, value_gbp=value).status_code == 302
    assert Contract.objects.get().value_gbp == 250_000


def test_pence_are_refused_with_the_govuk_wording(
    users: dict[str, User], client_as: ClientAs, case: Case
) -> None:
    html = post(client_as(users["commercial"]), case, value_gbp="250,000.50").content.decode()
    assert summary_links(html) == [
        ("#id_value_gbp", "The contract value must be in whole pounds, like 250,000")
    ]


def test_every_error_of_the_contract_form_is_reported_in_one_round(
    users: dict[str, User], client_as: ClientAs, case: Case
) -> None:
    html = post(
        client_as(users["commercial"]),
        case,
        supplier="07654321",  # well formed, but not in the catalogue
        value_gbp="lots",
        end_year="2025",  # before the start
        extends_incumbent="",
        break_points="1 April 2030",
    ).content.decode()
    assert [text for _, text in summary_links(html)] == [
        "Enter the company number of a supplier in the catalogue",
        "The contract value must be a number, like 250,000",
        "The end date must be after the start date",
        "Select yes if the contract extends an incumbent supplier's work",
    ]
    assert not Contract.objects.exists()


def test_a_break_point_outside_the_contract_is_reported_with_a_bad_supplier(
    users: dict[str, User], client_as: ClientAs, case: Case
) -> None:
    html = post(
        client_as(users["commercial"]), case, supplier="XY123456", break_points="1 April 2030"
    ).content.decode()
    texts = [text for _, text in summary_links(html)]
    assert texts[0].startswith("XY is not a Companies House prefix")
    assert any(t.startswith("Break points must fall between the start and the end") for t in texts)


def test_break_points_in_any_common_form(
    users: dict[str, User], client_as: ClientAs, case: Case
) -> None:
    response = post(
        client_as(users["commercial"]),
        case,
        break_points="1 April 2027\n01/04/2028\n2028-10-01",
        supplier="１２３４５６７",  # noqa: RUF001 (full-width, and missing its leading zero)
    )
    assert response.status_code == 302
    assert Contract.objects.get().break_points == ["2027-04-01", "2028-04-01", "2028-10-01"]
