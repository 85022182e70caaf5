"""Emails: written with the action, sent after commit by a task, retried and shown when they fail,
never twice; people turn non-essential ones off."""

from __future__ import annotations

import subprocess
import time
import uuid
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_gov_notify.message import NotifyEmailMessage

from decisions.cases.services import case_submit
from decisions.presenter import date_text
from decisions.review.reminders import review_due_notify
from decisions.review.services import review_decide
from sourcing.celery import app as celery_app
from sourcing.errors import ValidationFailed
from sourcing.models import (
    Notification,
    NotificationKind,
    NotificationStatus,
    Role,
    User,
)
from sourcing.notifications import (
    _message,
    notification_dispatch_deferred,
    notification_dispatch_waiting,
    notification_send,
    notification_settings_save,
    notification_sweep,
    notify,
    retry_after,
)
from sourcing.people.services import token_issue
from sourcing.tasks import ping
from tests.factories import (
    approved_record,
    assessed_case,
    published_ruleset,
    ready_case,
    submitted_case,
)
from tests.workers import celery_worker, require_real_worker

ROOT = Path(__file__).resolve().parents[2]


class RefusingBackend:
    """An email backend whose server is down."""

    def __init__(self, **_: Any) -> None:
        pass

    def send_messages(self, messages: list[Any]) -> int:
        raise ConnectionRefusedError("the mail server refused the connection")


@pytest.fixture
def emailed(users: dict[str, User]) -> dict[str, User]:
    for role, user in users.items():
        user.email = f"{role}@example.gov.uk"
        user.save(update_fields=["email"])
    return users


def test_a_submitted_case_emails_every_reviewer_after_commit(
    emailed: dict[str, User], eager_tasks: None, django_capture_on_commit_callbacks: Any
) -> None:
    published_ruleset()
    case = ready_case(emailed["commercial"])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        case_submit(case=case, by=emailed["commercial"])
    assert mail.outbox == []  # nothing is sent before the transaction commits
    row = Notification.objects.get(kind=NotificationKind.CASE_SUBMITTED)
    assert row.status == NotificationStatus.PENDING and row.email == "reviewer@example.gov.uk"
    for callback in callbacks:
        callback()
    [email] = mail.outbox
    assert email.to == ["reviewer@example.gov.uk"]
    assert email.subject == f"{case.reference} submitted for review: {case.title}"
    assert f"http://127.0.0.1:8000/review/{case.reference}/" in email.body
    row.refresh_from_db()
    assert (row.status, row.attempts) == (NotificationStatus.SENT, 1)


def test_deferred_emails_are_written_and_sent_only_when_the_waiting_ones_are_dispatched(
    emailed: dict[str, User], eager_tasks: None, django_capture_on_commit_callbacks: Any
) -> None:
    published_ruleset()
    case = ready_case(emailed["commercial"])
    with notification_dispatch_deferred():
        with django_capture_on_commit_callbacks(execute=True):
            case_submit(case=case, by=emailed["commercial"])
    assert mail.outbox == []  # committed, but not queued
    row = Notification.objects.get(kind=NotificationKind.CASE_SUBMITTED)
    assert (row.status, row.attempts) == (NotificationStatus.PENDING, 0)
    with django_capture_on_commit_callbacks(execute=True):
        review_decide(case=case, by=emailed["reviewer"], action="approve")
    decided = set(Notification.objects.exclude(pk=row.pk).values_list("pk", flat=True))
    assert decided and len(mail.outbox) == len(decided)  # outside the block: sent at once
    assert notification_dispatch_waiting() == [row.pk]
    [*_, email] = mail.outbox
    assert email.to == ["reviewer@example.gov.uk"]
    row.refresh_from_db()
    assert (row.status, row.attempts) == (NotificationStatus.SENT, 1)
    assert notification_dispatch_waiting() == []  # sent once


def test_a_rolled_back_action_sends_nothing(
    emailed: dict[str, User], eager_tasks: None, django_capture_on_commit_callbacks: Any
) -> None:
    published_ruleset()
    case = ready_case(emailed["commercial"])
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                case_submit(case=case, by=emailed["commercial"])
                raise RuntimeError("something after it failed")
        except RuntimeError:
            pass
    assert mail.outbox == [] and not Notification.objects.exists()


