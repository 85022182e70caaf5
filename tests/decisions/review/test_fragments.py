"""The dashboard's charts and tables, kept by their figures (decisions.review.fragments): the
part kept is the part rendered from the current figures, and a new decision shows at once."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.template.loader import render_to_string
from django.urls import reverse

from decisions.review.dashboard import Period, dashboard, panels
from decisions.review.fragments import TEMPLATE, cache_key
from sourcing.models import User
from tests.factories import approved_record


def test_the_kept_charts_are_those_of_the_current_figures_and_a_new_decision_shows(
    users: dict[str, User], client_as: Any
) -> None:
    owner, reviewer = users["commercial"], users["reviewer"]
    approved_record(owner, reviewer)
    client = client_as(reviewer)
    page = client.get(reverse("coe_dashboard")).content.decode()
    before = panels(dashboard(Period()))
    kept = cache.get(cache_key(before, ""))
    assert kept is not None and kept in page
    assert kept == render_to_string(TEMPLATE, {"panels": before, "query": ""})
    assert "1 decisions in 1 quarters" in page

    approved_record(owner, reviewer)
    page = client.get(reverse("coe_dashboard")).content.decode()
    after = panels(dashboard(Period()))
    assert cache_key(after, "") != cache_key(before, "")
    assert "2 decisions in 1 quarters" in page and "1 decisions in 1 quarters" not in page


def test_the_charts_csv_links_carry_the_filters_they_were_kept_with(
    users: dict[str, User], client_as: Any
) -> None:
    approved_record(users["commercial"], users["reviewer"])
    client = client_as(users["reviewer"])
    client.get(reverse("coe_dashboard"))
    page = client.get(reverse("coe_dashboard") + "?department=dept-a").content.decode()
    csv = reverse("coe_dashboard_csv", args=["quarters"])
    assert f'href="{csv}?department=dept-a"' in page
