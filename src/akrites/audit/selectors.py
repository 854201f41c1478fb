"""Reads of the audit log."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import QuerySet

from akrites.audit.models import AuditEvent, AuditHead
from akrites.audit.services import HEAD_ID
from akrites.domain.audit import GENESIS_HASH, ChainEntry, ChainVerdict, verify_chain
from akrites.domain.errors import Forbidden
from akrites.domain.permissions import Permission
from akrites.domain.policy import Actor, authorize


def _entries() -> Iterator[ChainEntry]:
    for e in AuditEvent.objects.order_by("seq").iterator(chunk_size=2000):
        yield ChainEntry(
            seq=e.seq,
            occurred_at=e.occurred_at,
            actor_user_id=e.actor_user_id,
            actor_org_id=e.actor_org_id,
            action=e.action,
            target_type=e.target_type,
            target_id=e.target_id,
            data=e.data,
            prev_hash=e.prev_hash,
            hash=e.hash,
        )


def audit_chain_verify() -> ChainVerdict:
    """Recompute the whole chain. Used by ``akrites audit verify`` (operators)."""
    head = AuditHead.objects.filter(pk=HEAD_ID).first()
    if head is None:
        return verify_chain(_entries(), head_seq=0, head_hash=GENESIS_HASH)
    return verify_chain(_entries(), head_seq=head.seq, head_hash=head.hash)


def audit_events_visible_to(*, actor: Actor, limit: int = 100) -> QuerySet[AuditEvent]:
    decision = authorize(actor, Permission.AUDIT_READ)
    if not decision:
        raise Forbidden(decision.reason)
    return AuditEvent.objects.order_by("-seq")[:limit]
