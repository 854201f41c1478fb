# No "from __future__ import annotations": django-ninja resolves these annotations at runtime.
from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from akrites.accounts.models import Organisation
from akrites.domain.errors import InvalidInput, NotFound
from akrites.domain.permissions import OrgKind, Permission
from akrites.domain.policy import authorize
from akrites.registry import selectors, services
from akrites.registry.models import Component, SecurityContact
from akrites.web.api_access import actor, api_requires
from akrites.web.pagination import BoundedPagination

router = Router(tags=["registry"])


class ContactOut(Schema):
    id: int
    channel: str
    address: str
    role: str
    confidence: str
    openpgp_fingerprint: str
    created_at: datetime


class ComponentOut(Schema):
    id: int
    purl: str
    ecosystem: str
    namespace: str
    name: str
    repository_url: str
    description: str
    critical: bool
    sectors: list[str]
    maintainer_org_id: int | None
    aliases: list[str]
    created_at: datetime
    updated_at: datetime


class ComponentIn(Schema):
    purl: str = Field(..., max_length=512, examples=["pkg:pypi/django"])
    ecosystem: str | None = Field(None, description="Optional; must match the purl's type")
    repository_url: str = ""
    description: str = Field("", max_length=5000)
    critical: bool = False
    sectors: list[str] = []
    maintainer_org_id: int | None = None
    aliases: list[str] = Field([], description="Former names and forks (package URLs)")


class ComponentPatch(Schema):
    repository_url: str | None = None
    description: str | None = Field(None, max_length=5000)
    critical: bool | None = None
    sectors: list[str] | None = None
    maintainer_org_id: int | None = Field(
        None, description="Organisation id; send 0 to clear the maintainer"
    )
    aliases: list[str] | None = None


class ContactIn(Schema):
    channel: str
    address: str = Field(..., max_length=500)
    role: str = "security-team"
    confidence: str = "inferred"
    openpgp_key: str = Field("", max_length=70000)


class ComponentFilter(Schema):
    q: str = Field("", max_length=200)
    ecosystem: str = Field("", max_length=40)
    critical: bool | None = None


def _maintainer(org_id: int | None) -> Organisation | None:
    if not org_id:
        return None
    org = Organisation.objects.filter(pk=org_id, kind=OrgKind.MAINTAINER.value).first()
    if org is None:
        raise InvalidInput(
            f"no maintainer organisation with id {org_id}", field="maintainer_org_id"
        )
    return org


@router.get("/components", response=list[ComponentOut])
@paginate(BoundedPagination)
@api_requires(Permission.COMPONENT_READ)
def component_list(request: HttpRequest, filters: Query[ComponentFilter]) -> list[Component]:
    return selectors.components_visible_to(  # type: ignore[return-value]
        actor=actor(request),
        query=filters.q,
        ecosystem=filters.ecosystem,
        critical=filters.critical,
    )


@router.post("/components", response={201: ComponentOut})
@api_requires(Permission.COMPONENT_CREATE)
def component_create(request: HttpRequest, payload: ComponentIn) -> Status[Component]:
    component = services.component_create(
        actor=actor(request),
        purl=payload.purl,
        ecosystem=payload.ecosystem,
        repository_url=payload.repository_url,
        description=payload.description,
        critical=payload.critical,
        sectors=payload.sectors,
        maintainer_org=_maintainer(payload.maintainer_org_id),
        aliases=payload.aliases,
    )
    return Status(201, component)


@router.get("/components/{component_id}", response=ComponentOut)
@api_requires(Permission.COMPONENT_READ)
def component_get(request: HttpRequest, component_id: int) -> Component:
    return selectors.component_get(actor=actor(request), component_id=component_id)


@router.patch("/components/{component_id}", response=ComponentOut)
@api_requires(Permission.COMPONENT_EDIT)
def component_update(request: HttpRequest, component_id: int, payload: ComponentPatch) -> Component:
    a = actor(request)
    component = selectors.component_get(actor=a, component_id=component_id)
    changes = payload.dict(exclude_unset=True)
    kwargs: dict[str, object] = {k: v for k, v in changes.items() if k != "maintainer_org_id"}
    if "maintainer_org_id" in changes:
        kwargs["maintainer_org"] = _maintainer(changes["maintainer_org_id"])
    return services.component_update(actor=a, component=component, **kwargs)  # type: ignore[arg-type]


@router.get("/components/{component_id}/contacts", response=list[ContactOut])
@api_requires(Permission.CONTACT_READ)
def contact_list(request: HttpRequest, component_id: int) -> list[SecurityContact]:
    a = actor(request)
    component = selectors.component_get(actor=a, component_id=component_id)
    if not authorize(a, Permission.CONTACT_READ, selectors.component_resource(component)):
        raise NotFound("no such component")
    return list(selectors.contacts_visible_to(actor=a, component=component))


@router.post("/components/{component_id}/contacts", response={201: ContactOut})
@api_requires(Permission.CONTACT_MANAGE)
def contact_add(
    request: HttpRequest, component_id: int, payload: ContactIn
) -> Status[SecurityContact]:
    a = actor(request)
    component = selectors.component_get(actor=a, component_id=component_id)
    contact = services.contact_add(
        actor=a,
        component=component,
        channel=payload.channel,
        address=payload.address,
        role=payload.role,
        confidence=payload.confidence,
        openpgp_key=payload.openpgp_key,
    )
    return Status(201, contact)


@router.delete("/components/{component_id}/contacts/{contact_id}", response={204: None})
@api_requires(Permission.CONTACT_MANAGE)
def contact_remove(request: HttpRequest, component_id: int, contact_id: int) -> Status[None]:
    a = actor(request)
    component = selectors.component_get(actor=a, component_id=component_id)
    # Decide access before existence, so a real contact id answers like a guessed one.
    if not authorize(a, Permission.CONTACT_MANAGE, selectors.component_resource(component)):
        raise NotFound("no such contact")
    if not component.contacts.filter(pk=contact_id).exists():
        raise NotFound("no such contact")
    services.contact_remove(actor=a, contact_id=contact_id)
    return Status(204, None)
