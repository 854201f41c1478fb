"""What every advisory writer is told besides the advisory: who publishes, where, and when the
document is generated. Passing these in (never reading a clock or settings) keeps each writer a
pure function: the same advisory and context give the same document, byte for byte.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

from akrites.domain.advisory import Advisory

ADVISORY_PATH: Final = "/advisories/"


@dataclass(frozen=True, slots=True, kw_only=True)
class PublicationContext:
    """``namespace`` is a URL the publisher controls (CSAF's publisher namespace, the base of
    OpenVEX and CycloneDX identifiers); ``base_url`` is where the Akrites instance serves its
    public pages (advisories at ``<base_url>/advisories/<id>``); ``generated`` is when the
    document is written; ``engine``/``engine_version`` name the software that wrote it."""

    namespace: str
    base_url: str
    generated: dt.datetime
    publisher: str = "Akrites"
    contact: str | None = None
    engine: str = "Akrites"
    engine_version: str = "0.1.0"

    def advisory_url(self, advisory: Advisory) -> str:
        return f"{self.base_url.rstrip('/')}{ADVISORY_PATH}{advisory.id}"


def timestamp(value: dt.datetime) -> str:
    """RFC 3339 in UTC to the second (``2026-03-01T12:00:00Z``), a form every format accepts."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def released(advisory: Advisory) -> dt.datetime:
    """When the advisory was (or, for a draft, would be said to be) released."""
    return advisory.published or advisory.modified
