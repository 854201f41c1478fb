"""Every write to webhook endpoints, and queueing deliveries. Each change is checked by
policy and audited in its own transaction; a delivery's job row is written in the
transaction of the event that causes it, so a crash can neither lose nor invent one."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from akrites.audit.services import audit_record
from akrites.domain.audit import AuditAction
from akrites.domain.case_events import PING, CaseEvent, EventBody
from akrites.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from akrites.domain.permissions import Permission
from akrites.domain.policy import Actor, OrgId, OrgResource, require
from akrites.domain.webhook_endpoints import (
    grace_period,
    new_delivery_id,
    new_secret_text,
    parse_target,
)
from akrites.jobs import enqueue_after_commit
from akrites.webhooks.keys import seal_secret
from akrites.webhooks.models import (
    DeliveryStatus,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookSecret,
)
from akrites.webhooks.selectors import may_manage

MAX_ENDPOINTS_PER_ORGANISATION = 20
MAX_DESCRIPTION = 200


def loopback_allowed() -> bool:
    """Plain-http endpoints on this machine are for development and tests only, never in
    production (``AKRITES_WEBHOOKS_ALLOW_LOOPBACK``, a Django setting; default: DEBUG)."""
    if settings.AKRITES.production:
        return False
    return bool(getattr(settings, "AKRITES_WEBHOOKS_ALLOW_LOOPBACK", settings.DEBUG))


@dataclass(frozen=True, slots=True)
class NewSecret:
    endpoint: WebhookEndpoint
    secret: str  # shown once, stored only sealed
    previous_retire_at: datetime | None = None


def _events(values: Iterable[str]) -> list[str]:
    chosen = sorted({str(v).strip() for v in values if str(v).strip()})
    unknown = [v for v in chosen if v not in {e.value for e in CaseEvent}]
    if unknown:
        known = ", ".join(e.value for e in CaseEvent)
        raise InvalidInput(f"unknown event {unknown[0]!r}: choose from {known}", field="events")
    if not chosen:
        raise InvalidInput("choose at least one event", field="events")
    return chosen


def _description(text: str) -> str:
    value = text.strip()
    if len(value) > MAX_DESCRIPTION:
        raise InvalidInput(
            f"the description is longer than {MAX_DESCRIPTION} characters", field="description"
        )
    return value


def _require_own(actor: Actor, endpoint: WebhookEndpoint) -> None:
    # Another organisation's endpoint answers like a missing one.
    if not may_manage(actor, endpoint.organisation_id):
        raise NotFound("no such webhook")


def _add_secret(endpoint: WebhookEndpoint, now: datetime) -> str:
    secret = new_secret_text()
    WebhookSecret.objects.create(
        endpoint=endpoint, sealed=seal_secret(endpoint.pk, secret), created_at=now
    )
    return secret


def endpoint_create(
    *, actor: Actor, url: str, events: Iterable[str], description: str = ""
) -> NewSecret:
    if actor.org_id is None:
        raise Forbidden("only a member of an organisation may register its webhooks")
    require(actor, Permission.WEBHOOK_MANAGE, OrgResource(OrgId(actor.org_id)))
    target = parse_target(url, allow_loopback=loopback_allowed())
    chosen = _events(events)
    text = _description(description)
    with transaction.atomic():
        count = WebhookEndpoint.objects.filter(organisation_id=actor.org_id).count()
        if count >= MAX_ENDPOINTS_PER_ORGANISATION:
            raise Conflict(
                f"an organisation may register at most {MAX_ENDPOINTS_PER_ORGANISATION} "
                "webhooks: delete one first",
                field="url",
            )
        endpoint = WebhookEndpoint.objects.create(
            organisation_id=actor.org_id,
            url=target.url,
            description=text,
            events=chosen,
            created_by_id=actor.user_id,
        )
        secret = _add_secret(endpoint, timezone.now())
        audit_record(
            actor=actor,
            action=AuditAction.WEBHOOK_CREATED,
            target_type="webhook",
            target_id=endpoint.pk,
            data={"organisation": actor.org_id, "url": target.url, "events": chosen},
        )
    return NewSecret(endpoint=endpoint, secret=secret)


def endpoint_update(
    *,
    actor: Actor,
    endpoint: WebhookEndpoint,
    url: str | None = None,
    events: Iterable[str] | None = None,
    description: str | None = None,
    active: bool | None = None,
) -> WebhookEndpoint:
    _require_own(actor, endpoint)
    changes: dict[str, Any] = {}
    if url is not None:
        changes["url"] = parse_target(url, allow_loopback=loopback_allowed()).url
    if events is not None:
        changes["events"] = _events(events)
    if description is not None:
        changes["description"] = _description(description)
    if active is not None:
        changes["is_active"] = bool(active)
    changed = {k: v for k, v in changes.items() if getattr(endpoint, k) != v}
    if not changed:
        return endpoint
    with transaction.atomic():
        for key, value in changed.items():
            setattr(endpoint, key, value)
        endpoint.save(update_fields=[*changed, "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.WEBHOOK_UPDATED,
            target_type="webhook",
            target_id=endpoint.pk,
            data={"organisation": endpoint.organisation_id, **changed},
        )
    return endpoint


def endpoint_rotate_secret(
    *, actor: Actor, endpoint: WebhookEndpoint, grace_hours: int | None = None
) -> NewSecret:
    """A new secret signs from now on; the current one keeps signing beside it for the grace
    period (default 24 hours), so receivers can switch without missing a delivery."""
    _require_own(actor, endpoint)
    grace = grace_period(grace_hours)
    now = timezone.now()
    retire_at = now + grace
    with transaction.atomic():
        WebhookEndpoint.objects.select_for_update().filter(pk=endpoint.pk).first()
        secrets = WebhookSecret.objects.filter(endpoint=endpoint)
        secrets.filter(retires_at__lte=now).delete()  # long retired: nothing left to sign
        secrets.filter(retires_at__isnull=True).update(retires_at=retire_at)
        secrets.filter(retires_at__gt=retire_at).update(retires_at=retire_at)
        secret = _add_secret(endpoint, now)
        audit_record(
            actor=actor,
            action=AuditAction.WEBHOOK_SECRET_ROTATED,
            target_type="webhook",
            target_id=endpoint.pk,
            data={
                "organisation": endpoint.organisation_id,
                "previous_retire_at": retire_at.isoformat(),
            },
        )
    return NewSecret(endpoint=endpoint, secret=secret, previous_retire_at=retire_at)


def endpoint_delete(*, actor: Actor, endpoint: WebhookEndpoint) -> None:
    _require_own(actor, endpoint)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.WEBHOOK_DELETED,
            target_type="webhook",
            target_id=endpoint.pk,
            data={"organisation": endpoint.organisation_id, "url": endpoint.url},
        )
        endpoint.delete()  # its secrets and delivery log go with it; queued jobs find nothing


def _queue(endpoint: WebhookEndpoint, event: str, case_number: str, url: str) -> WebhookDelivery:
    from akrites.webhooks.tasks import deliver_webhook

    now = timezone.now()
    delivery_id = new_delivery_id()
    body = EventBody(
        event=event,
        case=case_number or None,
        url=url,
        delivery_id=delivery_id,
        occurred_at=now,
    )
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        delivery_id=delivery_id,
        event=event,
        case_number=case_number,
        body=body.to_bytes().decode("utf-8"),
        next_attempt_at=now,
        created_at=now,
    )
    enqueue_after_commit(deliver_webhook, delivery.pk)
    return delivery


def endpoint_ping(*, actor: Actor, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """A test delivery (event ``ping``, about no case), signed like any other."""
    _require_own(actor, endpoint)
    if not endpoint.is_active:
        raise Conflict("this webhook is disabled: enable it before sending a test")
    with transaction.atomic():
        delivery = _queue(endpoint, PING, "", f"{settings.AKRITES.base_url}/organisation/webhooks/")
        audit_record(
            actor=actor,
            action=AuditAction.WEBHOOK_PINGED,
            target_type="webhook",
            target_id=endpoint.pk,
            data={"organisation": endpoint.organisation_id, "delivery": delivery.delivery_id},
        )
    return delivery


def deliveries_for_case_event(
    *, case_number: str, event: CaseEvent, url: str, organisation_ids: Iterable[int]
) -> list[WebhookDelivery]:
    """Queue one delivery per active endpoint, of these organisations, that subscribed to
    ``event``. The caller has chosen the organisations (live participants of the case); the
    worker checks again before sending."""
    orgs = sorted(set(organisation_ids))
    if not orgs:
        return []
    endpoints = WebhookEndpoint.objects.filter(organisation_id__in=orgs, is_active=True)
    with transaction.atomic():
        # Subscriptions are filtered here: JSON containment is not portable to SQLite.
        return [
            _queue(endpoint, event.value, case_number, url)
            for endpoint in endpoints
            if event.value in endpoint.events
        ]


def delivery_mark(delivery: WebhookDelivery, status: DeliveryStatus, note: str = "") -> None:
    delivery.status = status
    delivery.note = note[:200]
    delivery.next_attempt_at = None
    delivery.finished_at = timezone.now()
    delivery.save(update_fields=["status", "note", "next_attempt_at", "finished_at"])
