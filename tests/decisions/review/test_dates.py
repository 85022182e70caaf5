"""Review dates other features give: providers registered once, merged by case, soonest first."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from decisions.review import dates
from suppliers.contracts import contract_review_dates_by_case


@pytest.fixture
def providers() -> Iterator[None]:
    saved = list(dates._PROVIDERS)
    yield
    dates._PROVIDERS[:] = saved


def test_suppliers_registers_its_contract_dates_when_django_starts() -> None:
    assert contract_review_dates_by_case in dates._PROVIDERS


def test_providers_are_registered_once_and_merged_by_case(providers: None) -> None:
    def first(today: date) -> dict[int, list[date]]:
        return {1: [date(2031, 1, 1)], 2: [date(2030, 6, 1)]}

    def second(today: date) -> dict[int, list[date]]:
        return {1: [date(2030, 1, 1)]}

    dates._PROVIDERS[:] = []
    dates.review_dates_provider_register(first)
    dates.review_dates_provider_register(first)
    dates.review_dates_provider_register(second)
    assert dates._PROVIDERS == [first, second]
    assert dates.review_dates(today=date(2029, 1, 1)) == {
        1: [date(2030, 1, 1), date(2031, 1, 1)],
        2: [date(2030, 6, 1)],
    }
