"""Receiving reports: idempotency, quotas, deduplication into cases, sealing, audit.

One submission (a single report or a bulk batch) is one transaction: either every valid
item is stored with its case and audit events, or (on a crash, a quota refusal) nothing is.
Invalid items never reach the transaction; they come back with their errors, and do not
affect the valid ones.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from akrites.accounts.models import Organisation, User
from akrites.audit.services import audit_record_many
from akrites.cases.keys import case_data_key, index_keyring, seal_for_case
from akrites.cases.models import Case, CaseCounter, CaseKey
from akrites.crypto.sealing import keyed_hash, master_key, new_data_key
from akrites.domain.audit import AuditAction
from akrites.domain.dedup.model import Band, CaseId, MatchResult
from akrites.domain.dedup_input import engine_report
from akrites.domain.errors import AkritesError, Conflict, NotFound
from akrites.domain.intake import ReportDraft, content_digest, draft_to_json
from akrites.domain.intake.errors import IntakeError
from akrites.domain.permissions import Permission
from akrites.domain.policy import Actor, authorize, require
from akrites.intake.engine import EngineSession, locked_engine
from akrites.intake.models import (
    Attachment,
    DedupLog,
    DedupOp,
    DedupSuggestion,
    JoinedBy,
    Report,
)
from akrites.intake.quotas import quota_consume

TRACKING_PREFIX = "AKR-"


class Status:
    NEW_CASE = "new_case"
    DUPLICATE = "duplicate"
    ALREADY_RECEIVED = "already_received"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class Receipt:
    """What the reporter learns at once. Never another reporter's identity or content."""

    index: int
    status: str
    tracking_id: str | None = None
    received_at: datetime | None = None
    case_number: str | None = None
    case_first_reported_at: datetime | None = None
    error: AkritesError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def message(self) -> str:
        if self.error is not None:
            return str(self.error)
        if self.status == Status.DUPLICATE:
            return (
                f"duplicate of case {self.case_number}, first reported at "
                f"{self.case_first_reported_at:%Y-%m-%d %H:%M} UTC; you are credited as an "
                "independent finder"
            )
        if self.status == Status.ALREADY_RECEIVED:
            return f"already received as {self.tracking_id}; nothing new was stored"
        return f"received; case {self.case_number} opened"


def new_tracking_id() -> str:
    return TRACKING_PREFIX + secrets.token_hex(8).upper()


def _hashes(org: Organisation, draft: ReportDraft, key: str | None) -> tuple[str, str | None, str]:
    master = index_keyring()
    ref = (
        keyed_hash(master, "reporter-ref", f"{org.pk}:{draft.reporter_ref}")
        if draft.reporter_ref
        else ""
    )
    idem = keyed_hash(master, "idempotency", f"{org.pk}:{key}") if key else None
    content = keyed_hash(master, "content", content_digest(draft))
    return ref, idem, content


def _existing(org: Organisation, hashes: list[tuple[str, str | None, str]]) -> dict[str, Report]:
    refs = {h[0] for h in hashes if h[0]}
    idems = {h[1] for h in hashes if h[1]}
    if not refs and not idems:
        return {}
    rows = (
        Report.objects.filter(organisation=org)
        .filter(Q(ref_hash__in=refs) | Q(idempotency_hash__in=idems))
        .select_related("case")
    )
    found: dict[str, Report] = {}
    for row in rows:
        if row.ref_hash:
            found[f"r:{row.ref_hash}"] = row
        if row.idempotency_hash:
            found[f"i:{row.idempotency_hash}"] = row
    return found


@dataclass
class _Pending:
    index: int
    draft: ReportDraft
    ref_hash: str
    idem_hash: str | None
    content_hash: str
    tracking_id: str
    match: MatchResult | None = None
    case_number: str = ""
    opens_case: bool = False


def reports_submit(
    *,
    actor: Actor,
    user: User | None,
    organisation: Organisation,
    items: Sequence[ReportDraft | IntakeError],
    channel: str,
    source_format: str,
    idempotency_key: str | None = None,
) -> list[Receipt]:
    """Store every valid item (deduplicated into cases) and return one receipt per item."""
    require(actor, Permission.REPORT_SUBMIT)
    receipts: dict[int, Receipt] = {}
    valid: list[tuple[int, ReportDraft]] = []
    for index, item in enumerate(items):
        if isinstance(item, IntakeError):
            receipts[index] = Receipt(index=index, status=Status.REJECTED, error=item)
        else:
            valid.append((index, item))
    if valid:
        with transaction.atomic():
            receipts.update(
                _store(
                    actor=actor,
                    user=user,
                    org=organisation,
                    valid=valid,
                    channel=channel,
                    source_format=source_format,
                    idempotency_key=idempotency_key,
                )
            )
    return [receipts[i] for i in range(len(items))]


