"""Writes for people and access: departments, users, API tokens, sign-in identities, the
department mappings that admit a first sign-in, invitations, and the department
administrator's grants (docs/decisions/0025)."""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from collections.abc import Collection
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from decisions.audit.services import audit_append, audit_on
from sourcing.access import token_hash
from sourcing.errors import ValidationFailed
from sourcing.models import (
    DEPARTMENT_ROLES,
    ApiToken,
    Department,
    DepartmentMapping,
    Invitation,
    NotificationKind,
    Role,
    SignInIdentity,
    User,
)
from sourcing.notifications import notify
from sourcing.people.selectors import COE_ROLES

DEPARTMENT_CODE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*", re.ASCII)


def department_ensure(*, code: str, name: str) -> Department:
    """The department with this code, created or renamed to `name`."""
    department, _ = Department.objects.update_or_create(code=code, defaults={"name": name})
    return department


DEPARTMENT_FIELDS = ("code", "name")


@transaction.atomic
def department_save(
    *, by: User | None, department: Department | None, code: str, name: str
) -> Department:
    """Create a department (`department` None) or change its code or name. Appends
    `department.created` or `department.changed` (the fields changed, before and after) to
    the audit chain; ValidationFailed names the field at fault (code: lower-case letters,
    digits and hyphens, up to 20; name: up to 200 characters; both unique)."""
    code, name = (code or "").strip(), (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not code:
        errors["code"] = ["Enter the department's code, like dept-a"]
    elif len(code) > 20 or not DEPARTMENT_CODE.fullmatch(code):
        errors["code"] = [
            "Code must be 20 characters or fewer: lower-case letters, digits and hyphens"
        ]
    if not name:
        errors["name"] = ["Enter the department's name"]
    elif len(name) > 200 or "\x00" in name:
        errors["name"] = ["Name must be 200 characters or fewer, without null characters"]
    others = (
        Department.objects.exclude(pk=department.pk) if department else Department.objects.all()
    )
    if "code" not in errors and others.filter(code=code).exists():
        errors["code"] = [f"Code {code} is another department's"]
    if "name" not in errors and others.filter(name=name).exists():
        errors["name"] = [f"Name {name} is another department's"]
    if errors:
        raise ValidationFailed(errors)
    created = department is None
    target = (
        Department()
        if department is None
        else Department.objects.select_for_update().get(pk=department.pk)
    )
    before = {} if created else {f: getattr(target, f) for f in DEPARTMENT_FIELDS}
    target.code, target.name = code, name
    target.save()
    after = {f: getattr(target, f) for f in DEPARTMENT_FIELDS}
    changed = [f for f in DEPARTMENT_FIELDS if before.get(f) != after[f]]
    if changed:
        audit_append(
            action="department.created" if created else "department.changed",
            actor=by,
            object_type="department",
            object_id=target.pk,
            payload={**after, "before": before, "changed": changed},
        )
    return target


@transaction.atomic
def user_ensure(
    *,
    username: str,
    role: str,
    password: str,
    department: Department | None = None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    keep_password: bool = False,
    password_hash: str = "",
) -> User:
    """A user with this username, role and department; the password is (re)set, unless
    `keep_password` and the user exists (so their sessions stay valid). `password_hash`, when
    given, is `make_password(password)` made once by a caller setting many users' passwords
    (hashing takes about half a second of CPU each)."""
    if role not in Role.values:
        raise ValueError(f"Unknown role {role!r}")
    user, created = User.objects.update_or_create(
        username=username,
        defaults={
            "role": role,
            "department": department,
            "first_name": first_name,
            "last_name": last_name,
            "email": email,
            "is_active": True,
            "is_staff": role == Role.ADMIN,
            "is_superuser": role == Role.ADMIN,
        },
    )
    if created or not keep_password:
        if password_hash:
            user.password = password_hash
        else:
            user.set_password(password)
        user.save(update_fields=["password"])
    return user


@transaction.atomic
def token_issue(*, user: User, days: int | None = None) -> str:
    """Create an API token for an active user; returns the raw token (stored only hashed).

    Lasts `days` (default API_TOKEN_DAYS), from 1 to API_TOKEN_MAX_DAYS; ValueError otherwise.
    """
    if not user.is_active:
        raise ValueError(f"User {user.username} is not active.")
    days = settings.API_TOKEN_DAYS if days is None else days
    if days < 1:
        raise ValueError("A token must last at least 1 day.")
    if days > settings.API_TOKEN_MAX_DAYS:
        raise ValueError(
            f"A token can last at most {settings.API_TOKEN_MAX_DAYS} days (API_TOKEN_MAX_DAYS); "
            "issue a new one when it expires."
        )
    raw = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        token_sha256=token_hash(raw),
        prefix=raw[:8],
        expires_at=timezone.now() + timedelta(days=days),
    )
    audit_on(
        "api_token",
        token.pk,
        "token.issued",
        user,
        prefix=token.prefix,
        expires_at=token.expires_at.isoformat(),
    )
    return raw


