# No "from __future__ import annotations": django-ninja resolves these annotations at runtime.
from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.responses import Status

from akrites.accounts import selectors, services
from akrites.accounts.models import ApiToken, Organisation, User
from akrites.domain.errors import Forbidden, NotFound
from akrites.domain.permissions import Permission, permissions_for
from akrites.web.api_access import actor, api_requires

router = Router(tags=["accounts"])


class OrganisationOut(Schema):
    id: int
    name: str
    slug: str
    kind: str
    website: str


class OrganisationIn(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    kind: str
    website: str = ""


class MemberOut(Schema):
    id: int
    email: str
    display_name: str
    is_active: bool
    roles: list[str]


class MeOut(Schema):
    id: int
    email: str
    display_name: str
    organisation: OrganisationOut
    roles: list[str]
    permissions: list[str]
    via_token: bool


class TokenIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    scopes: list[str] | None = None
    expires_in_days: int | None = None


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreatedOut(TokenOut):
    secret: str = Field(..., description="Shown once; only a digest is stored.")


def _org(o: Organisation) -> OrganisationOut:
    return OrganisationOut(id=o.pk, name=o.name, slug=o.slug, kind=o.kind, website=o.website)


def _member(u: User) -> MemberOut:
    return MemberOut(
        id=u.pk,
        email=u.email,
        display_name=u.display_name,
        is_active=u.is_active,
        roles=sorted(r.role for r in u.role_assignments.all()),
    )


def _token(t: ApiToken) -> dict[str, object]:
    return {
        "id": t.pk,
        "name": t.name,
        "prefix": t.prefix,
        "scopes": t.scopes,
        "created_at": t.created_at,
        "expires_at": t.expires_at,
        "last_used_at": t.last_used_at,
        "revoked_at": t.revoked_at,
    }


@router.get("/me", response=MeOut)
@api_requires(Permission.PROFILE_READ)
def me(request: HttpRequest) -> MeOut:
    a = actor(request)
    user = User.objects.select_related("organisation").get(pk=a.user_id)
    perms = permissions_for(a.roles)
    if a.token_scopes is not None:
        perms &= a.token_scopes
    return MeOut(
        id=user.pk,
        email=user.email,
        display_name=user.display_name,
        organisation=_org(user.organisation),
        roles=sorted(a.roles),
        permissions=sorted(perms),
        via_token=a.via_token,
    )


@router.get("/organisations", response=list[OrganisationOut])
@api_requires(Permission.ORGANISATION_READ)
def organisation_list(request: HttpRequest) -> list[OrganisationOut]:
    return [_org(o) for o in selectors.organisations_visible_to(actor=actor(request))]


@router.post("/organisations", response={201: OrganisationOut})
@api_requires(Permission.ORGANISATION_CREATE)
def organisation_create(request: HttpRequest, payload: OrganisationIn) -> Status[OrganisationOut]:
    org = services.organisation_create(
        actor=actor(request), name=payload.name, kind=payload.kind, website=payload.website
    )
    return Status(201, _org(org))


@router.get("/organisations/{org_id}", response=OrganisationOut)
@api_requires(Permission.ORGANISATION_READ)
def organisation_get(request: HttpRequest, org_id: int) -> OrganisationOut:
    return _org(selectors.organisation_get(actor=actor(request), org_id=org_id))


@router.get("/organisations/{org_id}/members", response=list[MemberOut])
@api_requires(Permission.MEMBER_READ)
def member_list(request: HttpRequest, org_id: int) -> list[MemberOut]:
    a = actor(request)
    org = selectors.organisation_get(actor=a, org_id=org_id)
    try:
        members = selectors.members_visible_to(actor=a, organisation=org)
    except Forbidden:
        raise NotFound("no such organisation") from None
    return [_member(u) for u in members]


@router.get("/tokens", response=list[TokenOut])
@api_requires(Permission.TOKEN_MANAGE)
def token_list(request: HttpRequest) -> list[dict[str, object]]:
    return [_token(t) for t in selectors.tokens_of(actor=actor(request))]


@router.post("/tokens", response={201: TokenCreatedOut})
@api_requires(Permission.TOKEN_MANAGE)
def token_create(request: HttpRequest, payload: TokenIn) -> Status[dict[str, object]]:
    a = actor(request)
    user = User.objects.get(pk=a.user_id)
    created = services.token_create(
        actor=a,
        user=user,
        name=payload.name,
        scopes=payload.scopes,
        expires_in_days=payload.expires_in_days,
    )
    return Status(201, {**_token(created.token), "secret": created.secret})


@router.delete("/tokens/{token_id}", response={204: None})
@api_requires(Permission.TOKEN_MANAGE)
def token_revoke(request: HttpRequest, token_id: int) -> Status[None]:
    services.token_revoke(actor=actor(request), token_id=token_id)
    return Status(204, None)
