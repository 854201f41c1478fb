"""Every write to organisations, users, roles, tokens and second factors.

Each function checks policy, changes the database and records the audit event in the
same transaction.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import available_timezones

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django_otp.plugins.otp_totp.models import TOTPDevice

from akrites.accounts.models import ApiToken, Organisation, RoleAssignment, User
from akrites.audit.services import audit_record
from akrites.domain.audit import AuditAction
from akrites.domain.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthenticated
from akrites.domain.permissions import (
    OrgKind,
    Permission,
    Role,
    role_allowed_in,
    token_scopes_allowed,
)
from akrites.domain.policy import Actor, OrgId, OrgResource, require

TOKEN_PREFIX = "akr_"
_LAST_USED_RESOLUTION = timedelta(minutes=1)


def _parse_kind(kind: str) -> OrgKind:
    try:
        return OrgKind(kind)
    except ValueError:
        known = ", ".join(k.value for k in OrgKind)
        raise InvalidInput(
            f"unknown organisation kind '{kind}': use one of {known}", field="kind"
        ) from None


def _parse_roles(roles: Iterable[str], kind: OrgKind) -> frozenset[Role]:
    parsed: set[Role] = set()
    for raw in roles:
        try:
            role = Role(raw)
        except ValueError:
            known = ", ".join(r.value for r in Role)
            raise InvalidInput(f"unknown role '{raw}': use one of {known}", field="roles") from None
        if not role_allowed_in(role, kind):
            raise InvalidInput(
                f"the role '{role}' does not exist in a '{kind}' organisation", field="roles"
            )
        parsed.add(role)
    if not parsed:
        raise InvalidInput("give the user at least one role", field="roles")
    return frozenset(parsed)


def organisation_create(*, actor: Actor, name: str, kind: str, website: str = "") -> Organisation:
    require(actor, Permission.ORGANISATION_CREATE)
    name = name.strip()
    if not name:
        raise InvalidInput("the organisation needs a name", field="name")
    org_kind = _parse_kind(kind)
    slug = slugify(name)[:80]
    if not slug:
        raise InvalidInput("the name must contain letters or digits", field="name")
    with transaction.atomic():
        if (
            Organisation.objects.filter(name__iexact=name).exists()
            or Organisation.objects.filter(slug=slug).exists()
        ):
            raise Conflict(f"an organisation named '{name}' already exists", field="name")
        org = Organisation.objects.create(
            name=name, slug=slug, kind=org_kind.value, website=website
        )
        audit_record(
            actor=actor,
            action=AuditAction.ORGANISATION_CREATED,
            target_type="organisation",
            target_id=org.pk,
            data={"name": name, "kind": org_kind.value},
        )
    return org


def _validated_email(email: str) -> str:
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidInput(f"'{email}' is not a valid e-mail address", field="email") from None
    return email


def _validated_password(password: str, user: User | None = None) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput(" ".join(exc.messages), field="password") from None


def user_create(
    *,
    actor: Actor,
    email: str,
    organisation: Organisation,
    roles: Iterable[str],
    password: str | None = None,
    display_name: str = "",
) -> User:
    require(actor, Permission.MEMBER_MANAGE, OrgResource(OrgId(organisation.pk)))
    email = _validated_email(email)
    role_set = _parse_roles(roles, organisation.org_kind)
    probe = User(email=email, display_name=display_name, organisation=organisation)
    if password is not None:
        _validated_password(password, probe)
    with transaction.atomic():
        if User.objects.filter(email=email).exists():
            raise Conflict(f"a user with the e-mail '{email}' already exists", field="email")
        try:
            with transaction.atomic():
                user = User.objects.create_user(
                    email, password, display_name=display_name, organisation=organisation
                )
        except IntegrityError:
            raise Conflict(
                f"a user with the e-mail '{email}' already exists", field="email"
            ) from None
        RoleAssignment.objects.bulk_create(RoleAssignment(user=user, role=r) for r in role_set)
        audit_record(
            actor=actor,
            action=AuditAction.USER_CREATED,
            target_type="user",
            target_id=user.pk,
            data={"email": email, "organisation": organisation.pk, "roles": sorted(role_set)},
        )
    return user


def _member_of_managed_org(actor: Actor, user: User) -> None:
    require(actor, Permission.MEMBER_MANAGE, OrgResource(OrgId(user.organisation_id)))


def user_set_roles(*, actor: Actor, user: User, roles: Iterable[str]) -> None:
    _member_of_managed_org(actor, user)
    role_set = _parse_roles(roles, user.organisation.org_kind)
    with transaction.atomic():
        before = sorted(user.role_assignments.values_list("role", flat=True))
        if Role.ADMIN.value in before and Role.ADMIN not in role_set:
            other_admins = RoleAssignment.objects.filter(
                user__organisation_id=user.organisation_id,
                user__is_active=True,
                role=Role.ADMIN.value,
            ).exclude(user=user)
            if not other_admins.exists():
                raise InvalidInput(
                    "this is the organisation's last administrator: make someone else an "
                    "administrator first",
                    field="roles",
                )
        RoleAssignment.objects.filter(user=user).delete()
        RoleAssignment.objects.bulk_create(RoleAssignment(user=user, role=r) for r in role_set)
        audit_record(
            actor=actor,
            action=AuditAction.USER_ROLES_CHANGED,
            target_type="user",
            target_id=user.pk,
            data={"before": before, "after": sorted(role_set)},
        )


def user_set_active(*, actor: Actor, user: User, active: bool) -> None:
    _member_of_managed_org(actor, user)
    if not active and actor.user_id == user.pk:
        raise InvalidInput("you cannot deactivate your own account", field="user")
    if user.is_active == active:
        return
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(is_active=active)
        user.is_active = active
        audit_record(
            actor=actor,
            action=AuditAction.USER_REACTIVATED if active else AuditAction.USER_DEACTIVATED,
            target_type="user",
            target_id=user.pk,
            data={},
        )


def user_set_password(*, actor: Actor, user: User, password: str) -> None:
    if not actor.is_system and actor.user_id != user.pk:
        raise Forbidden("you can only change your own password")
    _validated_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        audit_record(
            actor=actor,
            action=AuditAction.USER_PASSWORD_SET,
            target_type="user",
            target_id=user.pk,
            data={},
        )


def user_set_time_zone(*, actor: Actor, user: User, time_zone: str) -> None:
    """Times are stored in UTC; each person chooses the zone they are shown in."""
    if not actor.is_system and actor.user_id != user.pk:
        raise Forbidden("you can only change your own time zone")
    zone = time_zone.strip()
    if zone not in available_timezones():
        raise InvalidInput(
            f"unknown time zone '{zone}': use an IANA name such as Europe/Athens", field="time_zone"
        )
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(time_zone=zone)
        user.time_zone = zone
        audit_record(
            actor=actor,
            action=AuditAction.USER_TIME_ZONE_SET,
            target_type="user",
            target_id=user.pk,
            data={"time_zone": zone},
        )


# --- API tokens -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewToken:
    token: ApiToken
    secret: str  # shown once, never stored


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def default_token_scopes(roles: frozenset[Role]) -> frozenset[Permission]:
    """Read-only unless the user asks for more: a leaked default token cannot change anything."""
    return frozenset(p for p in token_scopes_allowed(roles) if p.value.endswith(":read"))


def _parse_scopes(scopes: Iterable[str], roles: frozenset[Role]) -> frozenset[Permission]:
    allowed = token_scopes_allowed(roles)
    parsed: set[Permission] = set()
    for raw in scopes:
        try:
            perm = Permission(raw)
        except ValueError:
            raise InvalidInput(f"unknown scope '{raw}'", field="scopes") from None
        if perm not in allowed:
            raise InvalidInput(
                f"the scope '{raw}' is not available to this user's roles", field="scopes"
            )
        parsed.add(perm)
    return frozenset(parsed)


def token_create(
    *,
    actor: Actor,
    user: User,
    name: str,
    scopes: Iterable[str] | None = None,
    expires_in_days: int | None = None,
) -> NewToken:
    if not actor.is_system:
        require(actor, Permission.TOKEN_MANAGE)
        if actor.user_id != user.pk:
            raise Forbidden("you can only create tokens for yourself")
    if not user.is_active:
        raise InvalidInput("the account is deactivated", field="user")
    name = name.strip()
    if not name:
        raise InvalidInput("give the token a name, e.g. the tool that will use it", field="name")
    roles = user.roles
    scope_set = default_token_scopes(roles) if scopes is None else _parse_scopes(scopes, roles)
    if scope_set:
        scope_set |= {Permission.PROFILE_READ}  # "who am I" is always answerable
    if not scope_set:
        raise InvalidInput("a token needs at least one scope", field="scopes")
    cfg = settings.AKRITES
    days = cfg.token_default_days if expires_in_days is None else expires_in_days
    if days < 1 or days > cfg.token_max_days:
        raise InvalidInput(
            f"a token must expire within 1 to {cfg.token_max_days} days", field="expires"
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name,
            prefix=secret[:12],
            digest=token_digest(secret),
            scopes=sorted(scope_set),
            expires_at=timezone.now() + timedelta(days=days),
        )
        audit_record(
            actor=actor,
            action=AuditAction.TOKEN_CREATED,
            target_type="token",
            target_id=token.pk,
            data={
                "user": user.pk,
                "name": name,
                "scopes": sorted(scope_set),
                "expires_at": token.expires_at.isoformat(),
            },
        )
    return NewToken(token=token, secret=secret)


def token_revoke(*, actor: Actor, token_id: int) -> ApiToken:
    if not actor.is_system:
        require(actor, Permission.TOKEN_MANAGE)
    try:
        token = ApiToken.objects.get(pk=token_id)
    except ApiToken.DoesNotExist:
        raise NotFound("no such token") from None
    if not actor.is_system and token.user_id != actor.user_id:
        raise NotFound("no such token")
    if token.revoked_at is not None:
        return token
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action=AuditAction.TOKEN_REVOKED,
            target_type="token",
            target_id=token.pk,
            data={"user": token.user_id},
        )
    return token


def token_authenticate(secret: str) -> tuple[User, frozenset[Permission]]:
    """Resolve a bearer secret to its user and scopes, or say precisely why not."""
    if not secret.startswith(TOKEN_PREFIX):
        raise Unauthenticated("that is not an Akrites API token", code="token_invalid")
    try:
        token = ApiToken.objects.select_related("user", "user__organisation").get(
            digest=token_digest(secret)
        )
    except ApiToken.DoesNotExist:
        raise Unauthenticated("unknown API token", code="token_invalid") from None
    now = timezone.now()
    if token.revoked_at is not None:
        raise Unauthenticated(
            f"this API token was revoked on {token.revoked_at:%Y-%m-%d}", code="token_revoked"
        )
    if token.expires_at <= now:
        raise Unauthenticated(
            f"this API token expired on {token.expires_at:%Y-%m-%d}", code="token_expired"
        )
    if not token.user.is_active:
        raise Unauthenticated(
            "the account of this API token is deactivated", code="account_deactivated"
        )
    if token.last_used_at is None or now - token.last_used_at > _LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user, frozenset(Permission(s) for s in token.scopes)


# --- Two-factor authentication --------------------------------------------------------


def totp_device_for_enrolment(*, user: User) -> TOTPDevice:
    """The user's pending (unconfirmed) authenticator, created on first request."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


def totp_confirm(*, actor: Actor, user: User, device: TOTPDevice, code: str) -> bool:
    if device.user_id != user.pk:
        raise NotFound("no such device")
    if not device.verify_token(code.strip()):
        return False
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit_record(
            actor=actor,
            action=AuditAction.MFA_ENROLLED,
            target_type="user",
            target_id=user.pk,
            data={"device": device.pk},
        )
    return True