def _store(
    *,
    actor: Actor,
    user: User | None,
    org: Organisation,
    valid: list[tuple[int, ReportDraft]],
    channel: str,
    source_format: str,
    idempotency_key: str | None,
) -> dict[int, Receipt]:
    receipts: dict[int, Receipt] = {}
    batch_key = idempotency_key if len(valid) == 1 else None
    pending: list[_Pending] = []
    hashes = []
    for index, draft in valid:
        key = batch_key or (f"{idempotency_key}:{index}" if idempotency_key else None)
        hashes.append(_hashes(org, draft, key))
    existing = _existing(org, hashes)
    seen_in_batch: dict[str, _Pending] = {}
    for (index, draft), (ref, idem, content) in zip(valid, hashes, strict=True):
        prior = existing.get(f"i:{idem}") if idem else None
        prior = prior or (existing.get(f"r:{ref}") if ref else None)
        if prior is not None:
            receipts[index] = _replay(index, prior, content, draft)
            continue
        twin = seen_in_batch.get(ref) if ref else None
        if twin is not None:
            receipts[index] = Receipt(
                index=index,
                status=Status.REJECTED,
                error=Conflict(
                    f"reporter_ref '{draft.reporter_ref}' appears twice in this batch",
                    field="reporter_ref",
                ),
            )
            continue
        item = _Pending(index, draft, ref, idem, content, new_tracking_id())
        if ref:
            seen_in_batch[ref] = item
        pending.append(item)
    if not pending:
        return receipts
    quota_consume(organisation=org, count=len(pending))
    now = timezone.now()
    with locked_engine() as session:
        _deduplicate(session, pending, org, now)
        cases = _open_cases(pending, now)
        rows = _persist(
            session=session,
            pending=pending,
            cases=cases,
            org=org,
            user=user,
            channel=channel,
            source_format=source_format,
            now=now,
        )
    audit_record_many(actor=actor, entries=_audit_entries(pending, rows))
    for item in pending:
        row = rows[item.index]
        duplicate = not item.opens_case
        receipts[item.index] = Receipt(
            index=item.index,
            status=Status.DUPLICATE if duplicate else Status.NEW_CASE,
            tracking_id=row.tracking_id,
            received_at=row.received_at,
            case_number=row.case.number,
            case_first_reported_at=row.case.first_reported_at,
        )
    return receipts


def _replay(index: int, prior: Report, content: str, draft: ReportDraft) -> Receipt:
    if prior.content_hash != content:
        what = f"reporter_ref '{draft.reporter_ref}'" if draft.reporter_ref else "idempotency key"
        return Receipt(
            index=index,
            status=Status.REJECTED,
            error=Conflict(
                f"the {what} was already used for a different report ({prior.tracking_id}); "
                "use a new reference for new content",
                field="reporter_ref" if draft.reporter_ref else "idempotency_key",
            ),
        )
    return Receipt(
        index=index,
        status=Status.ALREADY_RECEIVED,
        tracking_id=prior.tracking_id,
        received_at=prior.received_at,
        case_number=prior.case.number,
        case_first_reported_at=prior.case.first_reported_at,
    )


def _deduplicate(
    session: EngineSession, pending: list[_Pending], org: Organisation, now: datetime
) -> None:
    """Match each report in order; later reports of the batch see the earlier ones."""
    counter, _ = CaseCounter.objects.select_for_update().get_or_create(year=now.year)
    last = counter.last
    for item in pending:
        report = engine_report(item.draft, report_id=item.tracking_id, submitter=str(org.pk))
        # One extraction per report: the engine matches and files it in one step, using
        # the next case number if the report opens a case.
        candidate = f"AK-{now.year}-{last + 1:04d}"
        ingested = session.engine.ingest(report, new_case_id=CaseId(candidate))
        item.match = ingested.match
        item.case_number = str(ingested.case_id)
        if item.case_number == candidate:
            last += 1
            item.opens_case = True
    if last != counter.last:
        CaseCounter.objects.filter(pk=counter.pk).update(last=last)


def _open_cases(pending: list[_Pending], now: datetime) -> dict[str, Case]:
    numbers = sorted({p.case_number for p in pending})
    cases = {c.number: c for c in Case.objects.filter(number__in=numbers)}
    master = master_key()
    new_cases: list[Case] = []
    for item in pending:
        if item.opens_case and item.case_number not in cases:
            year, seq = item.case_number.split("-")[1:]
            case = Case(
                number=item.case_number, year=int(year), seq=int(seq), first_reported_at=now
            )
            data_key = new_data_key()
            case.title_sealed = seal_for_case(case, data_key, "title", item.draft.title)
            case._data_key = data_key  # type: ignore[attr-defined]
            cases[case.number] = case
            new_cases.append(case)
    Case.objects.bulk_create(new_cases, batch_size=1000)
    new_keys = [
        CaseKey(
            case=case,
            master_key_id=master.key_id,
            wrapped=master.wrap(case._data_key, label=f"case:{case.number}"),  # type: ignore[attr-defined]
        )
        for case in new_cases
    ]
    CaseKey.objects.bulk_create(new_keys, batch_size=1000)
    for case in cases.values():
        if not hasattr(case, "_data_key"):
            case._data_key = case_data_key(case)  # type: ignore[attr-defined]
    return cases