@transaction.atomic
def tokens_revoke(*, user: User, by: User | None = None) -> int:
    """Revoke every usable token of the user; returns how many. Appends `token.revoked` (actor
    `by`, who revoked them: an administrator, or None for a command) only when some were."""
    count = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if count:
        audit_on("user", user.pk, "token.revoked", by, count=count)
    return count


USER_FIELDS = ("username", "role", "department", "first_name", "last_name", "email", "is_active")


# Usernames are ASCII (Django's ASCIIUsernameValidator's characters), checked after NFKC
# normalisation: a look-alike such as "alice" spelt with a Cyrillic a (U+0430) is refused.
USERNAME_PATTERN = re.compile(r"[A-Za-z0-9.@+_-]{1,150}")
USERNAME_ERROR = (
    "Enter a username of up to 150 letters a to z, digits and the characters . @ + - _ only "
    "(no letters from other alphabets)"
)


def username_normalised(username: str) -> str:
    """The username as stored: NFKC-normalised, surrounding spaces removed."""
    return unicodedata.normalize("NFKC", username).strip()


def username_errors(username: str) -> dict[str, list[str]]:
    """{"username": [message]} when the (normalised) username is not plain ASCII, else {}."""
    if not USERNAME_PATTERN.fullmatch(username_normalised(username)):
        return {"username": [USERNAME_ERROR]}
    return {}


def user_role_errors(*, role: str, department: Department | None) -> dict[str, list[str]]:
    """What is wrong with a role and department together (the admin's form shows the same)."""
    if role not in Role.values:
        return {"role": ["Choose a role"]}
    if role in DEPARTMENT_ROLES and department is None:
        label = Role(role).label.lower()
        return {"department": [f"Choose the department of a {label}"]}
    if role not in DEPARTMENT_ROLES and role != Role.NONE and department is not None:
        return {
            "department": [
                "Only a department commercial user or administrator belongs to a department"
            ]
        }
    return {}


def _user_state(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "role": user.role,
        "department": user.department.code if user.department is not None else None,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": user.is_active,
    }


@transaction.atomic
def user_save(
    *,
    by: User | None,
    user: User | None,
    username: str,
    role: str,
    department: Department | None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    is_active: bool = True,
    password: str | None = None,
) -> User:
    """Create a user (`user` None) or change one: role, department, names, email, active, and
    the password when given (never logged). Administrators are Django staff and superusers;
    nobody else is. Appends `user.created` or `user.changed` (with the fields changed, and
    whether the password was) to the audit chain; ValidationFailed names the field at fault.
    """
    username = username_normalised(username) if isinstance(username, str) else ""
    errors = {**username_errors(username), **user_role_errors(role=role, department=department)}
    if errors:
        raise ValidationFailed(errors)
    created = user is None
    target = (
        User(username=username)
        if user is None
        else User.objects.select_for_update().get(pk=user.pk)
    )
    before = {} if created else _user_state(target)
    target.username = username
    target.role = role
    target.department = department
    target.first_name, target.last_name, target.email = first_name, last_name, email
    target.is_active = is_active
    target.is_staff = target.is_superuser = role == Role.ADMIN
    if password:
        target.set_password(password)
    elif created:
        target.set_unusable_password()
    target.save()
    if not created and (
        (before["is_active"] and not is_active) or (before["role"] != role and role == Role.NONE)
    ):
        # Deactivated, or their role taken away: their API tokens stop working now.
        tokens_revoke(user=target, by=by)
    after = _user_state(target)
    changed = [name for name in USER_FIELDS if before.get(name) != after[name]]
    if changed or password:
        audit_append(
            action="user.created" if created else "user.changed",
            actor=by,
            object_type="user",
            object_id=target.pk,
            payload={**after, "changed": changed, "password_changed": bool(password)},
        )
    return target


