"""People and access: departments, users with roles, API tokens, sign-in identities (OpenID
Connect), the department mappings that admit a first sign-in, and invitations."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Department(models.Model):
    """A government department; commercial users belong to one."""

    code = models.SlugField(max_length=20, unique=True)
    name = models.CharField(max_length=200, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    COMMERCIAL = "commercial", "Department commercial user"
    REVIEWER = "reviewer", "Centre of Excellence reviewer"
    STEWARD = "steward", "Ruleset steward"
    AUDITOR = "auditor", "Auditor"
    ADMIN = "admin", "Administrator"
    # A named person of a department who invites its people and grants or revokes the
    # commercial role there (docs/decisions/0025).
    DEPARTMENT_ADMIN = "department_admin", "Department administrator"
    # Signed in through their department's identity provider, waiting for a department
    # administrator to grant a role: they see only the home page.
    NONE = "none", "No role yet"


# Roles that belong to one department (and must have it).
DEPARTMENT_ROLES = frozenset({Role.COMMERCIAL, Role.DEPARTMENT_ADMIN})


class User(AbstractUser):
    """A person who signs in; their role decides what they may do."""

    role = models.CharField(max_length=20, choices=Role.choices, default=Role.COMMERCIAL)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="users"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(role__in=["commercial", "department_admin"])
                | Q(department__isnull=False),
                name="department_user_has_department",
                violation_error_message="A department user or administrator must belong to a "
                "department.",
            )
        ]

    def __str__(self) -> str:
        return self.get_username()


class DepartmentMapping(models.Model):
    """Admits a first sign-in through an identity provider to a department: an email domain
    (the part after @, lower case) or a claim's value (e.g. `department` = `dps`, or Entra ID's
    tenant id `tid`). Kept in the admin; every change is audited."""

    class Kind(models.TextChoices):
        EMAIL_DOMAIN = "email_domain", "Email domain"
        CLAIM = "claim", "Claim"

    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="mappings")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.EMAIL_DOMAIN)
    claim = models.CharField(
        max_length=100, blank=True, help_text="The claim's name, for a claim mapping."
    )
    value = models.CharField(
        max_length=253, help_text="The email domain (e.g. dps.gov.uk) or the claim's value."
    )

    class Meta:
        ordering = ["department__name", "kind", "claim", "value"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "claim", "value"],
                name="department_mapping_unique",
                violation_error_message="This domain or claim value already maps to a department.",
            )
        ]

    def __str__(self) -> str:
        if self.kind == self.Kind.CLAIM:
            return f"{self.claim} = {self.value} -> {self.department}"
        return f"@{self.value} -> {self.department}"


class SignInIdentity(models.Model):
    """A person's account at an identity provider: the issuer's `iss` and their `sub`. A user
    is found by this pair only, never by email (OpenID Connect Core 1.0, section 5.7)."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="identities")
    issuer = models.CharField(max_length=500)
    subject = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)
    last_sign_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["issuer", "subject"]
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="identity_issuer_subject")
        ]

    def __str__(self) -> str:
        return f"{self.subject} at {self.issuer}"


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def pending(self) -> InvitationQuerySet:
        return self.filter(accepted_at__isnull=True, withdrawn_at__isnull=True)


class Invitation(models.Model):
    """A department administrator's invitation: the first sign-in with this (verified) email,
    admitted to the same department, gets the department commercial role."""

    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="invitations")
    email = models.EmailField()
    invited_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["email"],
                condition=Q(accepted_at__isnull=True, withdrawn_at__isnull=True),
                name="invitation_one_pending_per_email",
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} to {self.department}"


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def usable(self) -> ApiTokenQuerySet:
        return self.filter(
            revoked_at__isnull=True, expires_at__gt=timezone.now(), user__is_active=True
        )