def _evidence_json(match: MatchResult | None) -> str:
    if match is None:
        return "[]"
    return json.dumps(
        [{"kind": e.kind.value, "weight": e.weight, "detail": e.detail} for e in match.evidence]
    )


def _persist(
    *,
    session: EngineSession,
    pending: list[_Pending],
    cases: dict[str, Case],
    org: Organisation,
    user: User | None,
    channel: str,
    source_format: str,
    now: datetime,
) -> dict[int, Report]:
    rows: dict[int, Report] = {}
    for item in pending:
        case = cases[item.case_number]
        key: bytes = case._data_key  # type: ignore[attr-defined]
        payload = json.dumps(draft_to_json(item.draft), sort_keys=True, separators=(",", ":"))
        match = item.match
        rows[item.index] = Report(
            tracking_id=item.tracking_id,
            organisation=org,
            submitted_by=user,
            channel=channel,
            source_format=source_format,
            received_at=now,
            ref_hash=item.ref_hash,
            idempotency_hash=item.idem_hash,
            content_hash=item.content_hash,
            case=case,
            joined_by=JoinedBy.NEW_CASE if item.opens_case else JoinedBy.AUTO_MERGE,
            dedup_score=match.score if match else None,
            dedup_band=match.band.value if match else "",
            payload_sealed=seal_for_case(case, key, f"report:{item.tracking_id}", payload),
            evidence_sealed=seal_for_case(
                case, key, f"evidence:{item.tracking_id}", _evidence_json(match)
            ),
        )
    Report.objects.bulk_create(list(rows.values()), batch_size=1000)
    suggestions = []
    for item in pending:
        match = item.match
        if match and match.band is Band.SUGGEST and match.case_id is not None:
            target = cases.get(str(match.case_id)) or Case.objects.get(number=str(match.case_id))
            report = rows[item.index]
            suggestions.append(
                DedupSuggestion(
                    report=report,
                    case=target,
                    score=match.score,
                    evidence_sealed=seal_for_case(
                        report.case,
                        report.case._data_key,  # type: ignore[attr-defined]
                        f"suggestion:{report.tracking_id}",
                        _evidence_json(match),
                    ),
                )
            )
    DedupSuggestion.objects.bulk_create(suggestions, batch_size=1000)
    session.log(
        [DedupLog(op=DedupOp.ADD, report=rows[i.index], case_number=i.case_number) for i in pending]
    )
    return rows


def _audit_entries(
    pending: list[_Pending], rows: dict[int, Report]
) -> list[tuple[AuditAction, str, object, dict[str, Any]]]:
    """One event per report; it says whether the report opened its case (bulk intake
    writes thousands of these, so the case's opening is not a second event)."""
    entries: list[tuple[AuditAction, str, object, dict[str, Any]]] = []
    for item in pending:
        row = rows[item.index]
        match = item.match
        entries.append(
            (
                AuditAction.REPORT_RECEIVED,
                "report",
                row.tracking_id,
                {
                    "case": row.case.number,
                    "opened_case": item.opens_case,
                    "band": match.band.value if match else "new",
                    "score": match.score if match else 0.0,
                    "joined_by": row.joined_by,
                },
            )
        )
    return entries


def attachment_add(
    *, actor: Actor, report: Report, filename: str, content_type: str, data: bytes
) -> Attachment:
    """Attach a file to one's own report (or any report, for the SIRT). Sealed at rest."""
    import hashlib

    from django.conf import settings

    from akrites.domain.attachments import check_attachment, safe_filename

    require(actor, Permission.REPORT_SUBMIT)
    if not authorize(actor, Permission.REPORT_READ) and report.organisation_id != actor.org_id:
        raise NotFound("no such report")
    declared = check_attachment(
        filename=filename,
        content_type=content_type,
        data=data,
        max_bytes=settings.AKRITES.attachment_max_bytes,
    )
    name = safe_filename(filename)
    digest = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        case = Case.objects.get(pk=report.case_id)
        key = case_data_key(case)
        attachment = Attachment.objects.create(
            report=report,
            content_type=declared,
            size=len(data),
            sha256=digest,
            filename_sealed=b"",
            data_sealed=b"",
        )
        attachment.filename_sealed = seal_for_case(
            case, key, f"attachment-name:{attachment.pk}", name
        )
        attachment.data_sealed = _seal_bytes(key, data, f"{case.number}:attachment:{attachment.pk}")
        attachment.save(update_fields=["filename_sealed", "data_sealed"])
        audit_record_many(
            actor=actor,
            entries=[
                (
                    AuditAction.ATTACHMENT_ADDED,
                    "report",
                    report.tracking_id,
                    {
                        "attachment": attachment.pk,
                        "size": len(data),
                        "sha256": digest,
                        "content_type": declared,
                    },
                )
            ],
        )
    return attachment


def _seal_bytes(key: bytes, data: bytes, context: str) -> bytes:
    from akrites.crypto.sealing import seal

    return seal(key, data, context=context)
