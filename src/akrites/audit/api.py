# No "from __future__ import annotations": django-ninja resolves these annotations at runtime.
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from akrites.audit.selectors import audit_chain_verify, audit_events_visible_to
from akrites.domain.permissions import Permission
from akrites.web.api_access import actor, api_requires

router = Router(tags=["audit"])


class AuditEventOut(Schema):
    seq: int
    occurred_at: datetime
    actor_user_id: int | None
    actor_org_id: int | None
    action: str
    target_type: str
    target_id: str
    data: dict[str, Any]
    hash: str


class VerdictOut(Schema):
    ok: bool
    checked: int
    first_bad_seq: int | None
    problem: str


@router.get("/audit/events", response=list[AuditEventOut])
@api_requires(Permission.AUDIT_READ)
def audit_events(request: HttpRequest, limit: int = 100) -> list[Any]:
    return list(audit_events_visible_to(actor=actor(request), limit=max(1, min(limit, 1000))))


@router.post("/audit/verify", response=VerdictOut)
@api_requires(Permission.AUDIT_VERIFY)
def audit_verify(request: HttpRequest) -> Any:
    return audit_chain_verify()