def test_returned_approved_and_rejected_cases_email_the_owner(
    emailed: dict[str, User], eager_tasks: None, django_capture_on_commit_callbacks: Any
) -> None:
    owner, reviewer = emailed["commercial"], emailed["reviewer"]
    case = submitted_case(owner)
    with django_capture_on_commit_callbacks(execute=True):
        review_decide(case=case, by=reviewer, action="return", rationale="Cost the exit <plan>.")
    returned = mail.outbox[-1]
    assert returned.to == ["commercial@example.gov.uk"]
    assert "returned with comments" in returned.subject
    assert "Cost the exit <plan>." in returned.body  # plain text: nothing escaped
    assert f"/cases/{case.reference}/" in returned.body
    case_submit(case=case, by=owner)
    with django_capture_on_commit_callbacks(execute=True):
        record = review_decide(case=case, by=reviewer, action="approve")
    assert record is not None
    approved = mail.outbox[-1]
    assert approved.subject == f"{case.reference} approved: {case.title}"
    assert f"/records/{record.pk}/" in approved.body and "Approved: " in approved.body
    other = submitted_case(owner, title="Payroll")
    with django_capture_on_commit_callbacks(execute=True):
        review_decide(case=other, by=reviewer, action="reject", rationale="No need shown.")
    rejected = mail.outbox[-1]
    assert rejected.subject == f"{other.reference} rejected: Payroll"
    assert "No need shown." in rejected.body


def test_people_turn_non_essential_emails_off_but_never_essential_ones(
    emailed: dict[str, User], eager_tasks: None, django_capture_on_commit_callbacks: Any
) -> None:
    reviewer, owner = emailed["reviewer"], emailed["commercial"]
    notification_settings_save(user=reviewer, off=[NotificationKind.CASE_SUBMITTED])
    with django_capture_on_commit_callbacks(execute=True):
        case = submitted_case(owner)
    assert mail.outbox == [] and not Notification.objects.exists()
    with pytest.raises(ValidationFailed, match="case_returned"):
        notification_settings_save(user=owner, off=[NotificationKind.CASE_RETURNED])
    notification_settings_save(user=reviewer, off=[])
    with django_capture_on_commit_callbacks(execute=True):
        review_decide(case=case, by=reviewer, action="return", rationale="Why?")
    assert [m.to for m in mail.outbox] == [["commercial@example.gov.uk"]]


def test_people_without_an_address_or_with_a_closed_account_are_skipped(
    users: dict[str, User], make_user: Any
) -> None:
    closed = make_user("closed-reviewer", Role.REVIEWER)
    User.objects.filter(pk=closed.pk).update(email="closed@example.gov.uk", is_active=False)
    closed.refresh_from_db()
    rows = notify(NotificationKind.CASE_SUBMITTED, to=[users["reviewer"], closed])
    assert rows == []


def test_a_keyed_email_is_written_once_whatever_the_calls(users: dict[str, User]) -> None:
    first = notify(NotificationKind.INVITATION, to=["new.person@example.gov.uk"], key="inv:1",
                   context={"invited_by": "Fiona", "department": "DPS"})  # fmt: skip
    again = notify(NotificationKind.INVITATION, to=["NEW.person@example.gov.uk"], key="inv:1",
                   context={"invited_by": "Fiona", "department": "DPS"})  # fmt: skip
    assert len(first) == 1 and again == []
    assert Notification.objects.count() == 1


def test_a_failed_send_is_recorded_retried_after_a_back_off_and_failed_for_good(
    emailed: dict[str, User], settings: Any, eager_tasks: None
) -> None:
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.RefusingBackend"}}
    settings.NOTIFY_MAX_ATTEMPTS = 2
    [row] = notify(NotificationKind.CASE_SUBMITTED, to=[emailed["reviewer"]])
    assert notification_send(notification_id=row.pk) == "retry"
    row.refresh_from_db()
    assert row.status == NotificationStatus.PENDING and row.attempts == 1
    assert row.last_error == "ConnectionRefusedError: the mail server refused the connection"
    # The sweep waits for the back-off after the last dispatch, then queues (here: runs) it.
    assert notification_sweep(now=row.dispatched_at + timedelta(seconds=5)) == []
    later = row.dispatched_at + retry_after(1) + timedelta(seconds=1)
    assert notification_sweep(now=later) == [row.pk]
    row.refresh_from_db()
    assert row.status == NotificationStatus.FAILED and row.attempts == 2
    assert notification_sweep(now=later + timedelta(days=1)) == []  # failed for good: left alone
    assert notification_send(notification_id=row.pk) == "done"
    assert retry_after(1) < retry_after(3) <= retry_after(30) == timedelta(hours=1)


