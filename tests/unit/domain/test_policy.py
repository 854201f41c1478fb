"""The permission matrix and the decision function."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from akrites.domain.permissions import (
    MFA_REQUIRED_KINDS,
    ROLE_GRANTS,
    ROLE_ORG_KINDS,
    TOKEN_FORBIDDEN,
    OrgKind,
    Permission,
    Role,
    Scope,
    permissions_for,
    role_allowed_in,
    token_scopes_allowed,
)
from akrites.domain.policy import (
    ANONYMOUS,
    SYSTEM,
    Actor,
    CaseResource,
    OrgId,
    OrgResource,
    OwnedResource,
    UserId,
    authorize,
    may_ever,
)

P = Permission

# The exact ACL, written out by hand: a change to the matrix must change this test too.
EXPECTED: dict[Role, dict[Permission, Scope]] = {
    Role.ADMIN: {
        P.PROFILE_READ: Scope.ANY,
        P.ORGANISATION_READ: Scope.OWN_ORG,
        P.MEMBER_READ: Scope.OWN_ORG,
        P.TOKEN_MANAGE: Scope.ANY,
        P.COMPONENT_READ: Scope.ANY,
        P.MEMBER_MANAGE: Scope.OWN_ORG,
        P.WEBHOOK_MANAGE: Scope.OWN_ORG,
    },
    Role.COORDINATOR: {
        P.PROFILE_READ: Scope.ANY,
        P.ORGANISATION_READ: Scope.ANY,
        P.ORGANISATION_LIST: Scope.ANY,
        P.ORGANISATION_CREATE: Scope.ANY,
        P.MEMBER_READ: Scope.ANY,
        P.TOKEN_MANAGE: Scope.ANY,
        P.COMPONENT_READ: Scope.ANY,
        P.COMPONENT_CREATE: Scope.ANY,
        P.COMPONENT_EDIT: Scope.ANY,
        P.COMPONENT_CLASSIFY: Scope.ANY,
        P.CONTACT_READ: Scope.ANY,
        P.CONTACT_MANAGE: Scope.ANY,
        P.AUDIT_READ: Scope.ANY,
        P.AUDIT_VERIFY: Scope.ANY,
        P.REPORT_SUBMIT: Scope.ANY,
        P.REPORT_READ: Scope.ANY,
        P.CASE_READ: Scope.ANY,
        P.CASE_TRIAGE: Scope.ANY,
        P.CASE_COORDINATE: Scope.ANY,
        P.CASE_FIX: Scope.ANY,
        P.CASE_PUBLISH: Scope.ANY,
        P.CASE_MESSAGE: Scope.ANY,
    },
    Role.ANALYST: {
        P.PROFILE_READ: Scope.ANY,
        P.ORGANISATION_READ: Scope.ANY,
        P.ORGANISATION_LIST: Scope.ANY,
        P.MEMBER_READ: Scope.OWN_ORG,
        P.TOKEN_MANAGE: Scope.ANY,
        P.COMPONENT_READ: Scope.ANY,
        P.CONTACT_READ: Scope.ANY,
        P.REPORT_READ: Scope.ANY,
        P.CASE_READ: Scope.ANY,
        P.CASE_TRIAGE: Scope.ANY,
    },
    Role.REPORTER: {
        P.PROFILE_READ: Scope.ANY,
        P.ORGANISATION_READ: Scope.OWN_ORG,
        P.MEMBER_READ: Scope.OWN_ORG,
        P.TOKEN_MANAGE: Scope.ANY,
        P.COMPONENT_READ: Scope.ANY,
        P.REPORT_SUBMIT: Scope.ANY,
        P.REPORT_READ: Scope.OWN_ORG,
        P.REPORT_CREDIT: Scope.OWN_ORG,
        P.CASE_READ: Scope.PARTICIPANT,
        P.CASE_MESSAGE: Scope.PARTICIPANT,
    },
    Role.MAINTAINER: {
        P.PROFILE_READ: Scope.ANY,
        P.ORGANISATION_READ: Scope.OWN_ORG,
        P.MEMBER_READ: Scope.OWN_ORG,
        P.TOKEN_MANAGE: Scope.ANY,
        P.COMPONENT_READ: Scope.ANY,
        P.COMPONENT_EDIT: Scope.OWN_ORG,
        P.CONTACT_READ: Scope.OWN_ORG,
        P.CONTACT_MANAGE: Scope.OWN_ORG,
        P.CASE_READ: Scope.PARTICIPANT,
        P.CASE_FIX: Scope.PARTICIPANT,
        P.CASE_MESSAGE: Scope.PARTICIPANT,
    },
    Role.VENDOR: {
        P.PROFILE_READ: Scope.ANY,
        P.ORGANISATION_READ: Scope.OWN_ORG,
        P.MEMBER_READ: Scope.OWN_ORG,
        P.TOKEN_MANAGE: Scope.ANY,
        P.COMPONENT_READ: Scope.ANY,
        P.CASE_READ: Scope.PARTICIPANT,
        P.CASE_MESSAGE: Scope.PARTICIPANT,
    },
    Role.OPERATOR: {
        P.PROFILE_READ: Scope.ANY,
        P.ORGANISATION_READ: Scope.OWN_ORG,
        P.MEMBER_READ: Scope.OWN_ORG,
        P.TOKEN_MANAGE: Scope.ANY,
        P.COMPONENT_READ: Scope.ANY,
        P.CASE_READ: Scope.PARTICIPANT,
        P.CASE_MESSAGE: Scope.PARTICIPANT,
    },
    Role.OBSERVER: {P.PROFILE_READ: Scope.ANY, P.COMPONENT_READ: Scope.ANY},
}


def _widest(role: Role) -> dict[Permission, Scope]:
    out: dict[Permission, Scope] = {}
    for grant in ROLE_GRANTS[role]:
        if out.get(grant.permission) is not Scope.ANY:
            out[grant.permission] = grant.scope
    return out


def test_role_matrix_is_exactly_the_documented_acl() -> None:
    assert {role: _widest(role) for role in Role} == EXPECTED


def test_only_sirt_organisations_hold_sirt_roles() -> None:
    assert ROLE_ORG_KINDS[Role.COORDINATOR] == {OrgKind.SIRT}
    assert ROLE_ORG_KINDS[Role.ANALYST] == {OrgKind.SIRT}
    assert not role_allowed_in(Role.REPORTER, OrgKind.SIRT)
    assert role_allowed_in(Role.MAINTAINER, OrgKind.MAINTAINER)
    assert not role_allowed_in(Role.MAINTAINER, OrgKind.VENDOR)


def _actor(kind: OrgKind, *roles: Role, org: int = 1, **kw: object) -> Actor:
    kw.setdefault("mfa_verified", True)
    return Actor(user_id=UserId(7), org_id=OrgId(org), org_kind=kind, roles=frozenset(roles), **kw)  # type: ignore[arg-type]


def test_anonymous_is_denied_everything_with_a_reason() -> None:
    for perm in Permission:
        decision = authorize(ANONYMOUS, perm)
        assert not decision
        assert decision.reason == "sign in required"


def test_system_actor_is_the_command_line_operator() -> None:
    assert all(authorize(SYSTEM, p) for p in Permission)


def test_deactivated_user_is_denied() -> None:
    actor = _actor(OrgKind.SIRT, Role.COORDINATOR, is_active=False)
    assert not authorize(actor, P.COMPONENT_READ)


def test_sirt_staff_need_a_verified_second_factor() -> None:
    unverified = Actor(
        user_id=UserId(1),
        org_id=OrgId(1),
        org_kind=OrgKind.SIRT,
        roles=frozenset({Role.COORDINATOR}),
        mfa_verified=False,
    )
    decision = authorize(unverified, P.COMPONENT_CREATE)
    assert not decision
    assert "two-factor" in decision.reason
    assert authorize(_actor(OrgKind.SIRT, Role.COORDINATOR), P.COMPONENT_CREATE)


def test_enrolled_non_sirt_user_must_verify_too() -> None:
    actor = Actor(
        user_id=UserId(1),
        org_id=OrgId(1),
        org_kind=OrgKind.FINDER,
        roles=frozenset({Role.REPORTER}),
        mfa_enrolled=True,
    )
    assert not authorize(actor, P.PROFILE_READ)
    plain = Actor(
        user_id=UserId(1),
        org_id=OrgId(1),
        org_kind=OrgKind.FINDER,
        roles=frozenset({Role.REPORTER}),
    )
    assert authorize(plain, P.PROFILE_READ)


def test_own_org_grant_needs_the_resource_to_be_ours() -> None:
    maintainer = _actor(OrgKind.MAINTAINER, Role.MAINTAINER, org=5)
    assert authorize(maintainer, P.COMPONENT_EDIT, OwnedResource(OrgId(5)))
    assert not authorize(maintainer, P.COMPONENT_EDIT, OwnedResource(OrgId(6)))
    assert not authorize(maintainer, P.COMPONENT_EDIT, OwnedResource(None))
    assert not authorize(maintainer, P.COMPONENT_EDIT)  # no resource: fail closed
    assert may_ever(maintainer, P.COMPONENT_EDIT)  # the endpoint may be opened


def test_participant_grant_needs_the_user_to_be_read_in() -> None:
    maintainer = _actor(OrgKind.MAINTAINER, Role.MAINTAINER, org=5)
    read_in = CaseResource(participant_user_ids=frozenset({UserId(7)}))
    colleague_read_in = CaseResource(participant_user_ids=frozenset({UserId(8)}))
    assert authorize(maintainer, P.CASE_READ, read_in)
    assert authorize(maintainer, P.CASE_FIX, read_in)
    assert not authorize(maintainer, P.CASE_READ, colleague_read_in)
    assert not authorize(maintainer, P.CASE_READ, OwnedResource(OrgId(5)))
    assert not authorize(maintainer, P.CASE_PUBLISH, read_in)


def test_admin_manages_members_of_own_organisation_only() -> None:
    admin = _actor(OrgKind.VENDOR, Role.ADMIN, org=3)
    assert authorize(admin, P.MEMBER_MANAGE, OrgResource(OrgId(3)))
    assert not authorize(admin, P.MEMBER_MANAGE, OrgResource(OrgId(4)))


def test_token_scope_limits_the_user() -> None:
    actor = _actor(
        OrgKind.SIRT,
        Role.COORDINATOR,
        token_scopes=frozenset({P.COMPONENT_READ}),
        mfa_verified=False,
    )
    assert authorize(actor, P.COMPONENT_READ)  # tokens are not asked for a second factor
    decision = authorize(actor, P.COMPONENT_CREATE)
    assert not decision
    assert "scope" in decision.reason


def test_tokens_can_never_manage_tokens_or_members() -> None:
    for role in Role:
        assert not (token_scopes_allowed(frozenset({role})) & TOKEN_FORBIDDEN)


roles_st = st.frozensets(st.sampled_from(list(Role)), max_size=4)
kinds_st = st.sampled_from(list(OrgKind))
perms_st = st.sampled_from(list(Permission))
resources_st = st.one_of(
    st.none(),
    st.builds(CaseResource, st.frozensets(st.integers(1, 3).map(UserId))),
    st.builds(OrgResource, st.integers(1, 4).map(OrgId)),
    st.builds(OwnedResource, st.one_of(st.none(), st.integers(1, 4).map(OrgId))),
)


@given(
    roles=roles_st,
    kind=kinds_st,
    perm=perms_st,
    resource=resources_st,
    org=st.integers(1, 4),
    scopes=st.frozensets(perms_st),
)
def test_a_token_never_grants_more_than_its_user_has(
    roles: frozenset[Role],
    kind: OrgKind,
    perm: Permission,
    resource: OrgResource | OwnedResource | None,
    org: int,
    scopes: frozenset[Permission],
) -> None:
    user = Actor(
        user_id=UserId(1), org_id=OrgId(org), org_kind=kind, roles=roles, mfa_verified=True
    )
    token = Actor(
        user_id=UserId(1), org_id=OrgId(org), org_kind=kind, roles=roles, token_scopes=scopes
    )
    if authorize(token, perm, resource):
        assert authorize(user, perm, resource)
        assert perm in scopes


@given(roles=roles_st, kind=kinds_st, perm=perms_st, resource=resources_st, org=st.integers(1, 4))
def test_allowed_implies_role_grants_the_permission(
    roles: frozenset[Role],
    kind: OrgKind,
    perm: Permission,
    resource: OrgResource | OwnedResource | None,
    org: int,
) -> None:
    actor = Actor(
        user_id=UserId(1), org_id=OrgId(org), org_kind=kind, roles=roles, mfa_verified=True
    )
    decision = authorize(actor, perm, resource)
    assert bool(decision) == decision.allowed
    if decision:
        assert perm in permissions_for(roles)
        assert may_ever(actor, perm)
    else:
        assert decision.reason


@given(roles=roles_st, perm=perms_st, org=st.integers(1, 4))
def test_unverified_sirt_staff_are_denied_everything(
    roles: frozenset[Role], perm: Permission, org: int
) -> None:
    for kind in MFA_REQUIRED_KINDS:
        actor = Actor(user_id=UserId(1), org_id=OrgId(org), org_kind=kind, roles=roles)
        assert not authorize(actor, perm)
