"""The transparency page: aggregate figures about how Akrites handles vulnerabilities, computed
ONLY from published cases (cases whose advisory is published or withdrawn). A case under
embargo, in triage or with a scheduled advisory changes no figure: the set of cases counted is
taken from the advisories' public state first, and every other query is restricted to it.

- advisories published (of which withdrawn) and cases handled;
- duplicate reports merged: per published case, its reports minus one;
- median days from the first report to the fix being ready (the case's last ``fix_ready``
  transition in the audit trail before publication) and to publication;
- advisories per ecosystem (from the published OSV records).
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from dataclasses import dataclass
from typing import Final

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from akrites.audit.models import AuditEvent
from akrites.domain.audit import AuditAction
from akrites.domain.lifecycle import AdvisoryState, CaseState
from akrites.intake.models import Report
from akrites.publication.csaf_provider import key_path
from akrites.publication.models import Advisory
from akrites.publication.public_views import public_summaries
from akrites.publication.selectors import PUBLIC_STATES
from akrites.publication.signing import public_keys
from akrites.web.access import public

_DAY: Final = 86_400.0


@dataclass(frozen=True, slots=True)
class Figures:
    advisories_published: int
    advisories_withdrawn: int
    cases_handled: int
    duplicates_merged: int
    median_days_to_fix: float | None
    median_days_to_publish: float | None
    fixes_measured: int  # published cases with a recorded fix_ready transition
    by_ecosystem: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class _Published:
    number: str
    first_reported_at: dt.datetime
    published_at: dt.datetime
    withdrawn: bool


def _published_cases() -> list[_Published]:
    rows = Advisory.objects.filter(state__in=PUBLIC_STATES, published_at__isnull=False)
    return [
        _Published(number, first, published, state == AdvisoryState.WITHDRAWN.value)
        for number, first, published, state in rows.values_list(
            "case__number", "case__first_reported_at", "published_at", "state"
        )
    ]


def _days(start: dt.datetime, end: dt.datetime) -> float:
    return max((end - start).total_seconds(), 0.0) / _DAY


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def _fix_ready_times(numbers: list[str]) -> dict[str, list[dt.datetime]]:
    found: dict[str, list[dt.datetime]] = {}
    events = AuditEvent.objects.filter(
        action=AuditAction.CASE_TRANSITIONED.value,
        target_type="case",
        target_id__in=numbers,
        data__to=CaseState.FIX_READY.value,
    ).values_list("target_id", "occurred_at")
    for number, when in events:
        found.setdefault(number, []).append(when)
    return found


def transparency_figures() -> Figures:
    cases = _published_cases()
    numbers = [c.number for c in cases]
    reports = dict(
        Report.objects.filter(case__number__in=numbers)
        .values("case__number")
        .annotate(n=Count("id"))
        .values_list("case__number", "n")
    )
    fixes = _fix_ready_times(numbers)
    to_fix = []
    for case in cases:
        # The fix that shipped is the last one made ready before publication.
        before = [t for t in fixes.get(case.number, ()) if t <= case.published_at]
        if before:
            to_fix.append(_days(case.first_reported_at, max(before)))
    ecosystems = Counter(e for s in public_summaries() for e in s.ecosystems)
    return Figures(
        advisories_published=len(cases),
        advisories_withdrawn=sum(c.withdrawn for c in cases),
        cases_handled=len(set(numbers)),
        duplicates_merged=sum(max(reports.get(n, 0) - 1, 0) for n in numbers),
        median_days_to_fix=_median(to_fix),
        median_days_to_publish=_median([_days(c.first_reported_at, c.published_at) for c in cases]),
        fixes_measured=len(to_fix),
        by_ecosystem=tuple(sorted(ecosystems.items(), key=lambda kv: (-kv[1], kv[0]))),
    )


@public("aggregate figures computed only from published cases, and the public signing keys")
@require_safe
def transparency_page(request: HttpRequest) -> HttpResponse:
    keys = [
        {
            "fingerprint": k.fingerprint,
            "created": k.created_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "retired": k.retired_at
            and k.retired_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "url": key_path(k.fingerprint),
        }
        for k in public_keys()
    ]
    return render(
        request,
        "publication/public_transparency.html",
        {"figures": transparency_figures(), "keys": keys},
    )
