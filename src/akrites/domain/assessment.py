"""Triage's assessment of a case: one severity, one priority, one deadline.

Severity is the SIRT's judgement of the flaw (later backed by CVSS vectors on the advisory).
Priority orders the queue: severity raised by how critical the component is and whether the
flaw is exploited in the wild. The deadline is the date by which a fix should be out; unless
triage sets one, it follows from the priority. Pure: ``now`` is always an argument.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import IntEnum, StrEnum

from akrites.domain.errors import InvalidInput


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Priority(IntEnum):
    """P1 is the most urgent."""

    P1 = 1
    P2 = 2
    P3 = 3
    P4 = 4


_BASE: dict[Severity, Priority] = {
    Severity.CRITICAL: Priority.P1,
    Severity.HIGH: Priority.P2,
    Severity.MEDIUM: Priority.P3,
    Severity.LOW: Priority.P4,
}

# Days from acceptance to the fix deadline, per priority (the "one deadline").
DEADLINE_DAYS: dict[Priority, int] = {
    Priority.P1: 7,
    Priority.P2: 30,
    Priority.P3: 60,
    Priority.P4: 90,
}

FIX_REFERENCE_KINDS = ("commit", "pull_request", "release", "patch")


def parse_severity(value: str) -> Severity:
    try:
        return Severity(value.strip().lower())
    except ValueError:
        known = ", ".join(s.value for s in Severity)
        raise InvalidInput(
            f"unknown severity '{value}': use one of {known}", field="severity"
        ) from None


def priority(severity: Severity, *, critical_component: bool, exploited: bool) -> Priority:
    """The severity's priority, one step more urgent for a critical component and one more
    when exploited in the wild (never beyond P1)."""
    level = int(_BASE[severity]) - int(critical_component) - int(exploited)
    return Priority(max(level, int(Priority.P1)))


def default_deadline(p: Priority, *, start: datetime) -> datetime:
    return start + timedelta(days=DEADLINE_DAYS[p])


@dataclass(frozen=True, slots=True)
class FixReference:
    """Where the fix is: a commit, pull request, release or patch, by URL."""

    kind: str
    url: str

    @staticmethod
    def parse(kind: str, url: str) -> FixReference:
        if kind not in FIX_REFERENCE_KINDS:
            raise InvalidInput(
                f"unknown fix reference kind '{kind}': use one of {', '.join(FIX_REFERENCE_KINDS)}",
                field="kind",
            )
        clean = url.strip()
        if not clean.startswith("https://") or len(clean) > 500 or any(c.isspace() for c in clean):
            raise InvalidInput(
                "a fix reference is an https:// URL of at most 500 characters", field="url"
            )
        return FixReference(kind=kind, url=clean)


def parse_versions(text: str) -> tuple[str, ...]:
    """Fixed versions as the user typed them: comma or space separated, deduplicated, in
    order. Checking them against the ecosystem's version scheme belongs to the advisory."""
    seen: dict[str, None] = {}
    for part in text.replace(",", " ").split():
        if len(part) > 100:
            raise InvalidInput("a version is at most 100 characters", field="fixed_versions")
        seen.setdefault(part, None)
    return tuple(seen)


def validate_deadline(deadline: datetime, *, now: datetime) -> datetime:
    if deadline.tzinfo is None or deadline.utcoffset() is None:
        raise InvalidInput("the deadline must carry a time zone", field="deadline")
    if deadline <= now:
        raise InvalidInput("the deadline must be in the future", field="deadline")
    if deadline > now + timedelta(days=366):
        raise InvalidInput("the deadline must be within a year", field="deadline")
    return deadline


def validate_exploited_since(since: datetime, *, now: datetime) -> datetime:
    if since.tzinfo is None or since.utcoffset() is None:
        raise InvalidInput("the time must carry a time zone", field="exploited_since")
    if since > now:
        raise InvalidInput("exploitation cannot be known from the future", field="exploited_since")
    return since
