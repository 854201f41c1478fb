"""Reads of organisations, members and tokens that depend on who is asking."""

from __future__ import annotations

from django.db.models import QuerySet

from akrites.accounts.models import ApiToken, Organisation, User
from akrites.domain.errors import NotFound
from akrites.domain.permissions import Permission
from akrites.domain.policy import Actor, OrgId, OrgResource, authorize, require


def organisations_visible_to(*, actor: Actor) -> QuerySet[Organisation]:
    if authorize(actor, Permission.ORGANISATION_LIST):
        return Organisation.objects.all()
    if actor.org_id is not None and authorize(
        actor, Permission.ORGANISATION_READ, OrgResource(actor.org_id)
    ):
        return Organisation.objects.filter(pk=actor.org_id)
    return Organisation.objects.none()


def organisation_get(*, actor: Actor, org_id: int) -> Organisation:
    """Missing and not-visible look the same."""
    org = organisations_visible_to(actor=actor).filter(pk=org_id).first()
    if org is None:
        raise NotFound("no such organisation")
    return org


def organisation_by_name(name: str) -> Organisation:
    """For the operator's command line only (no actor)."""
    org = Organisation.objects.filter(name__iexact=name.strip()).first() or (
        Organisation.objects.filter(slug=name.strip().lower()).first()
    )
    if org is None:
        raise NotFound(f"no organisation named '{name}'")
    return org


def members_visible_to(*, actor: Actor, organisation: Organisation) -> QuerySet[User]:
    require(actor, Permission.MEMBER_READ, OrgResource(OrgId(organisation.pk)))
    return User.objects.filter(organisation=organisation).prefetch_related("role_assignments")


def member_get(*, actor: Actor, user_id: int) -> User:
    user = User.objects.filter(pk=user_id).select_related("organisation").first()
    if user is None or not authorize(
        actor, Permission.MEMBER_READ, OrgResource(OrgId(user.organisation_id))
    ):
        raise NotFound("no such user")
    return user


def tokens_of(*, actor: Actor) -> QuerySet[ApiToken]:
    require(actor, Permission.TOKEN_MANAGE)
    return ApiToken.objects.filter(user_id=actor.user_id)