class ApiToken(models.Model):
    """A bearer token for the API; only its sha256 is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    token_sha256 = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8, help_text="First characters, to tell tokens apart.")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user} {self.prefix}…"


class CaseStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    RETURNED = "returned", "Returned"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


# The state machine: only services move a case, and only along these edges.
CASE_TRANSITIONS: dict[str, frozenset[str]] = {
    CaseStatus.DRAFT: frozenset({CaseStatus.SUBMITTED, CaseStatus.WITHDRAWN}),
    CaseStatus.SUBMITTED: frozenset(
        {CaseStatus.RETURNED, CaseStatus.APPROVED, CaseStatus.REJECTED, CaseStatus.WITHDRAWN}
    ),
    CaseStatus.RETURNED: frozenset({CaseStatus.DRAFT, CaseStatus.SUBMITTED, CaseStatus.WITHDRAWN}),
    # An approved decision can be opened for review again (e.g. when its review-by date comes);
    # the new decision's record supersedes the old one.
    CaseStatus.APPROVED: frozenset({CaseStatus.SUBMITTED}),
    CaseStatus.REJECTED: frozenset(),
    CaseStatus.WITHDRAWN: frozenset(),
}
EDITABLE_STATUSES = frozenset({CaseStatus.DRAFT, CaseStatus.RETURNED})


# Cases the Centre of Excellence and auditors see: every case submitted at least once.
SUBMITTED_ONCE = (
    CaseStatus.SUBMITTED,
    CaseStatus.RETURNED,
    CaseStatus.APPROVED,
    CaseStatus.REJECTED,
)


class CaseQuerySet(models.QuerySet["Case"]):
    def for_list(self) -> CaseQuerySet:
        return self.select_related("department", "owner").order_by("-created_at", "-pk")

    def visible_to(self, user: Any) -> CaseQuerySet:
        """Cases a user may see: a department user their own department's; the Centre of
        Excellence and auditors every case that has been submitted at least once."""
        role = getattr(user, "role", None)
        if role == Role.COMMERCIAL:
            return self.filter(department_id=user.department_id)
        if role in (Role.REVIEWER, Role.AUDITOR):
            return self.filter(status__in=SUBMITTED_ONCE)
        return self.none()


class Case(models.Model):
    """A sourcing case: one digital need of one department, and its answers."""

    reference = models.CharField(max_length=20, unique=True)
    title = models.CharField(max_length=200)
    summary = models.TextField(max_length=5000, blank=True)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="cases")
    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="owned_cases")
    answers = models.JSONField(default=dict)
    # Increments whenever answers change: assessments carry the version they assessed.
    answers_version = models.PositiveIntegerField(default=1)
    # Increments whenever anything a signatory signs changes (the answers, the policy
    # explanations, the title or the summary): a sign-off carries the version it signed and is
    # stale once the case's moves on.
    content_version = models.PositiveIntegerField(default=1)
    explanations = models.JSONField(default=dict)
    sro_name = models.CharField("Senior Responsible Owner", max_length=200, blank=True)
    # The Senior Responsible Owner named from the department's users (sro_name is then their
    # full name); null for a name typed before accounts could be named, or through the API.
    sro = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    status = models.CharField(max_length=20, choices=CaseStatus.choices, default=CaseStatus.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["department", "status"])]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES


class ReferenceCounter(models.Model):
    """The last case number issued in a year (references are SRC-<year>-<number>)."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class CaseStatusChange(models.Model):
    """One move of a case's status: who, when, from, to, and their comment."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="status_changes")
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    from_status = models.CharField(max_length=20, choices=CaseStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=CaseStatus.choices)
    comment = models.TextField(max_length=10000, blank=True)
    # A return: the tasks the reviewer named as needing changes (questionnaire section slugs,
    # "explanations", "signoffs"; empty when none were named), and the answers and
    # explanations as returned, which the resubmission is compared with.
    sections = models.JSONField(default=list, blank=True)
    snapshot = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.from_status} -> {self.to_status}"


class Discipline(models.TextChoices):
    COMMERCIAL = "commercial", "Commercial"
    DIGITAL = "digital", "Digital"
    FINANCE = "finance", "Finance"
    LEGAL = "legal", "Legal"


class SignOff(models.Model):
    """A discipline's sign-off of the case at one content version (its answers, explanations,
    title and summary): given by the signatory signed in as themselves (`signatory`, with the
    hash of the assessment they read), or typed by the case owner for a signatory with no
    account (`no_account`)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="signoffs")
    discipline = models.CharField(max_length=20, choices=Discipline.choices)
    name = models.CharField(max_length=200)
    role = models.CharField("job title", max_length=200, blank=True)
    comment = models.TextField(max_length=5000, blank=True)
    answers_version = models.PositiveIntegerField()
    # The case's content_version signed (answers, explanations, title and summary).
    content_version = models.PositiveIntegerField(default=1)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    # The person who signed off, signed in as themselves (null: a typed name).
    signatory = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="signoffs_given"
    )
    # sha256 of the assessment they read (decisions.assessments.selectors.assessment_sha256).
    assessment_sha256 = models.CharField(max_length=64, blank=True)
    # A typed name, recorded by the case owner for a signatory with no account on the service.
    no_account = models.BooleanField(default=False)

    class Meta:
        ordering = ["recorded_at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.discipline} by {self.name}"

    @property
    def is_stale(self) -> bool:
        """Whether anything it signed (answers, explanations, title, summary) changed since."""
        return self.content_version != self.case.content_version


class NotificationKind(models.TextChoices):
    """What an email is about. ESSENTIAL_KINDS are sent whatever the person's settings say."""

    CASE_SUBMITTED = "case_submitted", "A case is submitted for review"
    CASE_RETURNED = "case_returned", "A case is returned with comments"
    CASE_APPROVED = "case_approved", "A case is approved"
    CASE_REJECTED = "case_rejected", "A case is rejected"
    SIGNOFF_REQUESTED = "signoff_requested", "Someone asks for your sign-off"
    SIGNOFF_DECIDED = "signoff_decided", "A sign-off you asked for is given or declined"
    REVIEW_DUE = "review_due", "A decision's review-by date is near"
    INVITATION = "invitation", "An invitation to the service"


# Emails that ask the person to act (or admit them): never turned off.
ESSENTIAL_KINDS: frozenset[str] = frozenset(
    {
        NotificationKind.CASE_RETURNED,
        NotificationKind.SIGNOFF_REQUESTED,
        NotificationKind.INVITATION,
    }
)


class NotificationStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class Notification(models.Model):
    """One email to one address: an outbox row written in the transaction of what it tells,
    sent by a task after commit (sourcing.notifications), retried up to NOTIFY_MAX_ATTEMPTS."""

    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    recipient = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="notifications"
    )
    email = models.EmailField()
    subject = models.CharField(max_length=200)
    body = models.TextField()
    # Reference, title and link: a GOV.UK Notify template of the kind's own is personalised
    # with these (the plain template with subject and body).
    personalisation = models.JSONField(default=dict)
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    # Idempotence: one email per key (e.g. "review_due:<record>:<user>"); blank for none.
    key = models.CharField(max_length=120, blank=True)
    status = models.CharField(
        max_length=20, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "dispatched_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["key"], condition=~models.Q(key=""), name="notification_key_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.email} ({self.status})"


