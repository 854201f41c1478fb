"""SARIF 2.1.0 logs (static analysis and AI scanners) -> ReportDrafts, one per result.

The log is not checked against the whole OASIS schema (slow on large logs, and most of it is
not used here); the parts read are checked with errors naming the SARIF path at fault.

Mapped per result: title from the rule's shortDescription (or name, or the message) plus the
file; description from the message, the rule's fullDescription and help; CWE ids from rule and
result tags and CWE taxa; ``security-severity`` as ``reported_score``; locations from
physicalLocation (uri, startLine, endLine) and logicalLocations (function), with commit and
repository from ``versionControlProvenance``; the first code flow as reproduction steps; the
rule's helpUri as a reference; provenance from the tool driver; reporter_ref from the result's
guid, or a hash of tool, rule, file and fingerprints (line and message when there are none);
the fingerprints kept in the ``x_sarif`` extension.

The package comes from the ``akrites/purl`` property of the result, else of the run, else
``default_purl`` (the CLI's ``--purl``); a version in that purl becomes the affected version.
``akrites/ai-assisted``, ``akrites/human-verified`` and ``akrites/model`` properties (result,
run or driver) fill the provenance.

Skipped with a reason: results whose kind is not "fail", suppressed results, results absent
from the baseline, and results of level "note" or "none" without a security-severity.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any, Final

from akrites.domain.formats import sarif_parts as parts
from akrites.domain.formats.common import (
    Problems,
    ReadResult,
    Skipped,
    one_line,
    validate_document,
)
from akrites.domain.intake.errors import ROOT, IntakeError
from akrites.domain.intake.model import SCHEMA_VERSION, ReportDraft
from akrites.domain.intake.validate import MAX_TEXT_BYTES, purl_problem
from akrites.domain.purl import PurlError, parse_purl

SARIF_VERSION: Final = "2.1.0"
MAX_SARIF_RESULTS: Final = 10_000
MAX_LOCATIONS: Final = 100
TITLE_LIMIT: Final = 300
_COMMIT: Final = re.compile(r"[0-9a-fA-F]{7,64}\Z")
_WEB_URL: Final = re.compile(r"https?://\S+\Z")
_QUIET_LEVELS: Final = frozenset({"note", "none"})


def reports_from_sarif(
    doc: object, *, default_purl: str | None, today: dt.date | None = None
) -> list[ReportDraft]:
    """One draft per reportable result of a SARIF 2.1.0 log; IntakeError if any is bad."""
    return list(read_sarif(doc, default_purl=default_purl, today=today).reports)


def read_sarif(
    doc: object, *, default_purl: str | None, today: dt.date | None = None
) -> ReadResult:
    """Like ``reports_from_sarif``, also listing the results skipped and why. All or nothing."""
    problems = Problems()
    log = problems.obj(doc, ROOT)
    if log is None:
        problems.raise_if_any()
        return ReadResult(())
    version = log.get("version")
    if version != SARIF_VERSION:
        problems.add("version", f'must be "{SARIF_VERSION}" (SARIF 2.1.0), not {version!r}')
    runs = problems.array(log.get("runs"), "runs", required=True)
    problems.raise_if_any()
    total = sum(len(run["results"]) for run in runs if _has_results(run))
    if total > MAX_SARIF_RESULTS:
        raise IntakeError.single(
            "runs", f"has {total:,} results; the limit is {MAX_SARIF_RESULTS:,} per file"
        )
    reports: list[ReportDraft] = []
    skipped: list[Skipped] = []
    for index, run in enumerate(runs):
        reader = _RunReader(problems, f"runs[{index}]", default_purl, today)
        reader.read(run, reports, skipped)
    problems.raise_if_any()
    return ReadResult(tuple(reports), tuple(skipped))


def _has_results(run: object) -> bool:
    return isinstance(run, Mapping) and isinstance(run.get("results"), list)


class _RunReader:
    def __init__(
        self, problems: Problems, path: str, default_purl: str | None, today: dt.date | None
    ) -> None:
        self.problems = problems
        self.path = path
        self.default_purl = default_purl
        self.today = today

    def read(self, raw: object, reports: list[ReportDraft], skipped: list[Skipped]) -> None:
        p = self.problems
        run = p.obj(raw, self.path)
        tool = p.obj(run.get("tool"), f"{self.path}.tool") if run is not None else None
        driver = p.obj(tool.get("driver"), f"{self.path}.tool.driver") if tool is not None else None
        if run is None or tool is None or driver is None:
            return
        name = p.text(driver.get("name"), f"{self.path}.tool.driver.name", required=True)
        if name is None:
            return
        self.run, self.driver, self.tool_name = run, driver, name
        self.rules = parts.RuleIndex(tool, self.path, p)
        self.artifacts = parts.as_list(run.get("artifacts"))
        self.taxonomies = parts.as_list(run.get("taxonomies"))
        self.provenance_sources = parts.as_list(run.get("versionControlProvenance"))
        for index, result in enumerate(p.array(run.get("results"), f"{self.path}.results")):
            where = f"{self.path}.results[{index}]"
            data = p.obj(result, where)
            if data is None:
                continue
            problems = Problems()
            try:
                outcome = self.result(data, where, problems)
            except IntakeError as error:
                p.extend(error)
                continue
            p.errors.extend(problems.errors)
            if isinstance(outcome, Skipped):
                skipped.append(outcome)
            elif outcome is not None:
                reports.append(outcome)

    def result(
        self, result: Mapping[str, Any], where: str, problems: Problems
    ) -> ReportDraft | Skipped | None:
        rule = self.rules.for_result(result, where, problems)
        score = parts.security_severity(result, rule, where, problems)
        reason = self.skip_reason(result, rule, score)
        if reason is not None:
            return Skipped(where, reason)
        message = parts.message_text(result, rule, where, problems, self.artifacts)
        purl_source, purl_text = self.purl_for(result, where)
        if purl_text is None:
            problems.add(
                where,
                "names no package: pass a default purl (akrites submit --purl), or set the "
                "property akrites/purl on the run or on this result",
            )
        if problems.errors or message is None or purl_text is None:
            return None
        origins = {"affected[0].purl": purl_source, "affected[0].versions": purl_source}
        document = self.document(
            result=result,
            rule=rule,
            message=message,
            score=score,
            purl_text=purl_text,
            where=where,
            origins=origins,
            problems=problems,
        )
        if document is None or problems.errors:
            return None
        return validate_document(
            document, problems=problems, origins=origins, base=where, today=self.today
        )

    def skip_reason(
        self, result: Mapping[str, Any], rule: parts.Rule | None, score: float | None
    ) -> str | None:
        kind = result.get("kind", "fail")
        if kind != "fail":
            return f"kind {kind!r} is not a finding"
        suppressions = parts.as_list(result.get("suppressions"))
        if any(
            isinstance(s, Mapping) and s.get("status", "accepted") == "accepted"
            for s in suppressions
        ):
            return "suppressed"
        if result.get("baselineState") == "absent":
            return "absent from this scan (baselineState 'absent')"
        level = parts.level_of(result, rule)
        if level in _QUIET_LEVELS and score is None:
            return f"level {level!r} without a security-severity is not treated as a vulnerability"
        return None

    def purl_for(self, result: Mapping[str, Any], where: str) -> tuple[str, str | None]:
        """(where the purl came from, the purl text) for one result."""
        for bag, path in (
            (result.get("properties"), f"{where}.properties"),
            (self.run.get("properties"), f"{self.path}.properties"),
        ):
            value = parts.property_of("purl", bag)
            if value is not None:
                return f"{path}.{parts.PROPERTY_PREFIX}purl", str(value)
        return "default_purl", self.default_purl

    def document(
        self,
        *,
        result: Mapping[str, Any],
        rule: parts.Rule | None,
        message: str,
        score: float | None,
        purl_text: str,
        where: str,
        origins: dict[str, str],
        problems: Problems,
    ) -> dict[str, Any] | None:
        try:
            purl = parse_purl(purl_text)
        except PurlError as error:
            problems.add(origins["affected[0].purl"], purl_problem(error))
            return None
        package: dict[str, Any] = {"purl": purl.package}
        if purl.version is not None:
            package["versions"] = [purl.version]
        locations = self.locations(result, where, problems)
        rule_id = parts.rule_id_of(result, rule)
        first = locations[0] if locations else {}
        guid = result.get("guid")
        reference = (
            guid
            if isinstance(guid, str) and guid.strip()
            else parts.stable_ref(
                self.tool_name, rule_id, result, first.get("file"), first.get("line_start")
            )
        )
        origins["reporter_ref"] = f"{where}.guid"
        origins["locations"] = f"{where}.locations"
        origins["title"] = f"{where}.message"
        origins["description"] = f"{where}.message"
        document: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "reporter_ref": reference,
            "title": self.title(rule, rule_id, message, first.get("file")),
            "description": self.description(rule, rule_id, message),
            "affected": [package],
            "cwes": parts.cwes_of(result, rule, self.taxonomies)[:20],
            "reported_score": score,
            "reproduction": parts.flow_steps(result, self.artifacts),
            "locations": locations,
            "references": self.references(rule),
            "provenance": self.provenance(result),
            "x_sarif": self.extension(result, rule_id),
        }
        return {key: value for key, value in document.items() if value not in (None, [], {})}

    @staticmethod
    def title(rule: parts.Rule | None, rule_id: str | None, message: str, file: str | None) -> str:
        """The rule's short description, unless it only repeats the rule id (as Semgrep's
        "Semgrep Finding: <id>" does); then the message's first sentence."""
        short = rule.text("shortDescription") if rule else None
        if short and rule_id and rule_id in short:
            short = None
        headline = short or message.splitlines()[0].split(". ", 1)[0].rstrip(".")
        if not file:
            return one_line(headline, TITLE_LIMIT)
        suffix = one_line(f"in {file}", 150)
        return f"{one_line(headline, TITLE_LIMIT - len(suffix) - 1)} {suffix}"

    def description(self, rule: parts.Rule | None, rule_id: str | None, message: str) -> str:
        version = self.driver.get("semanticVersion") or self.driver.get("version")
        tool = f"{self.tool_name} {version}" if isinstance(version, str) else self.tool_name
        sections = [message, f"Reported by {tool}" + (f", rule `{rule_id}`." if rule_id else ".")]
        if rule is not None:
            sections += [rule.text("fullDescription") or "", rule.text("help") or ""]
        text = "\n\n".join(dict.fromkeys(section for section in sections if section))
        encoded = text.encode("utf-8")
        if len(encoded) <= MAX_TEXT_BYTES:
            return text
        marker = "\n\n(truncated)"
        cut = encoded[: MAX_TEXT_BYTES - len(marker)].decode("utf-8", errors="ignore")
        return cut + marker

    def locations(
        self, result: Mapping[str, Any], where: str, problems: Problems
    ) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for index, raw in enumerate(parts.as_list(result.get("locations"))[:MAX_LOCATIONS]):
            source = f"{where}.locations[{index}]"
            physical = raw.get("physicalLocation") if isinstance(raw, Mapping) else None
            place = (
                parts.artifact_uri(physical, self.artifacts)
                if isinstance(physical, Mapping)
                else None
            )
            if place is None or not isinstance(physical, Mapping):
                continue
            entry: dict[str, Any] = {"file": place[0]}
            region = physical.get("region")
            if isinstance(region, Mapping):
                for name, ours in (("startLine", "line_start"), ("endLine", "line_end")):
                    line = region.get(name)
                    if line is None:
                        continue
                    if isinstance(line, bool) or not isinstance(line, int) or line < 1:
                        problems.add(
                            f"{source}.physicalLocation.region.{name}",
                            "must be a line number (1 or more)",
                        )
                    else:
                        entry[ours] = line
            function = self.function(raw)
            if function:
                entry["function"] = function
            entry.update(self.revision(place[1]))
            found.append(entry)
        return found

    @staticmethod
    def function(location: Mapping[str, Any]) -> str | None:
        candidates = [
            c for c in parts.as_list(location.get("logicalLocations")) if isinstance(c, Mapping)
        ]
        candidates.sort(key=lambda c: c.get("kind") not in {"function", "method", "member"})
        for candidate in candidates:
            name = candidate.get("fullyQualifiedName") or candidate.get("name")
            if isinstance(name, str) and name.strip():
                return one_line(name, 500)
        return None

    def revision(self, uri_base: str) -> dict[str, str]:
        """Commit and repository of the versionControlProvenance entry that maps ``uri_base``
        (or of the only entry); kept only when they are a git commit id and a web URL."""
        entries = [e for e in self.provenance_sources if isinstance(e, Mapping)]
        mapped = [
            e
            for e in entries
            if isinstance(e.get("mappedTo"), Mapping) and e["mappedTo"].get("uriBaseId") == uri_base
        ]
        chosen = mapped[0] if mapped else (entries[0] if len(entries) == 1 else None)
        if chosen is None:
            return {}
        found = {}
        commit, repository = chosen.get("revisionId"), chosen.get("repositoryUri")
        if isinstance(commit, str) and _COMMIT.match(commit):
            found["commit"] = commit.lower()
        if isinstance(repository, str) and _WEB_URL.match(repository):
            found["repository_url"] = repository
        return found

    @staticmethod
    def references(rule: parts.Rule | None) -> list[dict[str, str]]:
        url = rule.data.get("helpUri") if rule else None
        if isinstance(url, str) and _WEB_URL.match(url):
            return [{"url": url, "type": "article"}]
        return []

    def provenance(self, result: Mapping[str, Any]) -> dict[str, Any]:
        bags = (result.get("properties"), self.run.get("properties"), self.driver.get("properties"))
        version = self.driver.get("semanticVersion") or self.driver.get("version")
        found: dict[str, Any] = {"tool": one_line(self.tool_name, 200)}
        if isinstance(version, str) and version.strip():
            found["tool_version"] = one_line(version, 100)
        model = parts.property_of("model", *bags)
        if isinstance(model, str) and model.strip():
            found["model"] = one_line(model, 200)
        for name, ours in (("ai-assisted", "ai_assisted"), ("human-verified", "human_verified")):
            flag = parts.property_of(name, *bags)
            if isinstance(flag, bool):
                found[ours] = flag
        automation = self.run.get("automationDetails")
        if isinstance(automation, Mapping) and isinstance(automation.get("id"), str):
            found["notes"] = one_line(f"SARIF run {automation['id']}", 5000)
        return found

    def extension(self, result: Mapping[str, Any], rule_id: str | None) -> dict[str, Any]:
        kept = {"tool": self.tool_name, "rule_id": rule_id}
        for name, ours in (
            ("partialFingerprints", "partial_fingerprints"),
            ("fingerprints", "fingerprints"),
            ("guid", "guid"),
            ("correlationGuid", "correlation_guid"),
        ):
            if result.get(name):
                kept[ours] = result[name]
        return {key: value for key, value in kept.items() if value is not None}
