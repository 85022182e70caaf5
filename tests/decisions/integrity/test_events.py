"""The auditor's event browser: filter by type, actor, department and date; pages; each
event's page with its hash, the previous hash and its payload; the API alike."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from decisions.audit.models import AuditEvent
from decisions.cases.services import case_create
from decisions.integrity.events import ROW_COLUMNS, rows_html
from decisions.presenter import moment_text
from sourcing.models import User
from tests.factories import approved_record
from tests.pages import Api, error_summary

ClientAs = Callable[[User | None], Client]


def test_auditors_filter_the_events_by_type_actor_department_and_date(
    users: dict[str, User], client_as: ClientAs
) -> None:
    record = approved_record(users["commercial"], users["reviewer"])
    case_create(by=users["outsider"], title="Other department")
    auditor = client_as(users["auditor"])
    url = reverse("audit_events")

    def seqs(**params: str) -> set[int]:
        html = auditor.get(url, params).content.decode()
        return {e.seq for e in AuditEvent.objects.all() if f'href="/audit/events/{e.seq}/"' in html}

    issued = AuditEvent.objects.get(action="record.issued")
    assert seqs(action="record.issued") == {issued.seq}
    by_outsider = set(
        AuditEvent.objects.filter(actor=users["outsider"].username).values_list("seq", flat=True)
    )
    assert by_outsider and seqs(actor=users["outsider"].username.upper()) == by_outsider
    assert seqs(department="dept-b") == set(
        AuditEvent.objects.filter(department="dept-b").values_list("seq", flat=True)
    )
    today = timezone.localdate()
    day = {"from_day": str(today.day), "from_month": str(today.month), "from_year": str(today.year)}
    assert issued.seq in seqs(action="record.issued", **day)
    html = auditor.get(url, {"action": "record.issued"}).content.decode()
    assert f'href="/records/{record.pk}/"' in html and issued.sha256[:16] in html


def test_a_bad_date_is_named_in_the_error_summary(
    users: dict[str, User], client_as: ClientAs
) -> None:
    response = client_as(users["auditor"]).get(
        reverse("audit_events"), {"from_day": "31", "from_month": "2", "from_year": "2026"}
    )
    assert response.status_code == 200
    assert error_summary(response)[0][0] == "#from-day"


def test_the_last_day_a_date_can_be_is_an_end_with_nothing_after_it(
    users: dict[str, User], client_as: ClientAs
) -> None:
    # 31 December 9999 has no next day to start: it was an OverflowError (500).
    record = approved_record(users["commercial"], users["reviewer"])
    last = {"to_day": "31", "to_month": "12", "to_year": "9999"}
    response = client_as(users["auditor"]).get(reverse("audit_events"), last)
    assert (
        response.status_code == 200 and f'href="/records/{record.pk}/"' in response.content.decode()
    )


def test_each_event_has_a_page_with_its_hashes_and_payload(
    users: dict[str, User], client_as: ClientAs
) -> None:
    case_create(by=users["commercial"], title="Pay <b>grants</b>")
    event = AuditEvent.objects.filter(action="case.created").last()
    assert event is not None
    html = client_as(users["auditor"]).get(reverse("audit_event", args=[event.seq])).content
    text = html.decode()
    assert event.sha256 in text and event.prev_sha256 in text
    assert "<b>grants</b>" not in text  # payloads are text, never markup
    assert client_as(users["auditor"]).get(reverse("audit_event", args=[10**9])).status_code == 404
    assert (
        client_as(users["commercial"]).get(reverse("audit_event", args=[event.seq])).status_code
        == 403
    )


def test_the_events_come_in_pages_of_fifty(users: dict[str, User], client_as: ClientAs) -> None:
    for n in range(60):
        case_create(by=users["commercial"], title=f"Case {n}")
    html = client_as(users["auditor"]).get(reverse("audit_events")).content.decode()
    assert "govuk-pagination" in html and "?page=2" in html


def test_the_api_lists_and_filters_events_and_gives_one(users: dict[str, User]) -> None:
    case_create(by=users["commercial"], title="Listed")
    api = Api(users["auditor"])
    listed = api.get("audit/events?action=case.created&limit=5").json()
    assert listed["count"] >= 1 and all(i["action"] == "case.created" for i in listed["items"])
    first = listed["items"][0]
    assert set(first) >= {"seq", "sha256", "prev_sha256", "payload", "url"}
    one = api.get(f"audit/events/{first['seq']}").json()
    assert one["sha256"] == first["sha256"]
    assert api.get("audit/events?from=2026-02-31").status_code == 422
    assert Api(users["commercial"]).get("audit/events").status_code == 403


def test_the_kept_event_rows_show_an_appended_event_and_any_changed_value(
    users: dict[str, User], client_as: ClientAs
) -> None:
    case_create(by=users["commercial"], title="First")
    auditor = client_as(users["auditor"])
    before = auditor.get(reverse("audit_events")).content.decode()
    case_create(by=users["commercial"], title="Second")
    newest = AuditEvent.objects.order_by("-seq").first()
    assert newest is not None and f'href="/audit/events/{newest.seq}/"' not in before
    after = auditor.get(reverse("audit_events")).content.decode()
    assert f'href="/audit/events/{newest.seq}/"' in after  # a new page of rows, not the kept one
    # Each column the rows show is in the key: the same events with one value changed (in
    # memory: the chain is append-only) render that value, not the rows kept before.
    shown = list(AuditEvent.objects.order_by("-seq").only(*ROW_COLUMNS)[:5])
    rows_html(shown)
    for column, value in [
        ("actor", "someone-else"),
        ("action", "case.renamed"),
        ("department", "dept-z"),
        ("sha256", "f" * 64),
        ("occurred_at", timezone.now() - timedelta(days=400)),
    ]:
        changed = copy.copy(shown[0])
        setattr(changed, column, value)
        html = rows_html([changed, *shown[1:]])
        expected = value[:16] if column == "sha256" else value
        if column == "occurred_at":
            expected = moment_text(value)
        assert str(expected) in html, column
