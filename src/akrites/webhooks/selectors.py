"""Reads of webhook endpoints and deliveries: an organisation's administrators see their own
organisation's endpoints, nobody else sees any (not even the SIRT: they are the member
organisation's own tooling). Another organisation's endpoint looks exactly like a missing one."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from akrites.domain.errors import NotFound
from akrites.domain.permissions import Permission
from akrites.domain.policy import Actor, OrgId, OrgResource, authorize
from akrites.webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookSecret

RECENT_DELIVERIES = 50


def may_manage(actor: Actor, organisation_id: int) -> bool:
    return bool(authorize(actor, Permission.WEBHOOK_MANAGE, OrgResource(OrgId(organisation_id))))


def endpoints_visible_to(*, actor: Actor) -> QuerySet[WebhookEndpoint]:
    if actor.org_id is None or not may_manage(actor, actor.org_id):
        return WebhookEndpoint.objects.none()
    return WebhookEndpoint.objects.filter(organisation_id=actor.org_id)


def endpoint_get(*, actor: Actor, endpoint_id: int) -> WebhookEndpoint:
    endpoint = endpoints_visible_to(actor=actor).filter(pk=endpoint_id).first()
    if endpoint is None:
        raise NotFound("no such webhook")
    return endpoint


def recent_deliveries(
    *, actor: Actor, endpoint: WebhookEndpoint, limit: int = RECENT_DELIVERIES
) -> list[WebhookDelivery]:
    endpoint = endpoint_get(actor=actor, endpoint_id=endpoint.pk)
    limit = max(1, min(limit, 200))
    return list(
        WebhookDelivery.objects.filter(endpoint=endpoint).prefetch_related("attempt_log")[:limit]
    )


def signing_secrets(
    endpoint: WebhookEndpoint, now: datetime | None = None
) -> QuerySet[WebhookSecret]:
    """The secrets that sign now: the current one and any still in their grace period.
    Internal: for the delivery worker and for showing dates, never values."""
    when = now or timezone.now()
    return WebhookSecret.objects.filter(endpoint=endpoint).filter(
        Q(retires_at__isnull=True) | Q(retires_at__gt=when)
    )
