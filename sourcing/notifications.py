"""Emails: who is told what, written to an outbox in the caller's transaction and sent after
commit by a task (never in the request), retried a capped number of times.

Every email goes through `notify`: call it inside the service's transaction that does the thing
the email tells (a case submitted, returned, decided; a sign-off requested or given). It writes
one `Notification` row per recipient and, once the transaction commits, queues
`sourcing.notification_send` for each (a rolled-back action sends nothing). The task sends
through Django's email framework: GOV.UK Notify in production (django-gov-notify's
NotifyEmailBackend, with a kind's own template id when one is configured), the console in the
embedded default. A failed send is counted on its row with its error; the sweep (the beat every
PDF_SWEEP_SECONDS, or `manage.py notify_sweep`) queues it again after a back-off, until
NOTIFY_MAX_ATTEMPTS, after which the row is failed for good and shown to administrators (Django
admin, "Notifications", with "Send again").

A person may turn off kinds outside ESSENTIAL_KINDS ("Your notification settings"); people
without an email address, or whose account is closed, are skipped.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable, Iterator, Mapping
from contextvars import ContextVar
from datetime import timedelta
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core import checks
from django.core.mail import EmailMessage, mailers
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django_gov_notify.message import NotifyEmailMessage

from sourcing.celery import ReliableTask
from sourcing.errors import ValidationFailed
from sourcing.models import (
    ESSENTIAL_KINDS,
    Case,
    Notification,
    NotificationKind,
    NotificationSetting,
    NotificationStatus,
    Role,
    User,
)
from sourcing.tasks import dispatch

log = logging.getLogger(__name__)

SEND_TASK = "sourcing.notification_send"  # notification_send_task, below
NOTIFY_BACKEND = "django_gov_notify.backends.NotifyEmailBackend"
# The first wait before a failed email is tried again; doubled for each attempt, at most an hour.
RETRY_AFTER = timedelta(seconds=30)
RETRY_AFTER_MAX = timedelta(hours=1)
SWEEP_BATCH = 500
# Set by notification_dispatch_deferred(): new emails wait in the outbox instead of being queued.
_deferred: ContextVar[bool] = ContextVar("notification_dispatch_deferred", default=False)


def service_link(path: str) -> str:
    """An absolute link to one of the service's pages (SERVICE_URL + path)."""
    return f"{settings.SERVICE_URL}{path}" if path else ""


def _render(kind: str, context: Mapping[str, Any]) -> tuple[str, str]:
    """The subject (the template's first line) and body of an email of this kind."""
    text = render_to_string(f"emails/{kind}.txt", dict(context)).strip()
    subject, _, body = text.partition("\n")
    return subject.strip()[:200], body.strip() + "\n"


def _turned_off(kind: str, users: list[User]) -> set[int]:
    """Ids of the users who turned this kind of email off (none for an essential kind)."""
    if kind in ESSENTIAL_KINDS or not users:
        return set()
    return set(
        NotificationSetting.objects.filter(kind=kind, user__in=users).values_list(
            "user_id", flat=True
        )
    )


def notify(
    kind: str,
    *,
    to: Iterable[User | str],
    case: Case | None = None,
    link: str = "",
    context: Mapping[str, Any] | None = None,
    key: str = "",
) -> list[Notification]:
    """Email `to` (users, or plain addresses for people without an account) about `kind`.

    Call inside the transaction of the action the email tells; rows are written now and sent
    after commit. `link` is a path of ours (reverse(...)), made absolute with SERVICE_URL;
    `context` goes to the template `templates/emails/<kind>.txt` (first line: the subject), with
    `case`, `link` and `recipient` added. `key` makes the email idempotent: at most one email
    per key and address, ever (e.g. "review_due:<record id>"). Users without an email address,
    closed accounts and people who turned a non-essential kind off are skipped; one address is
    emailed once. Returns the rows written. Raises ValueError for an unknown kind.
    """
    if kind not in NotificationKind.values:
        raise ValueError(f"Unknown notification kind {kind!r}")
    people = list(to)
    users = [u for u in people if isinstance(u, User)]
    off = _turned_off(kind, users)
    absolute = service_link(link)
    rows: list[Notification] = []
    seen: set[str] = set()
    for person in people:
        if isinstance(person, User):
            if not person.is_active or not person.email or person.pk in off:
                continue
            email, recipient = person.email, person
        else:
            email, recipient = person, None
        if email.lower() in seen:
            continue
        seen.add(email.lower())
        row_key = f"{key}:{email.lower()}"[:120] if key else ""
        if row_key and Notification.objects.filter(key=row_key).exists():
            continue
        subject, body = _render(
            kind, {**(context or {}), "case": case, "link": absolute, "recipient": recipient}
        )
        personalisation = {
            "subject": subject,
            "body": body,
            "reference": case.reference if case else "",
            "title": case.title if case else "",
            "link": absolute,
        }
        row = Notification(
            kind=kind,
            recipient=recipient,
            email=email,
            subject=subject,
            body=body,
            personalisation=personalisation,
            case=case,
            key=row_key,
            dispatched_at=timezone.now(),
        )
        try:
            with transaction.atomic():  # a savepoint: a concurrent twin of a keyed email loses
                row.save(force_insert=True)
        except IntegrityError:
            if not row_key:
                raise
            continue
        rows.append(row)
    ids = [row.pk for row in rows]
    if ids and not _deferred.get():
        transaction.on_commit(lambda: _dispatch(ids))
    return rows


