"""Cross-reporter deduplication: merge reports of one flaw, keep distinct flaws apart.

Pure Python. The Django layer uses `DedupEngine` (match, add, merge, split, rebuilt) with
`Report` values, built from OSV-like records by `report_from_record`.
"""

from akrites.domain.dedup.engine import DedupEngine, EngineConfig, Ingested
from akrites.domain.dedup.features import Hasher, keyed_hasher, process_hasher
from akrites.domain.dedup.identity import AliasTable, family_key, package_key
from akrites.domain.dedup.model import (
    AffectedPackage,
    Band,
    CaseId,
    EventKind,
    Evidence,
    EvidenceKind,
    MatchResult,
    RangeEvent,
    RangeKind,
    Report,
    ReportId,
    VersionRange,
)
from akrites.domain.dedup.records import report_from_record
from akrites.domain.dedup.scoring import Thresholds, Weights

__all__ = [
    "AffectedPackage",
    "AliasTable",
    "Band",
    "CaseId",
    "DedupEngine",
    "EngineConfig",
    "EventKind",
    "Evidence",
    "EvidenceKind",
    "Hasher",
    "Ingested",
    "MatchResult",
    "RangeEvent",
    "RangeKind",
    "Report",
    "ReportId",
    "Thresholds",
    "VersionRange",
    "Weights",
    "family_key",
    "keyed_hasher",
    "package_key",
    "process_hasher",
    "report_from_record",
]
