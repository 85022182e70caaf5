"""Reading responses in tests: a page's <main>, its error summary, the queries a page makes, an
API client."""

from __future__ import annotations

import json
import re
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sourcing.models import User
from sourcing.people.services import token_issue


def main_html(response: Any) -> str:
    """The page's <main>, without the header's sign-out form."""
    html = response.content.decode()
    return html[html.index('<main class="govuk-main-wrapper"') : html.index("</main>")]


def error_summary(response: Any) -> list[tuple[str, str]]:
    """The GOV.UK error summary's entries of a page, as (href, text) in order ([] without one)."""
    html = response.content.decode()
    start = html.find("govuk-error-summary__list")
    if start < 0:
        return []
    items = html[start : html.index("</ul>", start)]
    return [
        (href, text.strip())
        for href, text in re.findall(r'<li>\s*<a href="([^"]*)">([^<]*)</a>\s*</li>', items)
    ]


def page_queries(client: Client, url: str) -> int:
    """How many database queries a GET of the page makes (it must answer 200)."""
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


class Api:
    """A bearer-token client of /api/v1/ for one user."""

    def __init__(self, user: User) -> None:
        self.client = Client()
        self.auth = {"HTTP_AUTHORIZATION": f"Bearer {token_issue(user=user)}"}

    def get(self, path: str) -> Any:
        return self.client.get(f"/api/v1/{path}", **self.auth)

    def send(self, method: str, path: str, body: object = None, raw: bytes | None = None) -> Any:
        data = raw if raw is not None else json.dumps(body if body is not None else {})
        return self.client.generic(
            method, f"/api/v1/{path}", data, content_type="application/json", **self.auth
        )


def post_json(client: Client, url: str, body: object) -> Any:
    """POST a JSON body with a page client (a session, not a token): the API as a signed-in
    browser calls it."""
    return client.post(url, json.dumps(body), content_type="application/json")