@contextlib.contextmanager
def notification_dispatch_deferred() -> Iterator[None]:
    """Within the block, new emails' rows are written as usual but not queued (so with eager
    tasks not sent there and then); `notification_dispatch_waiting()` queues them later. The
    quick start loads the demo data this way (its ~300 emails) and sends them once serving."""
    token = _deferred.set(True)
    try:
        yield
    finally:
        _deferred.reset(token)


def notification_dispatch_waiting() -> list[int]:
    """Queue every email not yet tried (pending, no attempt), oldest first, as notify would
    have after its commit; returns their ids. A broker that refuses leaves the rest to the
    sweep. Sending twice is not possible: notification_send locks the row and sends once."""
    ids = list(
        Notification.objects.filter(status=NotificationStatus.PENDING, attempts=0)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    _dispatch(ids)
    return ids


def _dispatch(ids: list[int]) -> None:
    """Queue each email's send task; a broker that refuses leaves the row to the sweep."""
    for pk in ids:
        try:
            dispatch(SEND_TASK, pk)
        except Exception:
            log.warning("notification dispatch failed; the sweep will retry", exc_info=True)
            return


def reviewers() -> list[User]:
    """The Centre of Excellence reviewers who may be emailed (active)."""
    return list(User.objects.filter(role=Role.REVIEWER, is_active=True).order_by("pk"))


def _message(row: Notification) -> EmailMessage:
    template_id = settings.GOVUK_NOTIFY_TEMPLATE_IDS.get(row.kind, "")
    if template_id and settings.MAILERS["default"]["BACKEND"] == NOTIFY_BACKEND:
        message: EmailMessage = NotifyEmailMessage(
            to=[row.email], template_id=template_id, personalisation=row.personalisation
        )
        return message
    return EmailMessage(subject=row.subject, body=row.body, to=[row.email])


def notification_send(*, notification_id: int) -> str:
    """Send one email once: "sent", "failed" (for good), "retry" (the sweep tries again
    later), "busy" (another worker holds it) or "done" (sent before, or failed for good).

    The row is locked while it is sent, so two deliveries of the task never send twice; each
    try counts an attempt and keeps its error.
    """
    with transaction.atomic():
        row = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk=notification_id)
            .first()
        )
        if row is None:
            exists = Notification.objects.filter(pk=notification_id).exists()
            return "busy" if exists else "done"
        if row.status != NotificationStatus.PENDING:
            return "done"
        row.attempts += 1
        try:
            # The mailer itself, not message.send(): django-gov-notify's NotifyEmailMessage
            # defines get_connection(), which Django 6.1's send() refuses.
            if not mailers.default.send_messages([_message(row)]):
                raise RuntimeError("The email backend sent nothing.")
        except Exception as error:
            row.last_error = f"{type(error).__name__}: {error}"[:2000]
            failed = row.attempts >= settings.NOTIFY_MAX_ATTEMPTS
            row.status = NotificationStatus.FAILED if failed else NotificationStatus.PENDING
            row.save(update_fields=["attempts", "last_error", "status"])
            log.warning("email %s not sent (attempt %s)", row.pk, row.attempts, exc_info=True)
            return "failed" if failed else "retry"
        row.status = NotificationStatus.SENT
        row.sent_at = timezone.now()
        row.last_error = ""
        row.save(update_fields=["attempts", "last_error", "status", "sent_at"])
        return "sent"


def retry_after(attempts: int) -> timedelta:
    """How long an email waits after its last dispatch before the sweep queues it again."""
    wait: timedelta = RETRY_AFTER * (2 ** max(attempts - 1, 0))
    return min(wait, RETRY_AFTER_MAX)


