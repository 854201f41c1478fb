"""The audit vocabulary and the hash chain, as pure functions.

Each event's hash covers its content and the previous event's hash, so editing or
deleting any row breaks every hash after it; ``verify_chain`` finds the first break.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

GENESIS_HASH = "0" * 64


class AuditAction(StrEnum):
    ORGANISATION_CREATED = "organisation.created"
    ORGANISATION_UPDATED = "organisation.updated"
    USER_CREATED = "user.created"
    USER_ROLES_CHANGED = "user.roles_changed"
    USER_DEACTIVATED = "user.deactivated"
    USER_REACTIVATED = "user.reactivated"
    USER_LOGGED_IN = "user.logged_in"
    USER_LOGGED_OUT = "user.logged_out"
    USER_LOGIN_FAILED = "user.login_failed"
    USER_PASSWORD_SET = "user.password_set"
    USER_TIME_ZONE_SET = "user.time_zone_set"
    MFA_ENROLLED = "user.mfa_enrolled"
    TOKEN_CREATED = "token.created"
    TOKEN_REVOKED = "token.revoked"
    COMPONENT_CREATED = "component.created"
    COMPONENT_UPDATED = "component.updated"
    CONTACT_ADDED = "contact.added"
    CONTACT_REMOVED = "contact.removed"
    CASE_TRANSITIONED = "case.transitioned"
    CASE_ASSESSED = "case.assessed"
    CASE_FIX_RECORDED = "case.fix_recorded"
    CASE_EXPLOITED = "case.exploited"
    CASE_AUDIT_EXPORTED = "case.audit_exported"
    ADVISORY_CHANGED = "advisory.changed"
    ADVISORY_COMMENTED = "advisory.commented"
    ADVISORY_PUBLISHED = "advisory.published"
    CREDIT_PREFERENCE_SET = "credit.preference_set"
    SIGNING_KEY_ROTATED = "keys.signing_rotated"
    CASE_OPENED = "case.opened"
    CASE_MERGED = "case.merged"
    REPORT_RECEIVED = "report.received"
    REPORT_VIEWED = "report.viewed"
    REPORT_MOVED = "report.moved"
    SUGGESTION_CONFIRMED = "suggestion.confirmed"
    SUGGESTION_REJECTED = "suggestion.rejected"
    ATTACHMENT_ADDED = "attachment.added"
    ATTACHMENT_DOWNLOADED = "attachment.downloaded"
    CASE_VIEWED = "case.viewed"
    CASES_LISTED = "case.listed"
    CASE_RELABELLED = "case.relabelled"
    EMBARGO_CHANGED = "embargo.changed"
    KEYS_ROTATED = "keys.rotated"
    CASE_KEY_DESTROYED = "case.key_destroyed"
    CASE_ORG_INVITED = "case.organisation_invited"
    CASE_ORG_REMOVED = "case.organisation_removed"
    CASE_PARTICIPANT_ADDED = "case.participant_added"
    CASE_PARTICIPANT_REMOVED = "case.participant_removed"
    MESSAGE_THREAD_OPENED = "message.thread_opened"
    MESSAGE_THREADS_LISTED = "message.threads_listed"
    MESSAGE_THREAD_READ = "message.thread_read"
    MESSAGE_POSTED = "message.posted"
    MESSAGE_MARKED_READ = "message.marked_read"
    MESSAGE_SEARCHED = "message.searched"
    MESSAGE_ATTACHMENT_ADDED = "message.attachment_added"
    MESSAGE_ATTACHMENT_DOWNLOADED = "message.attachment_downloaded"
    # Notifications: webhooks, OpenPGP keys for notices, encrypted disclosures.
    WEBHOOK_CREATED = "webhook.created"
    WEBHOOK_UPDATED = "webhook.updated"
    WEBHOOK_SECRET_ROTATED = "webhook.secret_rotated"
    WEBHOOK_DELETED = "webhook.deleted"
    WEBHOOK_PINGED = "webhook.pinged"
    USER_OPENPGP_KEY_SET = "user.openpgp_key_set"
    NOTICE_CONTENT_SENT = "notice.content_sent"
    CASE_DISCLOSED = "case.disclosed"


@dataclass(frozen=True, slots=True)
class ChainEntry:
    seq: int
    occurred_at: datetime
    actor_user_id: int | None
    actor_org_id: int | None
    action: str
    target_type: str
    target_id: str
    data: dict[str, Any]
    prev_hash: str
    hash: str


def canonical_json(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(
    *,
    seq: int,
    occurred_at: datetime,
    actor_user_id: int | None,
    actor_org_id: int | None,
    action: str,
    target_type: str,
    target_id: str,
    data: dict[str, Any],
    prev_hash: str,
) -> str:
    body = canonical_json(
        {
            "seq": seq,
            "at": occurred_at.isoformat(timespec="microseconds"),
            "user": actor_user_id,
            "org": actor_org_id,
            "action": action,
            "target": [target_type, target_id],
            "data": data,
            "prev": prev_hash,
        }
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class ChainVerdict:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str = ""


def verify_chain(entries: Iterable[ChainEntry], *, head_seq: int, head_hash: str) -> ChainVerdict:
    """Check every link, then that the chain ends where the recorded head says it does."""
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    for e in entries:
        if e.seq != expected_seq:
            return ChainVerdict(
                ok=False,
                checked=checked,
                first_bad_seq=expected_seq,
                problem=f"event {expected_seq} is missing (next present is {e.seq})",
            )
        if e.prev_hash != expected_prev:
            return ChainVerdict(
                ok=False,
                checked=checked,
                first_bad_seq=e.seq,
                problem=f"event {e.seq} does not link to the event before it",
            )
        recomputed = entry_hash(
            seq=e.seq,
            occurred_at=e.occurred_at,
            actor_user_id=e.actor_user_id,
            actor_org_id=e.actor_org_id,
            action=e.action,
            target_type=e.target_type,
            target_id=e.target_id,
            data=e.data,
            prev_hash=e.prev_hash,
        )
        if recomputed != e.hash:
            return ChainVerdict(
                ok=False,
                checked=checked,
                first_bad_seq=e.seq,
                problem=f"event {e.seq} was altered after it was written",
            )
        expected_prev = e.hash
        expected_seq += 1
        checked += 1
    if checked != head_seq or expected_prev != head_hash:
        return ChainVerdict(
            ok=False,
            checked=checked,
            first_bad_seq=checked + 1,
            problem=f"the chain ends at event {checked} but the head records event {head_seq}",
        )
    return ChainVerdict(ok=True, checked=checked)
