"""The deduplication engine of this process, kept in step with the database.

Each process holds the engine in memory (its index holds only keyed hashes of features).
Every change to which report is in which case is appended to ``DedupLog`` in the same
transaction; before matching, a process replays the log entries it has not seen yet, while
holding the "dedup" mutex, so all processes decide on the same state. If a transaction
fails after the engine was changed, the engine is discarded and rebuilt from the log.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import transaction

from akrites.cases.keys import case_data_key, open_for_case
from akrites.cases.models import Mutex
from akrites.domain.dedup import DedupEngine
from akrites.domain.dedup.identity import AliasTable
from akrites.domain.dedup.model import CaseId, Report, ReportId
from akrites.domain.dedup_input import engine_report_from_document, osv_package_name
from akrites.domain.purl import ecosystem_for_purl, parse_purl
from akrites.intake.models import DedupLog, DedupOp
from akrites.intake.models import Report as ReportRow
from akrites.registry.models import Component

_lock = threading.Lock()
_engine: DedupEngine | None = None
_seen = 0  # highest DedupLog.seq applied to _engine
_pending: int | None = None  # last seq this process wrote, until seen committed
_alias_version = -1  # the Mutex("dedup").version the engine's alias table was built at


def report_payload(row: ReportRow) -> str:
    key = case_data_key(row.case)
    return open_for_case(row.case, key, f"report:{row.tracking_id}", bytes(row.payload_sealed))


def engine_input(row: ReportRow) -> Report:
    return engine_report_from_document(
        json.loads(report_payload(row)),
        report_id=row.tracking_id,
        submitter=str(row.organisation_id),
    )


def _catch_up(engine: DedupEngine, seen: int) -> int:
    entries = (
        DedupLog.objects.filter(seq__gt=seen)
        .select_related("report", "report__case")
        .order_by("seq")
    )
    for entry in entries.iterator(chunk_size=2000):
        if entry.op == DedupOp.ADD and entry.report is not None:
            engine.add(engine_input(entry.report), CaseId(entry.case_number))
        elif entry.op == DedupOp.MOVE and entry.report is not None:
            engine.move(ReportId(entry.report.tracking_id), CaseId(entry.case_number))
        elif entry.op == DedupOp.MERGE:
            engine.merge(CaseId(entry.case_number), CaseId(entry.other_case_number))
        seen = entry.seq
    return seen


@dataclass
class EngineSession:
    """The engine plus the log writer, valid inside ``locked_engine``."""

    engine: DedupEngine
    written: list[int] = field(default_factory=list)

    def log(self, entries: list[DedupLog]) -> None:
        created = DedupLog.objects.bulk_create(entries, batch_size=2000)
        self.written.extend(int(e.seq) for e in created)


@contextmanager
def locked_engine() -> Iterator[EngineSession]:
    """The up-to-date engine, for use inside a transaction, exclusively.

    Takes the database mutex (serialising processes) and a thread lock (serialising threads
    of this process), and replays unseen log entries. The changes a session makes are
    "pending" until a later session sees their log entries committed; if they are not there
    (the transaction rolled back after the engine changed), the engine is rebuilt from the log.
    """
    global _engine, _seen, _pending, _alias_version  # noqa: PLW0603  (one engine per process)
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("locked_engine must be used inside transaction.atomic()")
    mutex = Mutex.objects.select_for_update().filter(name="dedup").first()
    if mutex is None:  # emptied database (e.g. a test flush)
        Mutex.objects.get_or_create(name="dedup")
        mutex = Mutex.objects.select_for_update().get(name="dedup")
    with _lock:
        if _pending is not None and not DedupLog.objects.filter(seq=_pending).exists():
            _engine = None
        _pending = None
        if mutex.version != _alias_version:
            _engine = None
        if _engine is None:
            _engine, _seen = DedupEngine(aliases=registry_aliases()), 0
            _alias_version = mutex.version
        session = EngineSession(engine=_engine)
        try:
            _seen = _catch_up(_engine, _seen)
            yield session
        except BaseException:
            _engine, _seen = None, 0
            raise
        if session.written:
            _seen = max(_seen, *session.written)
            _pending = max(session.written)


def reset_engine() -> None:
    """Forget the in-memory engine (tests, or to force a rebuild from the log)."""
    global _engine, _seen, _pending, _alias_version
    with _lock:
        _engine, _seen, _pending, _alias_version = None, 0, None, -1


def registry_aliases() -> AliasTable:
    """Renames and forks recorded in the component registry, as the engine's alias table."""
    groups = []
    for purl, ecosystem, aliases in Component.objects.exclude(aliases=[]).values_list(
        "purl", "ecosystem", "aliases"
    ):
        group = [f"{ecosystem}:{osv_package_name(purl)}"]
        for alias in aliases:
            alias_ecosystem = ecosystem_for_purl(parse_purl(alias))
            group.append(f"{alias_ecosystem}:{osv_package_name(alias)}")
        groups.append(group)
    return AliasTable.from_groups(groups)