def notification_sweep(*, now: Any = None) -> list[int]:
    """Queue again the emails still waiting after their back-off (a failed try, a lost task or a
    broker that was down): ids queued, oldest first. Stops at the first refused dispatch."""
    now = now or timezone.now()
    waiting = Notification.objects.filter(
        status=NotificationStatus.PENDING, dispatched_at__lte=now - RETRY_AFTER
    ).order_by("dispatched_at", "pk")[:SWEEP_BATCH]
    due = [
        row.pk
        for row in waiting.only("pk", "attempts", "dispatched_at")
        if row.dispatched_at is not None and row.dispatched_at <= now - retry_after(row.attempts)
    ]
    queued: list[int] = []
    for pk in due:
        Notification.objects.filter(pk=pk).update(dispatched_at=now)
        try:
            dispatch(SEND_TASK, pk)
        except Exception:
            log.warning("notification sweep: the broker refused; next sweep", exc_info=True)
            break
        queued.append(pk)
    return queued


def notification_send_again(*, notification: Notification) -> None:
    """An administrator's "Send again" of a failed email: attempts start afresh."""
    with transaction.atomic():
        Notification.objects.filter(pk=notification.pk).update(
            status=NotificationStatus.PENDING, attempts=0, dispatched_at=timezone.now()
        )
        pk = notification.pk
        transaction.on_commit(lambda: _dispatch([pk]))


def optional_kinds(user: User) -> list[NotificationKind]:
    """The non-essential kinds of email this person's role can receive (their settings page)."""
    by_role: dict[str, tuple[NotificationKind, ...]] = {
        Role.COMMERCIAL: (
            NotificationKind.CASE_APPROVED,
            NotificationKind.CASE_REJECTED,
            NotificationKind.SIGNOFF_DECIDED,
            NotificationKind.REVIEW_DUE,
        ),
        Role.REVIEWER: (NotificationKind.CASE_SUBMITTED,),
    }
    return list(by_role.get(user.role, ()))


def notifications_off(user: User) -> set[str]:
    """The kinds this person turned off."""
    return set(NotificationSetting.objects.filter(user=user).values_list("kind", flat=True))


def notification_settings_problems(*, user: User, off: Any) -> dict[str, list[str]]:
    """Why `off` cannot be this person's settings, by field ("off"): a list of the kinds of
    email they may turn off (their role's optional kinds)."""
    optional = {k.value for k in optional_kinds(user)}
    if not isinstance(off, list) or not all(isinstance(k, str) for k in off):
        return {"off": ["off must be a list of kinds of email"]}
    unknown = sorted(set(off) - optional)
    if unknown:
        allowed = ", ".join(sorted(optional)) or "none"
        return {
            "off": [f"Not a notification you can turn off: {', '.join(unknown)} (yours: {allowed})"]
        }
    return {}


@transaction.atomic
def notification_settings_save(*, user: User, off: Iterable[str]) -> set[str]:
    """Turn off exactly the kinds in `off` (of this person's optional kinds; the others are on).
    Returns the kinds now off. Raises ValidationFailed on "off" for a kind that is not optional
    for them (nothing saved)."""
    wanted = [str(k) for k in off]
    problems = notification_settings_problems(user=user, off=wanted)
    if problems:
        raise ValidationFailed(problems)
    NotificationSetting.objects.filter(user=user).exclude(kind__in=wanted).delete()
    have = notifications_off(user)
    NotificationSetting.objects.bulk_create(
        [NotificationSetting(user=user, kind=k) for k in sorted(set(wanted) - have)]
    )
    return set(wanted)


def notify_settings_check(**_: Any) -> list[checks.CheckMessage]:
    """`check --deploy`: GOV.UK Notify needs its API key (without it every email fails and waits
    in the admin's list)."""
    if (
        settings.MAILERS["default"]["BACKEND"] == NOTIFY_BACKEND
        and not settings.GOVUK_NOTIFY_API_KEY
    ):
        return [
            checks.Error(
                "GOVUK_NOTIFY_API_KEY is not set, so no email can be sent.",
                hint="Set GOVUK_NOTIFY_API_KEY and GOVUK_NOTIFY_PLAIN_EMAIL_TEMPLATE_ID (README "
                '"Notifications"), or EMAIL_BACKEND to another production email backend.',
                id="sourcing.E010",
            )
        ]
    return []


# Tasks (this module is imported by SourcingConfig.ready(), so the worker knows both names).


@shared_task(base=ReliableTask, name=SEND_TASK)
def notification_send_task(notification_id: int) -> str:
    """Send one email (notification_send); a failure waits for the sweep's back-off."""
    return notification_send(notification_id=notification_id)


@shared_task(base=ReliableTask, name="sourcing.notification_sweep")
def notification_sweep_task() -> int:
    """Queue again the emails left waiting (the beat, every PDF_SWEEP_SECONDS)."""
    return len(notification_sweep())