def test_failed_emails_are_shown_to_administrators_who_send_them_again(
    emailed: dict[str, User], client_as: Any, eager_tasks: None,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    [row] = notify(NotificationKind.CASE_SUBMITTED, to=[emailed["reviewer"]])
    Notification.objects.filter(pk=row.pk).update(
        status=NotificationStatus.FAILED, attempts=5, last_error="HTTPError: 403 BadRequest"
    )
    admin = client_as(emailed["admin"])
    page = admin.get("/admin/sourcing/notification/?status=failed")
    assert page.status_code == 200 and "reviewer@example.gov.uk" in page.content.decode()
    detail = admin.get(f"/admin/sourcing/notification/{row.pk}/change/").content.decode()
    assert "HTTPError: 403 BadRequest" in detail
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(
            "/admin/sourcing/notification/",
            {"action": "send_again", "_selected_action": [row.pk]},
        )
    row.refresh_from_db()
    assert (row.status, row.attempts) == (NotificationStatus.SENT, 1)
    assert [m.to for m in mail.outbox] == [["reviewer@example.gov.uk"]]
    assert client_as(emailed["reviewer"]).get("/admin/sourcing/notification/").status_code == 403


def test_with_gov_uk_notify_a_kind_with_its_own_template_is_personalised(
    emailed: dict[str, User], settings: Any
) -> None:
    settings.MAILERS = {"default": {"BACKEND": "django_gov_notify.backends.NotifyEmailBackend"}}
    settings.GOVUK_NOTIFY_PLAIN_EMAIL_TEMPLATE_ID = str(uuid.uuid4())
    template = str(uuid.uuid4())
    settings.GOVUK_NOTIFY_TEMPLATE_IDS = {
        **settings.GOVUK_NOTIFY_TEMPLATE_IDS,
        "case_returned": template,
    }
    case = assessed_case(emailed["commercial"])
    [returned] = notify(NotificationKind.CASE_RETURNED, to=[emailed["commercial"]], case=case,
                        link="/cases/x/", context={"comments": "Fix it."})  # fmt: skip
    message = _message(returned)
    assert isinstance(message, NotifyEmailMessage)
    sent = message.message()
    assert sent["template_id"] == template
    assert sent["personalisation"]["reference"] == case.reference
    assert sent["personalisation"]["link"] == "http://127.0.0.1:8000/cases/x/"
    # A kind without a template of its own goes through the plain ((subject)) ((body)) one.
    [submitted] = notify(NotificationKind.CASE_SUBMITTED, to=[emailed["reviewer"]], case=case)
    plain = _message(submitted)
    assert not isinstance(plain, NotifyEmailMessage)
    # django-gov-notify's backend casts it to the plain template (its own API, no network).
    from django_gov_notify.utils import cast_to_notify_email_message  # noqa: PLC0415

    cast = cast_to_notify_email_message(plain, False).message()
    assert cast["template_id"] == settings.GOVUK_NOTIFY_PLAIN_EMAIL_TEMPLATE_ID
    assert cast["personalisation"]["subject"] == submitted.subject


def test_a_notify_api_key_it_cannot_use_is_a_failed_attempt_with_its_error(
    emailed: dict[str, User], settings: Any
) -> None:
    settings.MAILERS = {"default": {"BACKEND": "django_gov_notify.backends.NotifyEmailBackend"}}
    settings.GOVUK_NOTIFY_API_KEY = "not-a-key"
    settings.GOVUK_NOTIFY_PLAIN_EMAIL_TEMPLATE_ID = str(uuid.uuid4())
    [row] = notify(NotificationKind.CASE_SUBMITTED, to=[emailed["reviewer"]])
    assert notification_send(notification_id=row.pk) == "retry"
    row.refresh_from_db()
    assert row.attempts == 1 and row.last_error and row.status == NotificationStatus.PENDING


# --- A real worker through Redis, on PostgreSQL ---------------------------------------------


def _worker(queue: str, outbox: Path) -> subprocess.Popen[str]:
    return celery_worker(
        queue,
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(outbox),
    )


@pytest.mark.services
def test_a_real_worker_sends_the_email_once_after_commit(
    settings: Any, users: dict[str, User], transactional_db: None, tmp_path: Path
) -> None:
    require_real_worker()
    for role, user in users.items():
        User.objects.filter(pk=user.pk).update(email=f"{role}@example.gov.uk")
    owner = User.objects.get(pk=users["commercial"].pk)
    queue = f"test-notify-{uuid.uuid4().hex[:12]}"
    saved_queue = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue
    outbox = tmp_path / "emails"
    worker = _worker(queue, outbox)
    try:
        assert ping.apply_async(args=["ready"], queue=queue).get(timeout=90) == "pong:ready"
        case = submitted_case(owner)  # committed: on_commit queues the send to the worker
        row = Notification.objects.get(kind=NotificationKind.CASE_SUBMITTED)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            row.refresh_from_db()
            if row.status != NotificationStatus.PENDING:
                break
            time.sleep(0.05)
        assert row.status == NotificationStatus.SENT, row.last_error
        [written] = list(outbox.glob("*.log"))
        text = written.read_text()
        assert "To: reviewer@example.gov.uk" in text and case.reference in text
        # A second delivery of the same task (a redelivery) sends nothing more.
        send = celery_app.tasks["sourcing.notification_send"]
        assert send.apply_async(args=[row.pk], queue=queue).get(timeout=60) == "done"
        assert written.read_text().count("To: reviewer@example.gov.uk") == 1
        assert Notification.objects.get(pk=row.pk).attempts == 1
    finally:
        celery_app.conf.task_default_queue = saved_queue
        worker.kill()
        worker.wait(timeout=20)
    assert timezone.now() - row.created_at < timedelta(minutes=5)


def test_owners_are_reminded_once_of_a_decision_due_for_review_within_30_days(
    emailed: dict[str, User], eager_tasks: None, django_capture_on_commit_callbacks: Any
) -> None:
    owner, reviewer = emailed["commercial"], emailed["reviewer"]
    today = timezone.localdate()
    soon = approved_record(owner, reviewer, review_by=today + timedelta(days=20))
    approved_record(owner, reviewer, review_by=today + timedelta(days=200))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert review_due_notify(today=today) == [soon.pk]
    [email] = mail.outbox
    assert email.to == ["commercial@example.gov.uk"]
    assert email.subject.startswith(f"Review due by {date_text(soon.review_by)}: ")
    assert f"/records/{soon.pk}/" in email.body
    # Run again (the beat hourly, the command, a second worker): nothing more, ever.
    with django_capture_on_commit_callbacks(execute=True):
        assert review_due_notify(today=today) == []
        call_command("notify_review_due", stdout=StringIO())
        assert review_due_notify(today=today + timedelta(days=25)) == []
    assert len(mail.outbox) == 1
    # The later decision comes within 30 days in time: reminded then.
    with django_capture_on_commit_callbacks(execute=True):
        assert len(review_due_notify(today=today + timedelta(days=180))) == 1
    assert len(mail.outbox) == 2


def test_a_reminder_turned_off_is_not_sent(
    emailed: dict[str, User], eager_tasks: None, django_capture_on_commit_callbacks: Any
) -> None:
    owner = emailed["commercial"]
    approved_record(owner, emailed["reviewer"], review_by=timezone.localdate() + timedelta(days=5))
    notification_settings_save(user=owner, off=[NotificationKind.REVIEW_DUE])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert review_due_notify(today=timezone.localdate()) == []
    assert mail.outbox == []


def test_your_notification_settings_page_turns_optional_emails_off_and_on(
    emailed: dict[str, User], client_as: Any
) -> None:
    reviewer = client_as(emailed["reviewer"])
    page = reviewer.get("/account/notifications/").content.decode()
    assert "Your notification settings" in page and "reviewer@example.gov.uk" in page
    assert 'value="case_submitted" checked' in page
    # Nothing ticked: the optional email is off; a kind that is not theirs to choose is ignored.
    saved = reviewer.post("/account/notifications/", {"send": ["case_returned"]})
    assert saved.status_code == 302 and saved["Location"] == "/account/notifications/"
    page = reviewer.get("/account/notifications/").content.decode()
    assert 'value="case_submitted">' in page and "Your notification settings are saved" in page
    assert notify(NotificationKind.CASE_SUBMITTED, to=[emailed["reviewer"]]) == []
    reviewer.post("/account/notifications/", {"send": ["case_submitted"]})
    assert len(notify(NotificationKind.CASE_SUBMITTED, to=[emailed["reviewer"]])) == 1
    owner_page = client_as(emailed["commercial"]).get("/account/notifications/").content.decode()
    assert "A case is approved" in owner_page and "A case is returned" not in owner_page
    auditor_page = client_as(emailed["auditor"]).get("/account/notifications/").content.decode()
    assert "There are no other emails for your role." in auditor_page
    assert (
        'href="/account/notifications/"' in client_as(emailed["auditor"]).get("/").content.decode()
    )


def test_the_api_reads_and_sets_your_notification_settings(
    emailed: dict[str, User], client: Any
) -> None:
    token = token_issue(user=emailed["commercial"])
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    read = client.get("/api/v1/me/notifications", **auth).json()
    assert read["email"] == "commercial@example.gov.uk"
    assert {k["kind"]: k["on"] for k in read["optional"]}["case_approved"] is True
    assert "case_returned" in read["always"]
    saved = client.put("/api/v1/me/notifications", {"off": ["case_approved"]},
                       content_type="application/json", **auth)  # fmt: skip
    assert saved.status_code == 200
    assert {k["kind"]: k["on"] for k in saved.json()["optional"]}["case_approved"] is False
    refused = client.put("/api/v1/me/notifications", {"off": ["case_returned"]},
                         content_type="application/json", **auth)  # fmt: skip
    assert refused.status_code == 422 and "off" in refused.content.decode()
    assert "case_returned" in refused.content.decode()
