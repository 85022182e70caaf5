"""The auditor's browser of the audit chain's events: filter by type, actor, department and
date, newest first, paginated; each event on its own page with its payload, its hash and the
hash it links to. Reads only (the chain's own verification is decisions.integrity.verification).
"""

from __future__ import annotations

import json
import sys
import unicodedata
from datetime import date, datetime, time, timedelta
from typing import Any, Final

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.views.decorators.http import require_safe

from decisions import presenter
from decisions.audit.models import AuditEvent
from decisions.audit.services import event_content
from decisions.integrity.selectors import audit_event_at
from sourcing.access import or_404
from sourcing.dates import DateInputsMixin, DateSpec
from sourcing.forms import department_choices, error_links, set_choices
from sourcing.kept_html import kept_render
from sourcing.pagination import paginate

PAGE_SIZE = 50


class EventFilterForm(DateInputsMixin):
    """The event browser's filters (a GET form): all optional."""

    DATES = {"from": DateSpec("from"), "to": DateSpec("to")}

    action = forms.ChoiceField(required=False)
    actor = forms.CharField(
        required=False,
        max_length=150,
        error_messages={"max_length": "Username must be 150 characters or fewer"},
    )
    department = forms.ChoiceField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "%s")
        super().__init__(*args, **kwargs)
        set_choices(self, "action", [("", "Any type"), *((a, a) for a in event_types())])
        set_choices(self, "department", department_choices())

    def clean_actor(self) -> str:
        return unicodedata.normalize("NFKC", self.cleaned_data["actor"]).strip()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = self.dates.get("from"), self.dates.get("to")
        if start and end and end < start:
            self.date_error("to", "To must be the same as or after from")
        return cleaned


def event_types() -> list[str]:
    """Every event type on the chain, in alphabetical order (one query)."""
    return list(AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct())


def events_matching(
    *,
    action: str = "",
    actor: str = "",
    department: str = "",
    start: Any = None,
    end: Any = None,
) -> QuerySet[AuditEvent]:
    """Events newest first, kept to those of the type, actor (username, any case), department
    (code) and days (from and to, inclusive, in the service's time zone) given."""
    events = AuditEvent.objects.order_by("-seq")
    if action:
        events = events.filter(action=action)
    if actor:
        events = events.filter(actor__iexact=actor)
    if department:
        events = events.filter(department=department)
    zone = timezone.get_current_timezone()
    if start:
        events = events.filter(occurred_at__gte=datetime.combine(start, time.min, zone))
    if end and end < date.max:  # nothing is after the last day there is
        after = datetime.combine(end + timedelta(days=1), time.min, zone)
        events = events.filter(occurred_at__lt=after)
    return events


def event_data(event: AuditEvent) -> dict[str, Any]:
    """An event as the API gives it: every column, its hash and the hash it links to."""
    return {
        **event_content(event),
        "sha256": event.sha256,
        "url": reverse("audit_event", args=[event.seq]),
    }


def _object_href(event: AuditEvent) -> str:
    """A page of the event's object an auditor may open (a decision record), or ""."""
    if event.object_type == "decision_record" and event.object_id.isdigit():
        return reverse("record_detail", args=[int(event.object_id)])
    return ""


# The columns the event list shows (and _object_href reads).
ROW_COLUMNS = (
    "seq",
    "occurred_at",
    "action",
    "actor",
    "department",
    "object_type",
    "object_id",
    "sha256",
)


def _row(event: AuditEvent) -> dict[str, Any]:
    """One row of the event list, its texts and links made here rather than in the template
    (50 rows a page)."""
    return {
        "seq": event.seq,
        "href": reverse("audit_event", args=[event.seq]),
        "when": presenter.moment_text(event.occurred_at),
        "action": event.action,
        "object_href": _object_href(event),
        "actor": event.actor,
        "department": event.department,
        "hash": event.sha256[:16],
    }


ROWS_TEMPLATE: Final = "decisions/audit_events_rows.html"


def rows_html(events: list[AuditEvent]) -> SafeString:
    """The event list's table rows (decisions/audit_events_rows.html) of these events, kept
    (sourcing.kept_html.kept_render) under a hash of every value they are made from: each
    event's ROW_COLUMNS as read, the service's time zone, the addresses the links are made on
    (URL prefix and routes) and the code that makes them (the template, this module's _row
    and the presenter). Any appended or different event gives another key."""
    values = [tuple(getattr(event, column) for column in ROW_COLUMNS) for event in events]
    # The addresses the links are made on (the URL prefix and the routes), by an example each.
    links = (reverse("audit_event", args=[0]), reverse("record_detail", args=[0]))
    return kept_render(
        "audit-events-rows",
        ROWS_TEMPLATE,
        (values, settings.TIME_ZONE, links),
        lambda: {"rows": [_row(e) for e in events]},
        modules=(presenter, sys.modules[__name__]),
    )


@require_safe
def audit_events(request: HttpRequest) -> HttpResponse:
    """The events of the audit chain, filtered and paginated, newest first."""
    form = EventFilterForm(request.GET or None)
    events = AuditEvent.objects.none()
    params: dict[str, str] = {}
    if not form.is_bound:
        events = events_matching()
    elif form.is_valid():
        data = form.cleaned_data
        events = events_matching(
            action=data["action"],
            actor=data["actor"],
            department=data["department"],
            start=form.dates.get("from"),
            end=form.dates.get("to"),
        )
        params = {k: str(v) for k, v in request.GET.items() if k != "page" and k in form.fields}
        params = {k: v for k, v in params.items() if v.strip()}
    shown = events.only(*ROW_COLUMNS)  # not the payload nor the hash it links to
    paged = paginate(request, shown, params, PAGE_SIZE)
    context = {
        **paged,
        "form": form,
        "rows_html": rows_html(list(paged["page"].object_list)),
        "errors": error_links(form) if form.is_bound else [],
        "filtered": bool(params),
        "from_date": form.date_input("from"),
        "to_date": form.date_input("to"),
    }
    return render(request, "decisions/audit_events.html", context)


@require_safe
def audit_event(request: HttpRequest, seq: int) -> HttpResponse:
    """One event: every column, its payload, its hash and the previous event's."""
    event = or_404(audit_event_at(seq))
    previous = AuditEvent.objects.filter(seq__lt=seq).order_by("-seq").values("seq").first()
    following = AuditEvent.objects.filter(seq__gt=seq).order_by("seq").values("seq").first()
    context = {
        "event": event,
        "object_href": _object_href(event),
        "previous_seq": previous["seq"] if previous else None,
        "next_seq": following["seq"] if following else None,
        "payload_json": json.dumps(event.payload, indent=2, ensure_ascii=False, sort_keys=True),
    }
    return render(request, "decisions/audit_event.html", context)
