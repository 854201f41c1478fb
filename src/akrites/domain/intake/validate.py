"""``parse_report``: a report in our JSON format -> a validated, normalised ``ReportDraft``.

Two passes. First the JSON Schema (the published contract: shapes, lengths, counts); if that
fails, the reporter gets every schema error and nothing else, since the meaning of a document
with the wrong shape is guesswork. Then the checks a schema cannot express: purls that parse
and have an OSV ecosystem, vers ranges and versions in the package's own syntax, events in a
sensible order, CVSS vectors that compute, a disclosure date within reach. Again every problem
is collected before raising, each naming its field.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Any, Final
from urllib.parse import urlsplit

from akrites.domain.intake.canonical import canonical_json, content_digest, draft_to_json
from akrites.domain.intake.errors import FieldError, IntakeError
from akrites.domain.intake.model import (
    AffectedPackage,
    CodeLocation,
    EventKind,
    Provenance,
    RangeEvent,
    RangeKind,
    Reference,
    ReferenceType,
    ReportDraft,
    Severity,
    SeverityType,
    VersionRange,
)
from akrites.domain.intake.schema import schema_errors
from akrites.domain.intake.scoring import parse_severity
from akrites.domain.intake.versions import canonical_vers, check_events, check_version
from akrites.domain.purl import Ecosystem, PurlError, ecosystem_for_purl, parse_purl

__all__ = ["canonical_json", "content_digest", "draft_to_json", "parse_report"]

MAX_TEXT_BYTES: Final = 100 * 1024  # description, poc and reproduction, in UTF-8
DISCLOSURE_HORIZON_YEARS: Final = 2


def parse_report(data: object, *, today: dt.date | None = None) -> ReportDraft:
    """Validate ``data`` (a parsed JSON document) and return its normalised ReportDraft.

    Raises IntakeError listing every problem. ``today`` anchors the disclosure-date check
    (default: the current UTC date).
    """
    errors = schema_errors(data)
    if errors:
        raise IntakeError(errors)
    assert isinstance(data, Mapping)  # noqa: S101 - the schema requires an object
    checker = _Checker(today or dt.datetime.now(dt.UTC).date())
    draft = checker.build(data)
    if checker.errors:
        raise IntakeError(checker.errors)
    return draft


class _Checker:
    """Builds the draft field by field, recording each problem instead of stopping at it."""

    def __init__(self, today: dt.date) -> None:
        self.today = today
        self.errors: list[FieldError] = []

    def fail(self, field: str, message: str) -> None:
        self.errors.append(FieldError(field, message))

    def build(self, data: Mapping[str, Any]) -> ReportDraft:
        provenance = data.get("provenance")
        return ReportDraft(
            schema_version=data["schema_version"],
            reporter_ref=data.get("reporter_ref"),
            title=data["title"].strip(),
            description=self.text(data, "description"),
            affected=tuple(self.packages(data["affected"])),
            aliases=tuple(data.get("aliases", ())),
            cwes=tuple(data.get("cwes", ())),
            severity=tuple(self.severities(data.get("severity", ()))),
            reported_score=_float_or_none(data.get("reported_score")),
            poc=self.optional_text(data, "poc"),
            reproduction=self.optional_text(data, "reproduction"),
            locations=tuple(self.locations(data.get("locations", ()))),
            references=tuple(self.references(data.get("references", ()))),
            provenance=None if provenance is None else Provenance(**provenance),
            intended_disclosure=self.disclosure(data.get("intended_disclosure")),
            credit_as=_strip_or_none(data.get("credit_as")),
            extensions=tuple(
                (name, json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False))
                for name, value in sorted(data.items())
                if name.startswith("x_")
            ),
        )

    def text(self, data: Mapping[str, Any], name: str) -> str:
        value: str = data[name].rstrip()
        size = len(value.encode("utf-8"))
        if size > MAX_TEXT_BYTES:
            self.fail(name, f"is {size:,} bytes in UTF-8; the limit is {MAX_TEXT_BYTES:,}")
        return value

    def optional_text(self, data: Mapping[str, Any], name: str) -> str | None:
        if data.get(name) is None:
            return None
        return self.text(data, name) or None

    def packages(self, entries: Sequence[Mapping[str, Any]]) -> list[AffectedPackage]:
        packages: list[AffectedPackage] = []
        seen: dict[str, int] = {}
        for index, entry in enumerate(entries):
            package = self.package(entry, f"affected[{index}]")
            if package is None:
                continue
            if package.purl in seen:
                self.fail(
                    f"affected[{index}].purl",
                    f"{package.purl} is already listed at affected[{seen[package.purl]}]; "
                    "give all its ranges and versions in one entry",
                )
            seen.setdefault(package.purl, index)
            packages.append(package)
        return packages

    def package(self, entry: Mapping[str, Any], where: str) -> AffectedPackage | None:
        field = f"{where}.purl"
        try:
            purl = parse_purl(entry["purl"])
            ecosystem = ecosystem_for_purl(purl)
        except PurlError as error:
            self.fail(field, purl_problem(error))
            return None
        if purl.version is not None:
            self.fail(
                field,
                f"names version {purl.version!r}; give the package alone ({purl.package}) and "
                "the affected versions in ranges or versions",
            )
        if purl.qualifiers or purl.subpath is not None:
            self.fail(
                field,
                f"must name the package alone, without qualifiers or subpath: {purl.package}",
            )
        ranges = []
        for index, raw in enumerate(entry.get("ranges", ())):
            ranges.append(self.version_range(raw, purl.type, ecosystem, f"{where}.ranges[{index}]"))
        versions = tuple(entry.get("versions", ()))
        for index, version in enumerate(versions):
            problem = check_version(version, ecosystem, f"{where}.versions[{index}]")
            if problem is not None:
                self.errors.append(problem)
        return AffectedPackage(
            purl=purl.package, ecosystem=ecosystem, ranges=tuple(ranges), versions=versions
        )

    def version_range(
        self, raw: Mapping[str, Any], purl_type: str, ecosystem: Ecosystem, where: str
    ) -> VersionRange:
        kind = RangeKind(raw["type"])
        if kind is RangeKind.VERS:
            vers, problems = canonical_vers(raw["vers"], purl_type, f"{where}.vers")
            self.errors.extend(problems)
            return VersionRange(kind=kind, vers=vers or raw["vers"])
        events = tuple(
            RangeEvent(EventKind(name), version)
            for event in raw["events"]
            for name, version in event.items()
        )
        self.errors.extend(check_events(kind, events, ecosystem, f"{where}.events"))
        repo = raw.get("repo")
        if repo is not None:
            self.url(repo, f"{where}.repo")
        return VersionRange(kind=kind, events=events, repo=repo)

    def severities(self, entries: Sequence[Mapping[str, Any]]) -> list[Severity]:
        found: list[Severity] = []
        seen: set[SeverityType] = set()
        for index, entry in enumerate(entries):
            type_ = SeverityType(entry["type"])
            if type_ in seen:
                self.fail(f"severity[{index}].type", f"{type_} is given twice; give one vector")
            seen.add(type_)
            result = parse_severity(type_, entry["vector"], f"severity[{index}].vector")
            if isinstance(result, FieldError):
                self.errors.append(result)
            else:
                found.append(result)
        return found

    def locations(self, entries: Sequence[Mapping[str, Any]]) -> list[CodeLocation]:
        found = []
        for index, entry in enumerate(entries):
            start, end = entry.get("line_start"), entry.get("line_end")
            if end is not None and start is None:
                self.fail(f"locations[{index}].line_end", "needs a line_start")
            elif start is not None and end is not None and end < start:
                self.fail(f"locations[{index}].line_end", f"is {end}, before line_start {start}")
            if entry.get("repository_url") is not None:
                self.url(entry["repository_url"], f"locations[{index}].repository_url")
            commit = entry.get("commit")
            found.append(
                CodeLocation(
                    file=entry["file"].strip(),
                    function=_strip_or_none(entry.get("function")),
                    line_start=start,
                    line_end=end,
                    commit=commit.lower() if commit is not None else None,
                    repository_url=entry.get("repository_url"),
                )
            )
        return found

    def references(self, entries: Sequence[Mapping[str, Any]]) -> list[Reference]:
        found = []
        seen: dict[str, int] = {}
        for index, entry in enumerate(entries):
            url = entry["url"]
            self.url(url, f"references[{index}].url")
            if url in seen:
                self.fail(f"references[{index}].url", f"repeats references[{seen[url]}]")
            seen.setdefault(url, index)
            found.append(Reference(url=url, type=ReferenceType(entry.get("type", "other"))))
        return found

    def url(self, url: str, field: str) -> None:
        try:
            parts = urlsplit(url)
            host = parts.hostname
        except ValueError:
            host = None
        if not host:
            self.fail(field, f"{url[:80]!r} is not a URL with a host name")

    def disclosure(self, value: str | None) -> dt.date | None:
        if value is None:
            return None
        when = dt.date.fromisoformat(value)  # the schema checked the YYYY-MM-DD form
        limit = _add_years(self.today, DISCLOSURE_HORIZON_YEARS)
        if when > limit:
            self.fail(
                "intended_disclosure",
                f"{value} is more than {DISCLOSURE_HORIZON_YEARS} years ahead (latest "
                f"accepted: {limit.isoformat()}); coordinated disclosure needs a nearer date",
            )
        return when


def purl_problem(error: PurlError) -> str:
    """A PurlError's message, naming the purl component at fault when it is not the whole."""
    component = error.field.removeprefix("purl").lstrip(".")
    return f"{component} {error.message}" if component else error.message


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _strip_or_none(value: str | None) -> str | None:
    return value.strip() or None if value is not None else None


def _float_or_none(value: float | None) -> float | None:
    return float(value) if value is not None else None