# Sign-in through a department's identity provider ---------------------------------------------


class SignInRefused(Exception):
    """A sign-in through an identity provider that may not go on; `reason` is a code the sign-in
    page explains: "unmapped" (no department for the email domain or claims), "inactive"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def email_domain(email: str) -> str:
    """The part after the last @, lower case ("" without one)."""
    local, at, domain = email.strip().rpartition("@")
    return domain.lower() if at and local else ""


def department_for_claims(
    claims: dict[str, Any], departments: Collection[str] | None = None
) -> Department | None:
    """The department a person's claims map to: a claim mapping first (a claim whose value, or
    one of whose values, is mapped), then the domain of a verified email (`email_verified` not
    false). Only mappings of the departments with these codes count (None: every department's).
    None when nothing maps."""
    mappings = DepartmentMapping.objects.all()
    if departments is not None:
        mappings = mappings.filter(department__code__in=list(departments))
    claim_mappings = mappings.filter(kind=DepartmentMapping.Kind.CLAIM)
    for mapping in claim_mappings.select_related("department"):
        value = claims.get(mapping.claim)
        values = value if isinstance(value, list) else [value]
        if any(isinstance(v, str | int) and str(v) == mapping.value for v in values):
            return mapping.department
    email = claims.get("email")
    if not isinstance(email, str) or claims.get("email_verified") is False:
        return None
    domain = email_domain(email)
    if not domain:
        return None
    mapping_found = (
        mappings.filter(kind=DepartmentMapping.Kind.EMAIL_DOMAIN, value=domain)
        .select_related("department")
        .first()
    )
    return mapping_found.department if mapping_found else None


def _claim_text(claims: dict[str, Any], name: str, limit: int) -> str:
    value = claims.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def _new_username(claims: dict[str, Any], issuer: str, subject: str) -> str:
    """A free username: the email (or the provider's preferred username), else a digest of
    the issuer and subject; a number appended when taken. Never used to find anyone."""
    base = _claim_text(claims, "email", 140) or _claim_text(claims, "preferred_username", 140)
    base = "".join(ch for ch in base if ch.isalnum() or ch in "@.+-_")
    if not base:
        digest = hashlib.sha256(f"{issuer} {subject}".encode()).hexdigest()[:16]
        base = f"oidc-{digest}"
    candidate, number = base, 1
    while User.objects.filter(username=candidate).exists():
        number += 1
        candidate = f"{base}-{number}"
    return candidate


@transaction.atomic
def identity_link(*, user: User, issuer: str, subject: str, by: User | None = None) -> None:
    """Link a provider account (issuer, subject) to a user; appends `identity.linked`. The demo
    links its users to the development provider's accounts this way."""
    identity, created = SignInIdentity.objects.get_or_create(
        issuer=issuer, subject=subject, defaults={"user": user}
    )
    if not created and identity.user_id != user.pk:
        raise ValidationFailed({"subject": ["This account is linked to someone else"]})
    if created:
        audit_append(
            action="identity.linked",
            actor=by,
            object_type="user",
            object_id=user.pk,
            payload={"issuer": issuer, "subject": subject},
        )


@transaction.atomic
def identity_sign_in(
    *, issuer: str, claims: dict[str, Any], departments: Collection[str] | None = None
) -> User:
    """The user behind verified ID token claims of `issuer` (shape: OpenID Connect claims with
    at least `sub`), found by (issuer, sub) only. A first sign-in creates the user when their
    claims map to a department (department_for_claims) among `departments`, the codes of those
    the provider may admit to (None: any), with no role unless a pending invitation for their
    verified email in that department gives the commercial role: another provider's account
    claiming a department's email domain is refused, and takes none of its invitations.
    Appends `user.created`, `identity.linked` and `invitation.accepted` as they happen.
    Raises SignInRefused("unmapped") or SignInRefused("inactive")."""
    subject = str(claims["sub"])
    identity = (
        SignInIdentity.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(issuer=issuer, subject=subject)
        .first()
    )
    if identity is not None:
        if not identity.user.is_active:
            raise SignInRefused("inactive")
        identity.last_sign_in_at = timezone.now()
        identity.save(update_fields=["last_sign_in_at"])
        return identity.user
    department = department_for_claims(claims, departments)
    if department is None:
        raise SignInRefused("unmapped")
    email = _claim_text(claims, "email", 254)
    invitation = None
    if email and claims.get("email_verified") is not False:
        invitation = (
            Invitation.objects.pending()
            .select_for_update()
            .filter(email__iexact=email, department=department)
            .first()
        )
    user = user_save(
        by=None,
        user=None,
        username=_new_username(claims, issuer, subject),
        role=Role.COMMERCIAL if invitation else Role.NONE,
        department=department,
        first_name=_claim_text(claims, "given_name", 150),
        last_name=_claim_text(claims, "family_name", 150),
        email=email,
    )
    identity_link(user=user, issuer=issuer, subject=subject, by=user)
    SignInIdentity.objects.filter(issuer=issuer, subject=subject).update(
        last_sign_in_at=timezone.now()
    )
    if invitation is not None:
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        audit_append(
            action="invitation.accepted",
            actor=user,
            object_type="invitation",
            object_id=invitation.pk,
            payload={"email": invitation.email, "role": Role.COMMERCIAL},
        )
    return user


# Department mappings (the admin) ----------------------------------------------------------------


@transaction.atomic
def department_mapping_save(
    *,
    by: User | None,
    mapping: DepartmentMapping | None,
    department: Department,
    kind: str,
    value: str,
    claim: str = "",
) -> DepartmentMapping:
    """Create or change a mapping; an email domain is kept in lower case without a leading @.
    Appends `department_mapping.saved` with the mapping as it now is."""
    errors: dict[str, list[str]] = {}
    value = value.strip()
    claim = claim.strip()
    if kind == DepartmentMapping.Kind.EMAIL_DOMAIN:
        value = value.lstrip("@").lower()
        claim = ""
        if not value or "@" in value or "." not in value:
            errors["value"] = ["Enter an email domain, like dps.gov.uk"]
    elif kind == DepartmentMapping.Kind.CLAIM:
        if not claim:
            errors["claim"] = ["Enter the claim's name, like department or tid"]
        if not value:
            errors["value"] = ["Enter the claim's value"]
    else:
        errors["kind"] = ["Choose email domain or claim"]
    clash = DepartmentMapping.objects.filter(kind=kind, claim=claim, value=value)
    if mapping is not None:
        clash = clash.exclude(pk=mapping.pk)
    if not errors and clash.exists():
        errors["value"] = ["This domain or claim value already maps to a department"]
    if errors:
        raise ValidationFailed(errors)
    target = mapping or DepartmentMapping()
    target.department, target.kind, target.claim, target.value = department, kind, claim, value
    target.save()
    audit_append(
        action="department_mapping.saved",
        actor=by,
        object_type="department_mapping",
        object_id=target.pk,
        payload={"kind": kind, "claim": claim, "value": value, "department": department.code},
    )
    return target


@transaction.atomic
def department_mapping_delete(*, by: User | None, mapping: DepartmentMapping) -> None:
    """Remove a mapping (people already admitted keep their accounts); appends
    `department_mapping.deleted`."""
    payload = {
        "kind": mapping.kind,
        "claim": mapping.claim,
        "value": mapping.value,
        "department": mapping.department.code,
    }
    object_id = mapping.pk
    mapping.delete()
    audit_append(
        action="department_mapping.deleted",
        actor=by,
        object_type="department_mapping",
        object_id=object_id,
        payload=payload,
    )


# The department administrator -------------------------------------------------------------------

# What a department administrator may grant or take away in their own department.
GRANTABLE_BY_DEPARTMENT_ADMIN = frozenset({Role.COMMERCIAL, Role.NONE})


def _own_department(by: User) -> Department:
    if by.role != Role.DEPARTMENT_ADMIN or by.department is None:
        raise PermissionError("Only a department administrator manages their department.")
    return by.department


@transaction.atomic
def invitation_create(*, by: User, email: str) -> Invitation:
    """A department administrator invites a colleague by email to their own department: the
    colleague's first sign-in (their email verified, their claims mapping to this department)
    gets the commercial role. Appends `invitation.created`. ValidationFailed on `email`: not an
    address, its domain maps to another department, or to none of this department's (unless a
    claim mapping admits the department's people whatever their address: nobody could accept
    it), already invited, or already a member."""
    department = _own_department(by)
    email = email.strip()
    domain = email_domain(email)
    if not domain or "." not in domain or len(email) > 254 or any(ch.isspace() for ch in email):
        raise ValidationFailed(
            {"email": ["Enter an email address in the correct format, like name@example.gov.uk"]}
        )
    other = (
        DepartmentMapping.objects.filter(kind=DepartmentMapping.Kind.EMAIL_DOMAIN, value=domain)
        .exclude(department=department)
        .exists()
    )
    if other:
        raise ValidationFailed(
            {"email": [f"Email addresses at {domain} belong to another department"]}
        )
    own = DepartmentMapping.objects.filter(department=department)
    if (
        not own.filter(kind=DepartmentMapping.Kind.EMAIL_DOMAIN, value=domain).exists()
        and not own.filter(kind=DepartmentMapping.Kind.CLAIM).exists()
    ):
        # Nothing would admit them at sign-in: their domain is not the department's and the
        # department is not recognised by a claim (a tenant, say) whatever the address.
        domains = sorted(
            own.filter(kind=DepartmentMapping.Kind.EMAIL_DOMAIN).values_list("value", flat=True)
        )
        uses = ", ".join(domains) or "none is set up yet, ask the service administrator"
        raise ValidationFailed(
            {"email": [f"Enter an email address at a domain your department uses: {uses}"]}
        )
    if Invitation.objects.pending().filter(email__iexact=email).exists():
        raise ValidationFailed({"email": [f"{email} has already been invited"]})
    if User.objects.filter(department=department, email__iexact=email).exists():
        raise ValidationFailed(
            {"email": [f"{email} already has an account: grant them a role in the list below"]}
        )
    invitation = Invitation.objects.create(department=department, email=email, invited_by=by)
    audit_append(
        action="invitation.created",
        actor=by,
        object_type="invitation",
        object_id=invitation.pk,
        payload={"email": email},
    )
    invitation_notify(invitation)
    return invitation


def invitation_notify(invitation: Invitation) -> None:
    """Email the invited colleague that they may sign in with their department account
    (sourcing.notifications.notify, kind INVITATION, to the invited address with a link to the
    sign-in page; once per invitation). Called inside invitation_create's transaction: the
    email is written to the outbox now and sent after commit, never if the invitation is
    rolled back."""
    inviter = invitation.invited_by
    notify(
        NotificationKind.INVITATION,
        to=[invitation.email],
        link=reverse("sign_in"),
        key=f"invitation:{invitation.pk}",
        context={
            "invited_by": inviter.get_full_name() or inviter.get_username(),
            "department": invitation.department.name,
        },
    )


@transaction.atomic
def invitation_withdraw(*, by: User, invitation: Invitation) -> None:
    """Withdraw a pending invitation of the administrator's department; appends
    `invitation.withdrawn`. ValidationFailed when it is no longer pending."""
    department = _own_department(by)
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if locked.department_id != department.pk:
        raise PermissionError("An invitation of another department.")
    if locked.accepted_at or locked.withdrawn_at:
        raise ValidationFailed({"invitation": ["This invitation is no longer pending"]})
    locked.withdrawn_at = timezone.now()
    locked.save(update_fields=["withdrawn_at"])
    audit_append(
        action="invitation.withdrawn",
        actor=by,
        object_type="invitation",
        object_id=locked.pk,
        payload={"email": locked.email},
    )


def _user_change(
    *, by: User, user: User, role: str, department: Department | None, is_active: bool = True
) -> User:
    """user_save with the role, department and activation given and everything else as is."""
    return user_save(
        by=by,
        user=user,
        username=user.username,
        role=role,
        department=department,
        first_name=user.first_name,
        last_name=user.last_name,
        email=user.email,
        is_active=is_active,
    )


@transaction.atomic
def member_role_set(*, by: User, member: User, role: str) -> User:
    """A department administrator grants (`commercial`) or takes away (`none`) the department
    commercial role of someone in their own department, through user_save (a `user.changed`
    event; taking it away revokes their API tokens). ValidationFailed on `role` for another
    role, for themselves or another administrator."""
    department = _own_department(by)
    if member.department_id != department.pk:
        raise PermissionError("Someone of another department.")
    if role not in GRANTABLE_BY_DEPARTMENT_ADMIN:
        raise ValidationFailed({"role": ["Choose department commercial user or no role"]})
    if member.pk == by.pk or member.role not in GRANTABLE_BY_DEPARTMENT_ADMIN:
        raise ValidationFailed(
            {"role": ["Only the service administrator changes this person's role"]}
        )
    return _user_change(
        by=by, user=member, role=role, department=department, is_active=member.is_active
    )


@transaction.atomic
def member_close(*, by: User, member: User) -> User:
    """A department administrator closes the account of someone of their own department (a
    leaver) through user_save with is_active false: a `user.changed` event; their API tokens
    are revoked, their open sessions sign nobody in from their next request, and signing in
    through their provider is refused. The account is kept (records name them); the service
    administrator may reopen it. ValidationFailed on `account`: themselves, another
    administrator, or closed already."""
    department = _own_department(by)
    if member.department_id != department.pk:
        raise PermissionError("Someone of another department.")
    if member.pk == by.pk or member.role not in GRANTABLE_BY_DEPARTMENT_ADMIN:
        raise ValidationFailed(
            {"account": ["Only the service administrator closes this person's account"]}
        )
    if not member.is_active:
        raise ValidationFailed({"account": ["This account is closed already"]})
    return _user_change(
        by=by, user=member, role=member.role, department=department, is_active=False
    )


# The service administrator: the Centre of Excellence's roles --------------------------------------


@transaction.atomic
def coe_role_set(*, by: User, person: User, role: str) -> User:
    """The service administrator grants a Centre of Excellence role (`reviewer`, `auditor`,
    `steward`) or takes it away (`none`), through user_save (a `user.changed` event with the
    fields changed; taking it away revokes their API tokens). Someone granted a CoE role
    leaves their department (CoE roles belong to none). ValidationFailed on `role`: another
    role; a person with a department's role (commercial, department administrator) or the
    administrator's own, who keep theirs; a closed account."""
    if by.role != Role.ADMIN:
        raise PermissionError("Only the service administrator grants the CoE's roles.")
    if role not in COE_ROLES and role != Role.NONE:
        raise ValidationFailed({"role": ["Choose reviewer, auditor, ruleset steward or no role"]})
    locked = User.objects.select_for_update().get(pk=person.pk)
    if locked.role not in COE_ROLES and locked.role != Role.NONE:
        raise ValidationFailed(
            {"role": [f"{locked.get_role_display()}s keep their role: it is not the CoE's"]}
        )
    if not locked.is_active:
        raise ValidationFailed({"role": ["This account is closed"]})
    department = None if role in COE_ROLES else locked.department
    return _user_change(
        by=by, user=locked, role=role, department=department, is_active=locked.is_active
    )
