# No "from __future__ import annotations": django-ninja resolves these annotations at runtime.
"""/api/v1/webhooks: an organisation's administrators manage its endpoints. A signing secret
appears in exactly two answers (creating the endpoint, rotating its secret), never again."""

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.responses import Status

from akrites.domain.permissions import Permission
from akrites.web.api_access import actor, api_requires
from akrites.webhooks import selectors, services
from akrites.webhooks.models import WebhookDelivery, WebhookEndpoint

router = Router(tags=["webhooks"])


class EndpointOut(Schema):
    id: int
    url: str
    description: str
    events: list[str]
    active: bool = Field(..., alias="is_active")
    created_at: datetime
    updated_at: datetime


class EndpointIn(Schema):
    url: str = Field(..., max_length=2000, examples=["https://hooks.example.org/akrites"])
    events: list[str] = Field(..., examples=[["case.message"]])
    description: str = Field("", max_length=200)


class EndpointPatch(Schema):
    url: str | None = Field(None, max_length=2000)
    events: list[str] | None = None
    description: str | None = Field(None, max_length=200)
    active: bool | None = None


class CreatedOut(Schema):
    endpoint: EndpointOut
    secret: str = Field(..., description="Shown once: the HMAC key is its ASCII bytes")


class RotateIn(Schema):
    grace_hours: int | None = Field(
        None, description="How long the current secret keeps signing (0-168; default 24)"
    )


class RotatedOut(Schema):
    secret: str = Field(..., description="Shown once: the HMAC key is its ASCII bytes")
    previous_retire_at: datetime | None


class AttemptOut(Schema):
    number: int
    started_at: datetime
    duration_ms: int
    status_code: int | None
    error: str


class DeliveryOut(Schema):
    delivery_id: str
    event: str
    case: str = Field(..., alias="case_number")
    status: str
    attempts: list[AttemptOut]
    next_attempt_at: datetime | None
    note: str
    created_at: datetime
    finished_at: datetime | None

    @staticmethod
    def resolve_attempts(obj: WebhookDelivery) -> list[object]:
        return list(obj.attempt_log.all())


class PingOut(Schema):
    delivery_id: str


@router.get("/webhooks", response=list[EndpointOut])
@api_requires(Permission.WEBHOOK_MANAGE)
def webhook_list(request: HttpRequest) -> list[WebhookEndpoint]:
    return list(selectors.endpoints_visible_to(actor=actor(request)))


@router.post("/webhooks", response={201: CreatedOut})
@api_requires(Permission.WEBHOOK_MANAGE)
def webhook_create(request: HttpRequest, payload: EndpointIn) -> Status[dict[str, object]]:
    created = services.endpoint_create(
        actor=actor(request),
        url=payload.url,
        events=payload.events,
        description=payload.description,
    )
    return Status(201, {"endpoint": created.endpoint, "secret": created.secret})


@router.get("/webhooks/{webhook_id}", response=EndpointOut)
@api_requires(Permission.WEBHOOK_MANAGE)
def webhook_get(request: HttpRequest, webhook_id: int) -> WebhookEndpoint:
    return selectors.endpoint_get(actor=actor(request), endpoint_id=webhook_id)


@router.patch("/webhooks/{webhook_id}", response=EndpointOut)
@api_requires(Permission.WEBHOOK_MANAGE)
def webhook_update(
    request: HttpRequest, webhook_id: int, payload: EndpointPatch
) -> WebhookEndpoint:
    a = actor(request)
    endpoint = selectors.endpoint_get(actor=a, endpoint_id=webhook_id)
    return services.endpoint_update(
        actor=a,
        endpoint=endpoint,
        url=payload.url,
        events=payload.events,
        description=payload.description,
        active=payload.active,
    )


@router.delete("/webhooks/{webhook_id}", response={204: None})
@api_requires(Permission.WEBHOOK_MANAGE)
def webhook_delete(request: HttpRequest, webhook_id: int) -> Status[None]:
    a = actor(request)
    services.endpoint_delete(
        actor=a, endpoint=selectors.endpoint_get(actor=a, endpoint_id=webhook_id)
    )
    return Status(204, None)


@router.post("/webhooks/{webhook_id}/rotate", response=RotatedOut)
@api_requires(Permission.WEBHOOK_MANAGE)
def webhook_rotate(request: HttpRequest, webhook_id: int, payload: RotateIn) -> dict[str, object]:
    a = actor(request)
    endpoint = selectors.endpoint_get(actor=a, endpoint_id=webhook_id)
    rotated = services.endpoint_rotate_secret(
        actor=a, endpoint=endpoint, grace_hours=payload.grace_hours
    )
    return {"secret": rotated.secret, "previous_retire_at": rotated.previous_retire_at}


@router.post("/webhooks/{webhook_id}/ping", response={202: PingOut})
@api_requires(Permission.WEBHOOK_MANAGE)
def webhook_ping(request: HttpRequest, webhook_id: int) -> Status[dict[str, str]]:
    a = actor(request)
    endpoint = selectors.endpoint_get(actor=a, endpoint_id=webhook_id)
    delivery = services.endpoint_ping(actor=a, endpoint=endpoint)
    return Status(202, {"delivery_id": delivery.delivery_id})


@router.get("/webhooks/{webhook_id}/deliveries", response=list[DeliveryOut])
@api_requires(Permission.WEBHOOK_MANAGE)
def webhook_deliveries(request: HttpRequest, webhook_id: int) -> list[WebhookDelivery]:
    a = actor(request)
    endpoint = selectors.endpoint_get(actor=a, endpoint_id=webhook_id)
    return selectors.recent_deliveries(actor=a, endpoint=endpoint)
