"""What happened to a case, as told to people (e-mail) and to organisations' tooling
(webhooks). The vocabulary is closed, and nothing here carries case content: only the
kind of event, the case number and a link.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum


class CaseEvent(StrEnum):
    MESSAGE = "case.message"
    TRANSITIONED = "case.transitioned"
    EMBARGO_AGREED = "case.embargo_agreed"
    EMBARGO_BROKEN = "case.embargo_broken"
    EMBARGO_ENDED = "case.embargo_ended"
    EMBARGO_REMINDER = "case.embargo_reminder"
    EMBARGO_CHANGED = "case.embargo_changed"
    EXPLOITED = "case.exploited"
    ADVISORY_REVIEW = "case.advisory_review"
    ADVISORY_COMMENTED = "case.advisory_commented"
    ADVISORY_PUBLISHED = "case.advisory_published"


# A test delivery an organisation asks for; never subscribed to, never about a case.
PING = "ping"

# The sentence of each e-mail notice, after "Case AK-2026-0042 ...", when the caller gives none.
NOTICE_TEXT: Mapping[CaseEvent, str] = {
    CaseEvent.MESSAGE: "has a new message",
    CaseEvent.TRANSITIONED: "has moved to a new state",
    CaseEvent.EMBARGO_AGREED: "has an agreed embargo date",
    CaseEvent.EMBARGO_BROKEN: "had its embargo broken: disclosure is accelerated",
    CaseEvent.EMBARGO_ENDED: "has reached its embargo date: the embargo has ended",
    CaseEvent.EMBARGO_REMINDER: "has its embargo ending soon",
    CaseEvent.EMBARGO_CHANGED: "has a changed embargo",
    CaseEvent.EXPLOITED: "is known to be exploited in the wild",
    CaseEvent.ADVISORY_REVIEW: "has an advisory draft to review",
    CaseEvent.ADVISORY_COMMENTED: "has a new comment on its advisory draft",
    CaseEvent.ADVISORY_PUBLISHED: "has a published advisory",
}


class UnknownEvent(ValueError):
    """An event kind outside :class:`CaseEvent`: a programming error at the call site."""


def parse_event(kind: CaseEvent | str) -> CaseEvent:
    try:
        return CaseEvent(kind)
    except ValueError:
        known = ", ".join(e.value for e in CaseEvent)
        raise UnknownEvent(f"unknown case event {kind!r}; known: {known}") from None


@dataclass(frozen=True, slots=True)
class EventBody:
    """The JSON body of one webhook delivery. ``case`` is None for a ping."""

    event: str
    case: str | None
    url: str
    delivery_id: str
    occurred_at: datetime

    def to_bytes(self) -> bytes:
        """Compact, key-sorted JSON: the exact bytes that are signed and sent."""
        stamp = self.occurred_at.astimezone(UTC).isoformat(timespec="seconds")
        doc = {
            "event": self.event,
            "case": self.case,
            "url": self.url,
            "delivery_id": self.delivery_id,
            "occurred_at": stamp.replace("+00:00", "Z"),
        }
        return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode("utf-8")
