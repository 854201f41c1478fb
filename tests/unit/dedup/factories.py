"""Report factories for the deduplication tests: small, readable, no shared global data."""

from __future__ import annotations

from akrites.domain.dedup import (
    AffectedPackage,
    EventKind,
    RangeEvent,
    RangeKind,
    Report,
    ReportId,
    VersionRange,
)

REPO = "https://github.com/acme/widget"


def fixed_range(fixed: str, introduced: str = "0") -> VersionRange:
    events = (RangeEvent(EventKind.INTRODUCED, introduced), RangeEvent(EventKind.FIXED, fixed))
    return VersionRange(RangeKind.ECOSYSTEM, events)


def make_report(
    report_id: str,
    *,
    package: str = "widget",
    ecosystem: str = "PyPI",
    title: str = "",
    text: str = "",
    references: tuple[str, ...] = (),
    fixed: str | None = None,
    cwes: tuple[str, ...] = (),
    extra_packages: tuple[tuple[str, str], ...] = (),
) -> Report:
    ranges = (fixed_range(fixed),) if fixed else ()
    packages = (
        AffectedPackage(ecosystem, package, ranges=ranges),
        *(AffectedPackage(eco, name) for eco, name in extra_packages),
    )
    return Report(
        id=ReportId(report_id),
        packages=packages,
        title=title,
        text=text,
        cwes=cwes,
        references=references,
    )


# Two different flaws of one package, each described in a few sentences.
XSS_TEXT = (
    "A cross-site scripting vulnerability in the comment renderer of widget before 2.4.1 "
    "allows remote attackers to inject arbitrary web script via the `render_comment` "
    "function, because the comment body is inserted into the page without escaping. "
    "Sites that enable anonymous comments are affected."
)
SQLI_TEXT = (
    "An SQL injection vulnerability in the search endpoint of widget before 3.0.2 allows "
    "attackers to execute arbitrary SQL commands via the `order_by` parameter of the "
    "`search_items` view, which is concatenated into the query string. Deployments using "
    "the PostgreSQL backend are affected."
)


def xss_report(report_id: str, **overrides: object) -> Report:
    values: dict[str, object] = {
        "text": XSS_TEXT,
        "references": (f"{REPO}/commit/4f2a9c81d3e5b7a6c0f1e2d3c4b5a69788796a5b",),
        "fixed": "2.4.1",
    }
    values.update(overrides)
    return make_report(report_id, **values)  # type: ignore[arg-type]


def sqli_report(report_id: str, **overrides: object) -> Report:
    values: dict[str, object] = {
        "text": SQLI_TEXT,
        "references": (f"{REPO}/commit/9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c",),
        "fixed": "3.0.2",
    }
    values.update(overrides)
    return make_report(report_id, **values)  # type: ignore[arg-type]
