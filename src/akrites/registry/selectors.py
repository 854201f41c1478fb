"""Reads of the registry, shaped by who is asking."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from akrites.domain.errors import NotFound
from akrites.domain.permissions import Permission
from akrites.domain.policy import Actor, OrgId, OwnedResource, authorize, require
from akrites.registry.models import Component, SecurityContact


def components_visible_to(
    *,
    actor: Actor,
    query: str = "",
    ecosystem: str = "",
    critical: bool | None = None,
    maintainer_org_id: int | None = None,
) -> QuerySet[Component]:
    require(actor, Permission.COMPONENT_READ)
    qs = Component.objects.select_related("maintainer_org")
    if query.strip():
        q = query.strip()
        qs = qs.filter(Q(purl__icontains=q) | Q(name__icontains=q) | Q(description__icontains=q))
    if ecosystem:
        qs = qs.filter(ecosystem=ecosystem)
    if critical is not None:
        qs = qs.filter(critical=critical)
    if maintainer_org_id is not None:
        qs = qs.filter(maintainer_org_id=maintainer_org_id)
    return qs


def component_get(*, actor: Actor, component_id: int) -> Component:
    component = components_visible_to(actor=actor).filter(pk=component_id).first()
    if component is None:
        raise NotFound("no such component")
    return component


def component_resource(component: Component) -> OwnedResource:
    owner = component.maintainer_org_id
    return OwnedResource(OrgId(owner) if owner is not None else None)


def contacts_visible_to(*, actor: Actor, component: Component) -> QuerySet[SecurityContact]:
    """Security contacts are need-to-know: the SIRT and the component's own maintainers."""
    if authorize(actor, Permission.CONTACT_READ, component_resource(component)):
        return component.contacts.all()
    return SecurityContact.objects.none()
