"""Recording audit events: always inside the transaction of the change they record."""

from __future__ import annotations

import json
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from akrites.audit.models import AuditEvent, AuditHead
from akrites.domain.audit import GENESIS_HASH, AuditAction, canonical_json, entry_hash
from akrites.domain.policy import Actor

HEAD_ID = 1


class AuditOutsideTransactionError(RuntimeError):
    pass


class AuditHeadMissingError(RuntimeError):
    """Events exist but the chain's head row is gone: someone deleted it."""


def _locked_head() -> AuditHead:
    """The head row, locked. A database without events (new, or emptied by a test flush)
    gets a genesis head; a missing head beside existing events is tampering, not a reset."""
    head = AuditHead.objects.select_for_update().filter(pk=HEAD_ID).first()
    if head is not None:
        return head
    try:
        # Inserting first makes concurrent writers queue on the new row's key; only the
        # winner then asks whether events exist without a head.
        with transaction.atomic():
            AuditHead.objects.create(pk=HEAD_ID, seq=0, hash=GENESIS_HASH)
            if AuditEvent.objects.exists():
                raise AuditHeadMissingError(
                    "the audit chain's head row is missing: run 'akrites audit verify' and "
                    "investigate before writing more events"
                )
    except IntegrityError:
        pass  # another writer created it
    return AuditHead.objects.select_for_update().get(pk=HEAD_ID)


def audit_record(
    *,
    actor: Actor | None,
    action: AuditAction,
    target_type: str,
    target_id: object,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. Must run inside ``transaction.atomic()`` with the change."""
    (event,) = audit_record_many(
        actor=actor, entries=[(action, target_type, target_id, data or {})]
    )
    return event


def audit_record_many(
    *, actor: Actor | None, entries: list[tuple[AuditAction, str, object, dict[str, Any]]]
) -> list[AuditEvent]:
    """Append events in order (one head lock, one insert). Must run inside
    ``transaction.atomic()`` with the change they record."""
    if not transaction.get_connection().in_atomic_block:
        raise AuditOutsideTransactionError(
            "audit records must be written inside the transaction of the change they record"
        )
    if not entries:
        return []
    head = _locked_head()
    seq, prev = head.seq, head.hash
    user_id = int(actor.user_id) if actor and actor.user_id is not None else None
    org_id = int(actor.org_id) if actor and actor.org_id is not None else None
    rows = []
    for action, target_type, target_id, data in entries:
        seq += 1
        occurred_at = timezone.now()
        # Normalise through JSON so the hash is computed over exactly what is stored.
        payload: dict[str, Any] = json.loads(canonical_json(data))
        digest = entry_hash(
            seq=seq,
            occurred_at=occurred_at,
            actor_user_id=user_id,
            actor_org_id=org_id,
            action=action.value,
            target_type=target_type,
            target_id=str(target_id),
            data=payload,
            prev_hash=prev,
        )
        rows.append(
            AuditEvent(
                seq=seq,
                occurred_at=occurred_at,
                actor_user_id=user_id,
                actor_org_id=org_id,
                action=action.value,
                target_type=target_type,
                target_id=str(target_id),
                data=payload,
                prev_hash=prev,
                hash=digest,
            )
        )
        prev = digest
    AuditEvent.objects.bulk_create(rows, batch_size=1000)
    AuditHead.objects.filter(pk=HEAD_ID).update(seq=seq, hash=prev)
    return rows
