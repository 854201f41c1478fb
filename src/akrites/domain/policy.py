"""THE authorisation decision. Nothing else in Akrites answers "may X do Y?".

``authorize`` fails closed: any condition it does not positively recognise is a denial,
and every denial carries a reason a person can act on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NewType

from akrites.domain.errors import Forbidden
from akrites.domain.permissions import (
    MFA_REQUIRED_KINDS,
    OrgKind,
    Permission,
    Role,
    Scope,
    grants_for,
)

UserId = NewType("UserId", int)
OrgId = NewType("OrgId", int)


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting: a signed-in user, a bearer token acting as its user, or nobody."""

    user_id: UserId | None
    org_id: OrgId | None = None
    org_kind: OrgKind | None = None
    roles: frozenset[Role] = frozenset()
    is_active: bool = True
    mfa_verified: bool = False
    token_scopes: frozenset[Permission] | None = None  # None: an interactive session
    is_system: bool = False  # the local operator at the command line, never a web request
    mfa_enrolled: bool = False  # has a confirmed second factor, so must use it

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    @property
    def via_token(self) -> bool:
        return self.token_scopes is not None

    @property
    def is_sirt(self) -> bool:
        return self.org_kind is OrgKind.SIRT

    @property
    def needs_second_factor(self) -> bool:
        """Signed in with a password only, where a second factor is required or enrolled."""
        return (
            self.is_authenticated
            and not self.via_token
            and not self.mfa_verified
            and (self.org_kind in MFA_REQUIRED_KINDS or self.mfa_enrolled)
        )


ANONYMOUS = Actor(user_id=None)
# The operator running `akrites ...` on the server: whoever can run it can already read
# the database, so policy does not pretend to restrict them; their acts are still audited.
SYSTEM = Actor(user_id=None, is_system=True)


@dataclass(frozen=True, slots=True)
class OrgResource:
    """An organisation itself (its profile, its members)."""

    org_id: OrgId


@dataclass(frozen=True, slots=True)
class OwnedResource:
    """A resource owned by an organisation, e.g. a component and its maintainer."""

    owner_org_id: OrgId | None


@dataclass(frozen=True, slots=True)
class CaseResource:
    """A case: who has been read in to it (need-to-know is per user, not per organisation)."""

    participant_user_ids: frozenset[UserId] = frozenset()


Resource = OrgResource | OwnedResource | CaseResource


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    reason: str

    def __bool__(self) -> bool:
        return self.allowed


def _owner(resource: Resource) -> OrgId | None:
    if isinstance(resource, OrgResource):
        return resource.org_id
    if isinstance(resource, OwnedResource):
        return resource.owner_org_id
    return None


def _scoped_allows(actor: Actor, scopes: set[Scope], resource: Resource) -> bool:
    if Scope.OWN_ORG in scopes:
        owner = _owner(resource)
        if owner is not None and owner == actor.org_id:
            return True
    return (
        Scope.PARTICIPANT in scopes
        and isinstance(resource, CaseResource)
        and actor.user_id in resource.participant_user_ids
    )


def authorize(actor: Actor, permission: Permission, resource: Resource | None = None) -> Decision:
    """May ``actor`` exercise ``permission`` on ``resource``?"""
    return _decide(actor, permission, resource, any_resource=False)


def may_ever(actor: Actor, permission: Permission) -> Decision:
    """Could ``actor`` exercise ``permission`` on at least one resource?

    Gates an endpoint before the resource is loaded; the service or selector then
    decides for the actual resource with :func:`authorize`.
    """
    return _decide(actor, permission, None, any_resource=True)


def _decide(
    actor: Actor, permission: Permission, resource: Resource | None, *, any_resource: bool
) -> Decision:
    if actor.is_system:
        return Decision(allowed=True, reason="local operator at the command line")
    if not actor.is_authenticated:
        return Decision(allowed=False, reason="sign in required")
    if not actor.is_active:
        return Decision(allowed=False, reason="this account is deactivated")
    if actor.token_scopes is not None and permission not in actor.token_scopes:
        return Decision(allowed=False, reason=f"the API token lacks the scope '{permission}'")
    if actor.needs_second_factor:
        return Decision(
            allowed=False,
            reason="two-factor authentication is required: enter the code from your "
            "authenticator first",
        )
    scopes = {g.scope for g in grants_for(actor.roles) if g.permission is permission}
    if not scopes:
        roles = ", ".join(sorted(actor.roles)) or "no role"
        return Decision(allowed=False, reason=f"your role ({roles}) does not grant '{permission}'")
    if Scope.ANY in scopes:
        return Decision(allowed=True, reason="granted by role")
    # Only scoped grants remain (own organisation, case participant): they need a resource.
    if any_resource:
        return Decision(allowed=True, reason="granted for your own items")
    if resource is not None and _scoped_allows(actor, scopes, resource):
        return Decision(allowed=True, reason="granted for your own items")
    return Decision(
        allowed=False,
        reason=f"'{permission}' applies only to your own organisation's items or to cases "
        "you have been read in to",
    )


def require(actor: Actor, permission: Permission, resource: Resource | None = None) -> None:
    """``authorize`` for services: raise :class:`Forbidden` with the reason on denial."""
    decision = authorize(actor, permission, resource)
    if not decision.allowed:
        raise Forbidden(decision.reason)
