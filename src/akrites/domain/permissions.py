"""The permission vocabulary and the role matrix, as data.

Every permission is named ``area:resource:action``. Call sites use the enum members,
never string literals, so a typo is an import error rather than a silent denial.
``docs/permissions.md`` is generated from this module (``akrites docs``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class Permission(StrEnum):
    PROFILE_READ = "accounts:profile:read"
    ORGANISATION_READ = "accounts:organisation:read"
    ORGANISATION_LIST = "accounts:organisation:list"
    ORGANISATION_CREATE = "accounts:organisation:create"
    MEMBER_READ = "accounts:member:read"
    MEMBER_MANAGE = "accounts:member:manage"
    TOKEN_MANAGE = "accounts:token:manage"
    COMPONENT_READ = "registry:component:read"
    COMPONENT_CREATE = "registry:component:create"
    COMPONENT_EDIT = "registry:component:edit"
    COMPONENT_CLASSIFY = "registry:component:classify"
    CONTACT_READ = "registry:contact:read"
    CONTACT_MANAGE = "registry:contact:manage"
    AUDIT_READ = "audit:event:read"
    AUDIT_VERIFY = "audit:chain:verify"
    REPORT_SUBMIT = "intake:report:submit"
    REPORT_READ = "intake:report:read"
    REPORT_CREDIT = "intake:report:credit"  # how the finder is credited: theirs alone
    CASE_READ = "cases:case:read"
    CASE_TRIAGE = "cases:case:triage"
    CASE_COORDINATE = "cases:case:coordinate"
    CASE_FIX = "cases:case:fix"
    CASE_PUBLISH = "cases:case:publish"
    CASE_MESSAGE = "cases:message:post"
    WEBHOOK_MANAGE = "accounts:webhook:manage"


class Role(StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    ANALYST = "analyst"
    REPORTER = "reporter"
    MAINTAINER = "maintainer"
    VENDOR = "vendor"
    OPERATOR = "operator"
    OBSERVER = "observer"


class OrgKind(StrEnum):
    SIRT = "sirt"
    FINDER = "finder"
    MAINTAINER = "maintainer"
    VENDOR = "vendor"
    DISTRIBUTOR = "distributor"
    OPERATOR = "operator"
    GOVERNMENT = "government"


class Scope(StrEnum):
    """How far a grant reaches."""

    ANY = "any"  # every resource of that type
    OWN_ORG = "own-org"  # only resources owned by (or being) the actor's organisation
    PARTICIPANT = "participant"  # only cases the actor has been read in to


@dataclass(frozen=True, slots=True)
class Grant:
    permission: Permission
    scope: Scope = Scope.ANY


P = Permission
_EVERYONE: tuple[Grant, ...] = (
    Grant(P.PROFILE_READ),
    Grant(P.ORGANISATION_READ, Scope.OWN_ORG),
    Grant(P.MEMBER_READ, Scope.OWN_ORG),
    Grant(P.TOKEN_MANAGE),
    Grant(P.COMPONENT_READ),
)
_POST_AS_PARTICIPANT = Grant(P.CASE_MESSAGE, Scope.PARTICIPANT)

ROLE_GRANTS: Mapping[Role, tuple[Grant, ...]] = {
    Role.ADMIN: (
        *_EVERYONE,
        Grant(P.MEMBER_MANAGE, Scope.OWN_ORG),
        Grant(P.WEBHOOK_MANAGE, Scope.OWN_ORG),
    ),
    Role.COORDINATOR: (
        *_EVERYONE,
        Grant(P.ORGANISATION_READ),
        Grant(P.ORGANISATION_LIST),
        Grant(P.ORGANISATION_CREATE),
        Grant(P.MEMBER_READ),
        Grant(P.COMPONENT_CREATE),
        Grant(P.COMPONENT_EDIT),
        Grant(P.COMPONENT_CLASSIFY),
        Grant(P.CONTACT_READ),
        Grant(P.CONTACT_MANAGE),
        Grant(P.AUDIT_READ),
        Grant(P.AUDIT_VERIFY),
        Grant(P.REPORT_SUBMIT),
        Grant(P.REPORT_READ),
        Grant(P.CASE_READ),
        Grant(P.CASE_TRIAGE),
        Grant(P.CASE_COORDINATE),
        Grant(P.CASE_FIX),
        Grant(P.CASE_PUBLISH),
        Grant(P.CASE_MESSAGE),
    ),
    Role.ANALYST: (
        *_EVERYONE,
        Grant(P.ORGANISATION_READ),
        Grant(P.ORGANISATION_LIST),
        Grant(P.CONTACT_READ),
        Grant(P.REPORT_READ),
        Grant(P.CASE_READ),
        Grant(P.CASE_TRIAGE),
    ),
    Role.REPORTER: (
        *_EVERYONE,
        Grant(P.REPORT_SUBMIT),
        Grant(P.REPORT_READ, Scope.OWN_ORG),
        Grant(P.REPORT_CREDIT, Scope.OWN_ORG),
        Grant(P.CASE_READ, Scope.PARTICIPANT),
        _POST_AS_PARTICIPANT,
    ),
    Role.MAINTAINER: (
        *_EVERYONE,
        Grant(P.COMPONENT_EDIT, Scope.OWN_ORG),
        Grant(P.CONTACT_READ, Scope.OWN_ORG),
        Grant(P.CONTACT_MANAGE, Scope.OWN_ORG),
        Grant(P.CASE_READ, Scope.PARTICIPANT),
        Grant(P.CASE_FIX, Scope.PARTICIPANT),
        _POST_AS_PARTICIPANT,
    ),
    Role.VENDOR: (*_EVERYONE, Grant(P.CASE_READ, Scope.PARTICIPANT), _POST_AS_PARTICIPANT),
    Role.OPERATOR: (*_EVERYONE, Grant(P.CASE_READ, Scope.PARTICIPANT), _POST_AS_PARTICIPANT),
    Role.OBSERVER: (Grant(P.PROFILE_READ), Grant(P.COMPONENT_READ)),
}

_ANY_KIND = frozenset(OrgKind)
ROLE_ORG_KINDS: Mapping[Role, frozenset[OrgKind]] = {
    Role.ADMIN: _ANY_KIND,
    Role.COORDINATOR: frozenset({OrgKind.SIRT}),
    Role.ANALYST: frozenset({OrgKind.SIRT}),
    Role.REPORTER: _ANY_KIND - {OrgKind.SIRT},
    Role.MAINTAINER: frozenset({OrgKind.MAINTAINER}),
    Role.VENDOR: frozenset({OrgKind.VENDOR, OrgKind.DISTRIBUTOR}),
    Role.OPERATOR: frozenset({OrgKind.OPERATOR}),
    Role.OBSERVER: _ANY_KIND,
}

# Scopes a bearer token may never carry: a leaked token must not mint more tokens
# or change who belongs to an organisation.
TOKEN_FORBIDDEN: frozenset[Permission] = frozenset({P.TOKEN_MANAGE, P.MEMBER_MANAGE})

# Organisation kinds whose members must use two-factor authentication.
MFA_REQUIRED_KINDS: frozenset[OrgKind] = frozenset({OrgKind.SIRT})


def role_allowed_in(role: Role, kind: OrgKind) -> bool:
    return kind in ROLE_ORG_KINDS[role]


def grants_for(roles: frozenset[Role]) -> frozenset[Grant]:
    return frozenset(g for role in roles for g in ROLE_GRANTS[role])


def permissions_for(roles: frozenset[Role]) -> frozenset[Permission]:
    return frozenset(g.permission for g in grants_for(roles))


def token_scopes_allowed(roles: frozenset[Role]) -> frozenset[Permission]:
    return permissions_for(roles) - TOKEN_FORBIDDEN


def render_markdown() -> str:
    """The permission reference, generated so it cannot drift from the matrix."""
    roles = list(Role)
    lines = [
        "# Permissions",
        "",
        "Generated from `akrites.domain.permissions` by `akrites docs`; do not edit by hand.",
        "",
        "`any`: every resource of that type. `own-org`: only resources of the actor's own",
        "organisation. `participant`: only cases the user has been read in to.",
        "Members of organisation kinds "
        + ", ".join(f"`{k}`" for k in sorted(MFA_REQUIRED_KINDS))
        + " must be signed in with two-factor authentication for any permission to apply.",
        "",
        "| permission | " + " | ".join(r.value for r in roles) + " |",
        "|---|" + "---|" * len(roles),
    ]
    for perm in Permission:
        cells = []
        for role in roles:
            scopes = sorted(g.scope.value for g in ROLE_GRANTS[role] if g.permission is perm)
            cells.append(Scope.ANY.value if Scope.ANY.value in scopes else ", ".join(scopes))
        lines.append(f"| `{perm.value}` | " + " | ".join(cells) + " |")
    lines += ["", "## Roles by organisation kind", "", "| role | organisation kinds |", "|---|---|"]
    for role in roles:
        kinds = ", ".join(k.value for k in OrgKind if k in ROLE_ORG_KINDS[role])
        lines.append(f"| `{role.value}` | {kinds} |")
    lines += [
        "",
        "## API token scopes",
        "",
        "A token carries a subset of its user's permissions, never: "
        + ", ".join(f"`{p.value}`" for p in sorted(TOKEN_FORBIDDEN))
        + ".",
        "",
    ]
    return "\n".join(lines)