class NotificationSetting(models.Model):
    """A kind of non-essential email a person has turned off (absent: on)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications_off")
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_setting_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} turned off {self.kind}"


class SignOffRequestStatus(models.TextChoices):
    PENDING = "pending", "Waiting"
    SIGNED = "signed", "Signed off"
    DECLINED = "declined", "Declined"
    # Replaced by a newer request for the same discipline, or the case left the draft stage.
    CANCELLED = "cancelled", "Cancelled"


class SignOffRequestQuerySet(models.QuerySet["SignOffRequest"]):
    def pending(self) -> SignOffRequestQuerySet:
        return self.filter(status=SignOffRequestStatus.PENDING)

    def waiting_for(self, user: Any) -> SignOffRequestQuerySet:
        """Requests waiting for this person's decision, oldest first, on cases still with
        their department (draft or returned), with the case and who asked (one query)."""
        return (
            self.pending()
            .filter(
                signatory=user,
                case__status__in=EDITABLE_STATUSES,
                case__department_id=user.department_id,
            )
            .select_related("case", "requested_by")
            .order_by("requested_at", "pk")
        )


class SignOffRequest(models.Model):
    """The case owner's request that a named colleague of the department sign off one
    discipline; the colleague signs off (a SignOff of theirs) or declines with a comment."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="signoff_requests")
    discipline = models.CharField(max_length=20, choices=Discipline.choices)
    signatory = models.ForeignKey(User, on_delete=models.PROTECT, related_name="signoff_requests")
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        max_length=20, choices=SignOffRequestStatus.choices, default=SignOffRequestStatus.PENDING
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(max_length=5000, blank=True)
    # The answers version, content version (Case.content_version) and assessment the
    # signatory decided on.
    answers_version = models.PositiveIntegerField(null=True, blank=True)
    content_version = models.PositiveIntegerField(null=True, blank=True)
    assessment_sha256 = models.CharField(max_length=64, blank=True)
    signoff = models.OneToOneField(
        SignOff, on_delete=models.PROTECT, null=True, blank=True, related_name="request"
    )

    objects = SignOffRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "discipline"],
                condition=Q(status="pending"),
                name="signoff_request_one_pending_per_discipline",
            )
        ]
        indexes = [models.Index(fields=["signatory", "status"])]

    def __str__(self) -> str:
        return f"{self.case_id} {self.discipline} asked of {self.signatory_id}"
