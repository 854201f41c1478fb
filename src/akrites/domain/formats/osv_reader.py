"""OSV records (https://ossf.github.io/osv-schema/) -> ReportDrafts.

One draft per record, with all its affected packages. The record is read as OSV consumers
read it: ECOSYSTEM and SEMVER events are put in version order before they are checked, an
ecosystem's ":release" suffix (``Debian:12``) is dropped, and affected entries that name the
same package (one per release, say) are merged. Everything is then validated as a report of our
format, and each problem is named by its place in the OSV record.

Mapped: id -> reporter_ref, aliases, summary -> title, details -> description,
affected[].package (purl, or ecosystem + name) with ranges and versions, severity (CVSS_V3,
CVSS_V4), database_specific.cwe_ids -> cwes, references, credits[].name -> credit_as.
Skipped with a reason: withdrawn records, CVSS_V2 and Ubuntu severities, per-package
severities. Ignored: modified, published, related, upstream, schema_version and the
``database_specific`` / ``ecosystem_specific`` fields other than cwe_ids.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Final

from akrites.domain.formats.common import (
    Problems,
    ReadResult,
    Skipped,
    one_line,
    validate_document,
)
from akrites.domain.formats.osv_packages import purl_for_osv_package
from akrites.domain.intake.errors import ROOT, IntakeError, join_path
from akrites.domain.intake.model import (
    SCHEMA_VERSION,
    EventKind,
    RangeEvent,
    RangeKind,
    ReportDraft,
)
from akrites.domain.intake.validate import purl_problem
from akrites.domain.intake.versions import sort_events
from akrites.domain.purl import (
    Ecosystem,
    PurlError,
    ecosystem_for_purl,
    parse_ecosystem,
    parse_purl,
)

MAX_OSV_RECORDS: Final = 10_000
TITLE_LIMIT: Final = 300
_REFERENCE_TYPES: Final = {
    "FIX": "fix",
    "ADVISORY": "advisory",
    "ARTICLE": "article",
    "REPORT": "report",
}
_SEVERITY_TYPES: Final = frozenset({"CVSS_V3", "CVSS_V4"})


def reports_from_osv(doc: object, *, today: dt.date | None = None) -> list[ReportDraft]:
    """The drafts in one OSV record (or a JSON array of records); IntakeError if any is bad."""
    return list(read_osv(doc, today=today).reports)


def read_osv(doc: object, *, today: dt.date | None = None) -> ReadResult:
    """Like ``reports_from_osv``, also saying what was skipped. All records or none."""
    if isinstance(doc, list):
        if len(doc) > MAX_OSV_RECORDS:
            raise IntakeError.single(
                ROOT, f"has {len(doc):,} OSV records; the limit is {MAX_OSV_RECORDS:,} per file"
            )
        records = [(f"[{index}]", record) for index, record in enumerate(doc)]
    else:
        records = [(ROOT, doc)]
    problems = Problems()
    reports: list[ReportDraft] = []
    skipped: list[Skipped] = []
    for base, record in records:
        try:
            result = _read_record(record, base, today)
        except IntakeError as error:
            problems.extend(error)
            continue
        reports.extend(result.reports)
        skipped.extend(result.skipped)
    problems.raise_if_any()
    return ReadResult(tuple(reports), tuple(skipped))


def _read_record(record: object, base: str, today: dt.date | None) -> ReadResult:
    problems = Problems()
    data = problems.obj(record, base)
    if data is None:
        problems.raise_if_any()
        return ReadResult(())
    converter = _Converter(problems, base)
    record_id = problems.text(data.get("id"), converter.at("id"), required=True)
    if data.get("withdrawn") is not None:
        return ReadResult((), (Skipped(converter.at("withdrawn"), "the record is withdrawn"),))
    document = converter.convert(data, record_id or "")
    draft = validate_document(
        document, problems=problems, origins=converter.origins, base=base, today=today
    )
    return ReadResult((draft,), tuple(converter.skipped))


class _Converter:
    """Builds our report document from one OSV record, noting where each field came from."""

    def __init__(self, problems: Problems, base: str) -> None:
        self.problems = problems
        self.base = base
        self.origins: dict[str, str] = {
            name: self.at(source)
            for name, source in {
                "reporter_ref": "id",
                "affected": "affected",
                "severity": "severity",
                "references": "references",
            }.items()
        }
        self.skipped: list[Skipped] = []

    def at(self, field: str) -> str:
        return join_path(self.base, field)

    def convert(self, data: Mapping[str, Any], record_id: str) -> dict[str, Any]:
        p = self.problems
        summary = p.text(data.get("summary"), self.at("summary"))
        details = p.text(data.get("details"), self.at("details"))
        aliases = [
            alias
            for index, alias in enumerate(p.array(data.get("aliases"), self.at("aliases")))
            if p.text(alias, self.at(f"aliases[{index}]"), required=True) is not None
        ]
        title_source = summary if summary and summary.strip() else (details or record_id)
        self.origins["title"] = self.at("summary" if summary else "details")
        self.origins["description"] = self.at("details" if details else "summary")
        self.origins["aliases"] = self.at("aliases")
        document: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "reporter_ref": record_id,
            "title": one_line(title_source, TITLE_LIMIT),
            "description": details if details and details.strip() else (summary or ""),
            "affected": self.packages(data.get("affected")),
            "aliases": aliases,
            "cwes": self.cwes(data.get("database_specific")),
            "severity": self.severities(data.get("severity")),
            "references": self.references(data.get("references")),
        }
        if not document["description"].strip():
            p.add(self.at("details"), "is required (or a summary) to describe the flaw")
        credit = self.credits(data.get("credits"))
        if credit:
            document["credit_as"] = credit
        return {key: value for key, value in document.items() if value != []}

    def packages(self, value: object) -> list[dict[str, Any]]:
        p = self.problems
        entries = p.array(value, self.at("affected"), required=True)
        if isinstance(value, list) and not value:
            p.add(self.at("affected"), "must list at least one affected package")
        merged: dict[str, dict[str, Any]] = {}
        for index, raw in enumerate(entries):
            where = self.at(f"affected[{index}]")
            entry = p.obj(raw, where)
            if entry is None:
                continue
            identity = self.package_identity(entry.get("package"), f"{where}.package")
            if identity is None:
                continue
            purl, ecosystem = identity
            target = merged.setdefault(purl, {"purl": purl, "ranges": [], "versions": []})
            ours = f"affected[{list(merged).index(purl)}]"
            self.origins.setdefault(f"{ours}.purl", f"{where}.package")
            self.ranges(entry.get("ranges"), ecosystem, where, ours, target["ranges"])
            self.versions(entry.get("versions"), where, ours, target["versions"])
            if entry.get("severity") is not None:
                self.skipped.append(
                    Skipped(f"{where}.severity", "per-package severities are not kept")
                )
        return [{key: value for key, value in e.items() if value != []} for e in merged.values()]

    def package_identity(self, value: object, where: str) -> tuple[str, Ecosystem] | None:
        p = self.problems
        package = p.obj(value, where)
        if package is None:
            return None
        raw_ecosystem = p.text(package.get("ecosystem"), f"{where}.ecosystem", required=True)
        name = p.text(package.get("name"), f"{where}.name")
        raw_purl = p.text(package.get("purl"), f"{where}.purl")
        if raw_ecosystem is None:
            return None
        try:
            ecosystem = parse_ecosystem(raw_ecosystem.split(":", 1)[0])
        except PurlError:
            p.add(
                f"{where}.ecosystem",
                f"unknown ecosystem {raw_ecosystem!r}: Akrites reads the OSV ecosystems that "
                f"have a package URL type ({', '.join(e.value for e in Ecosystem)})",
            )
            return None
        if raw_purl is not None:
            return self.from_purl(raw_purl, ecosystem, f"{where}.purl")
        if name is None:
            p.add(f"{where}.name", "is required (or a purl)")
            return None
        try:
            return purl_for_osv_package(ecosystem, name).package, ecosystem
        except PurlError as error:
            p.add(f"{where}.name", f"gives no valid package URL: {purl_problem(error)}")
            return None

    def from_purl(self, raw: str, ecosystem: Ecosystem, where: str) -> tuple[str, Ecosystem] | None:
        try:
            purl = parse_purl(raw)
            own = ecosystem_for_purl(purl)
        except PurlError as error:
            self.problems.add(where, purl_problem(error))
            return None
        if own is not ecosystem:
            self.problems.add(
                where, f"is a {own.value} package, but ecosystem is {ecosystem.value}"
            )
            return None
        if purl.version is not None:
            self.skipped.append(Skipped(where, f"the version {purl.version!r} in the purl"))
        return purl.package, ecosystem

    def ranges(
        self, value: object, ecosystem: Ecosystem, where: str, ours: str, into: list[Any]
    ) -> None:
        p = self.problems
        for index, raw in enumerate(p.array(value, f"{where}.ranges")):
            source = f"{where}.ranges[{index}]"
            entry = p.obj(raw, source)
            if entry is None:
                continue
            kind_name = p.text(entry.get("type"), f"{source}.type", required=True)
            if kind_name not in {"ECOSYSTEM", "SEMVER", "GIT"}:
                if kind_name is not None:
                    p.add(f"{source}.type", f"must be ECOSYSTEM, SEMVER or GIT, not {kind_name!r}")
                continue
            events = self.events(entry.get("events"), f"{source}.events")
            target = f"{ours}.ranges[{len(into)}]"
            self.origins[target] = source
            order = sort_events(events, ecosystem, RangeKind(kind_name))
            for new_position, old_position in enumerate(order):
                self.origins[f"{target}.events[{new_position}]"] = (
                    f"{source}.events[{old_position}]"
                )
            converted: dict[str, Any] = {
                "type": kind_name,
                "events": [{events[i].kind.value: events[i].version} for i in order],
            }
            if entry.get("repo") is not None:
                converted["repo"] = entry["repo"]
            into.append(converted)

    def events(self, value: object, where: str) -> list[RangeEvent]:
        p = self.problems
        events: list[RangeEvent] = []
        for index, raw in enumerate(p.array(value, where, required=True)):
            entry = p.obj(raw, f"{where}[{index}]")
            if entry is None:
                continue
            kinds = [name for name in entry if name in set(EventKind)]
            if len(kinds) != 1 or len(entry) != 1:
                p.add(
                    f"{where}[{index}]",
                    "must have exactly one of introduced, fixed, last_affected or limit",
                )
                continue
            version = p.text(entry[kinds[0]], f"{where}[{index}].{kinds[0]}", required=True)
            if version is not None:
                events.append(RangeEvent(EventKind(kinds[0]), version))
        return events

    def versions(self, value: object, where: str, ours: str, into: list[str]) -> None:
        p = self.problems
        for index, raw in enumerate(p.array(value, f"{where}.versions")):
            version = p.text(raw, f"{where}.versions[{index}]", required=True)
            if version is not None and version not in into:
                self.origins[f"{ours}.versions[{len(into)}]"] = f"{where}.versions[{index}]"
                into.append(version)

    def severities(self, value: object) -> list[dict[str, str]]:
        p = self.problems
        found: list[dict[str, str]] = []
        for index, raw in enumerate(p.array(value, self.at("severity"))):
            source = self.at(f"severity[{index}]")
            entry = p.obj(raw, source)
            if entry is None:
                continue
            kind = p.text(entry.get("type"), f"{source}.type", required=True)
            score = p.text(entry.get("score"), f"{source}.score", required=True)
            if kind is None or score is None:
                continue
            if kind not in _SEVERITY_TYPES:
                self.skipped.append(Skipped(source, f"{kind} scores are not kept"))
                continue
            self.origins[f"severity[{len(found)}].vector"] = f"{source}.score"
            self.origins[f"severity[{len(found)}]"] = source
            found.append({"type": kind, "vector": score})
        return found

    def cwes(self, value: object) -> list[str]:
        p = self.problems
        specific = p.obj(value, self.at("database_specific"), required=False)
        if specific is None:
            return []
        where = self.at("database_specific.cwe_ids")
        self.origins["cwes"] = where
        cwes = p.array(specific.get("cwe_ids"), where)
        return [cwe for i, cwe in enumerate(cwes) if p.text(cwe, f"{where}[{i}]", required=True)]

    def references(self, value: object) -> list[dict[str, str]]:
        p = self.problems
        found: list[dict[str, str]] = []
        seen: set[str] = set()
        for index, raw in enumerate(p.array(value, self.at("references"))):
            source = self.at(f"references[{index}]")
            entry = p.obj(raw, source)
            url = (
                p.text(entry.get("url"), f"{source}.url", required=True)
                if entry is not None
                else None
            )
            if entry is None or url is None or url in seen:
                continue
            seen.add(url)
            self.origins[f"references[{len(found)}]"] = source
            kind = _REFERENCE_TYPES.get(str(entry.get("type", "")), "other")
            found.append({"url": url, "type": kind})
        return found

    def credits(self, value: object) -> str | None:
        p = self.problems
        names = []
        for index, raw in enumerate(p.array(value, self.at("credits"))):
            entry = p.obj(raw, self.at(f"credits[{index}]"))
            name = (
                p.text(entry.get("name"), self.at(f"credits[{index}].name"))
                if entry is not None
                else None
            )
            if name and name.strip():
                names.append(" ".join(name.split()))
        self.origins["credit_as"] = self.at("credits")
        return one_line(", ".join(names), TITLE_LIMIT) if names else None
