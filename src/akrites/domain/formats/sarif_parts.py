"""The pieces of a SARIF 2.1.0 result that a report is built from: its rule, its message, its
weakness classes, its score, its data-flow trace and a stable identity.

Each function reads only what it needs and records unusable input in ``Problems`` under the
SARIF path at fault; ``sarif_reader`` puts the pieces together.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import unquote, urlsplit

from akrites.domain.formats.common import Problems, one_line

PROPERTY_PREFIX: Final = "akrites/"
SECURITY_SEVERITY: Final = "security-severity"
_CWE_TAG: Final = re.compile(
    r"(?:external/cwe/)?cwe[-_:/ ]?0*([1-9][0-9]{0,5})(?![0-9])", re.IGNORECASE
)
_PLACEHOLDER: Final = re.compile(r"\{(\d+)\}")
_EMBEDDED_LINK: Final = re.compile(r"\[([^\]]+)\]\((\d+)\)")  # SARIF links to relatedLocations
MAX_FLOW_STEPS: Final = 50


@dataclass(frozen=True, slots=True)
class Rule:
    """A reportingDescriptor and where it is in the log (for error messages)."""

    data: Mapping[str, Any]
    path: str

    @property
    def id(self) -> str | None:
        value = self.data.get("id")
        return value if isinstance(value, str) else None

    def text(self, name: str) -> str | None:
        """``shortDescription``/``fullDescription``/``help``: markdown if given, else text."""
        value = self.data.get(name)
        if not isinstance(value, Mapping):
            return None
        for kind in ("markdown", "text"):
            text = value.get(kind)
            if isinstance(text, str) and text.strip():
                return text.strip()
        return None

    @property
    def properties(self) -> Mapping[str, Any]:
        value = self.data.get("properties")
        return value if isinstance(value, Mapping) else {}


class RuleIndex:
    """The rules of one run: the driver's, and those of its extensions (CodeQL query packs)."""

    def __init__(self, tool: Mapping[str, Any], run_path: str, problems: Problems) -> None:
        self.components: list[list[Rule]] = []
        driver = as_mapping(tool.get("driver"))
        self.components.append(self._rules(driver, f"{run_path}.tool.driver", problems))
        extensions = problems.array(tool.get("extensions"), f"{run_path}.tool.extensions")
        for index, extension in enumerate(extensions):
            where = f"{run_path}.tool.extensions[{index}]"
            if isinstance(extension, Mapping):
                self.components.append(self._rules(extension, where, problems))
        self.by_id = {
            rule.id: rule for rules in reversed(self.components) for rule in rules if rule.id
        }

    @staticmethod
    def _rules(component: Mapping[str, Any], where: str, problems: Problems) -> list[Rule]:
        raw = problems.array(component.get("rules"), f"{where}.rules")
        return [
            Rule(rule, f"{where}.rules[{index}]")
            for index, rule in enumerate(raw)
            if problems.obj(rule, f"{where}.rules[{index}]") is not None
        ]

    def for_result(self, result: Mapping[str, Any], where: str, problems: Problems) -> Rule | None:
        """The result's rule: by ``rule.index`` (in its tool component), ``ruleIndex``, or id."""
        reference = as_mapping(result.get("rule"))
        component = 0
        component_ref = reference.get("toolComponent")
        if isinstance(component_ref, Mapping) and isinstance(component_ref.get("index"), int):
            # toolComponent indexes tool.extensions; the driver is not in that array.
            component = component_ref["index"] + 1
        index = reference.get("index", result.get("ruleIndex"))
        if isinstance(index, int) and not isinstance(index, bool) and index >= 0:
            rules = self.components[component] if component < len(self.components) else []
            if index < len(rules):
                return rules[index]
            problems.add(
                f"{where}.ruleIndex" if "ruleIndex" in result else f"{where}.rule.index",
                f"{index} is past the end of the tool's rules ({len(rules)} rules)",
            )
            return None
        rule_id = result.get("ruleId", reference.get("id"))
        return self.by_id.get(rule_id) if isinstance(rule_id, str) else None


def rule_id_of(result: Mapping[str, Any], rule: Rule | None) -> str | None:
    rule_id = result.get("ruleId")
    if isinstance(rule_id, str):
        return rule_id
    return rule.id if rule else None


def message_text(
    result: Mapping[str, Any],
    rule: Rule | None,
    where: str,
    problems: Problems,
    artifacts: Sequence[Any] = (),
) -> str | None:
    """The result's message (markdown if given): placeholders {0} filled from ``arguments``,
    and embedded links to related locations ("[user input](1)") spelled out as file:line."""
    message = problems.obj(result.get("message"), f"{where}.message")
    if message is None:
        return None
    text = message.get("markdown") or message.get("text")
    if not isinstance(text, str) and isinstance(message.get("id"), str) and rule is not None:
        strings = rule.data.get("messageStrings")
        template = strings.get(message["id"]) if isinstance(strings, Mapping) else None
        if isinstance(template, Mapping):
            text = template.get("markdown") or template.get("text")
    if not isinstance(text, str) or not text.strip():
        problems.add(f"{where}.message", "needs a text (or an id from its rule's messageStrings)")
        return None
    arguments = message.get("arguments")
    if isinstance(arguments, list):
        text = _PLACEHOLDER.sub(
            lambda m: str(arguments[int(m[1])]) if int(m[1]) < len(arguments) else m[0], text
        )
    return _spell_out_links(text, result, artifacts).strip()


def _spell_out_links(text: str, result: Mapping[str, Any], artifacts: Sequence[Any]) -> str:
    places: dict[int, str] = {}
    for related in as_list(result.get("relatedLocations")):
        related_map = as_mapping(related)
        physical = as_mapping(related_map.get("physicalLocation"))
        place = artifact_uri(physical, artifacts)
        line = as_mapping(physical.get("region")).get("startLine")
        if isinstance(related_map.get("id"), int) and place is not None:
            places[related_map["id"]] = f"{place[0]}:{line}" if isinstance(line, int) else place[0]

    def spell(match: re.Match[str]) -> str:
        place = places.get(int(match[2]))
        return f"{match[1]} (`{place}`)" if place else match[1]

    return _EMBEDDED_LINK.sub(spell, text)


def cwes_of(result: Mapping[str, Any], rule: Rule | None, taxonomies: Sequence[Any]) -> list[str]:
    """CWE ids from rule and result tags ("external/cwe/cwe-079", "CWE-89: ...") and from
    relationships/taxa pointing into a taxonomy named CWE."""
    found: list[str] = []
    tag_sources = [rule.properties.get("tags") if rule else None]
    properties = result.get("properties")
    if isinstance(properties, Mapping):
        tag_sources.append(properties.get("tags"))
    for tags in tag_sources:
        for tag in tags if isinstance(tags, list) else []:
            match = _CWE_TAG.match(tag) if isinstance(tag, str) else None
            if match:
                found.append(f"CWE-{match[1]}")
    references: list[Any] = []
    if rule is not None:
        references.extend(
            as_mapping(relationship).get("target")
            for relationship in as_list(rule.data.get("relationships"))
        )
    references.extend(as_list(result.get("taxa")))
    for reference in references:
        cwe = _taxon_cwe(reference, taxonomies)
        if cwe:
            found.append(cwe)
    return list(dict.fromkeys(found))


def _taxon_cwe(reference: object, taxonomies: Sequence[Any]) -> str | None:
    if not isinstance(reference, Mapping) or not isinstance(reference.get("id"), str):
        return None
    component = reference.get("toolComponent")
    name = None
    if isinstance(component, Mapping):
        name = component.get("name")
        index = component.get("index")
        if name is None and isinstance(index, int) and 0 <= index < len(taxonomies):
            taxonomy = taxonomies[index]
            name = taxonomy.get("name") if isinstance(taxonomy, Mapping) else None
    if not isinstance(name, str) or name.upper() != "CWE":
        return None
    digits = re.fullmatch(r"(?:CWE-)?0*([1-9][0-9]{0,5})", reference["id"], re.IGNORECASE)
    return f"CWE-{digits[1]}" if digits else None


def security_severity(
    result: Mapping[str, Any], rule: Rule | None, where: str, problems: Problems
) -> float | None:
    """The ``security-severity`` property (result first, then rule): a 0-10 score as text."""
    candidates = [(result.get("properties"), f"{where}.properties")]
    if rule is not None:
        candidates.append((rule.properties, f"{rule.path}.properties"))
    for properties, path in candidates:
        if not isinstance(properties, Mapping) or SECURITY_SEVERITY not in properties:
            continue
        raw = properties[SECURITY_SEVERITY]
        try:
            score = float(raw) if isinstance(raw, str | int | float) else None
        except ValueError:
            score = None
        if score is None or isinstance(raw, bool) or not 0.0 <= score <= 10.0:
            problems.add(
                f"{path}.{SECURITY_SEVERITY}",
                f"{str(raw)[:40]!r} is not a score between 0.0 and 10.0",
            )
            return None
        return score
    return None


def level_of(result: Mapping[str, Any], rule: Rule | None) -> str:
    level = result.get("level")
    if isinstance(level, str):
        return level
    configuration = rule.data.get("defaultConfiguration") if rule else None
    if isinstance(configuration, Mapping) and isinstance(configuration.get("level"), str):
        return str(configuration["level"])
    return "warning"  # the SARIF default


def artifact_uri(location: Mapping[str, Any], artifacts: Sequence[Any]) -> tuple[str, str] | None:
    """(file path, uriBaseId) of a physicalLocation's artifact, by uri or artifact index."""
    artifact = location.get("artifactLocation")
    if not isinstance(artifact, Mapping):
        return None
    uri, base = artifact.get("uri"), artifact.get("uriBaseId")
    index = artifact.get("index")
    if not isinstance(uri, str) and isinstance(index, int) and 0 <= index < len(artifacts):
        listed = artifacts[index]
        listed_location = listed.get("location") if isinstance(listed, Mapping) else None
        if isinstance(listed_location, Mapping):
            uri, base = listed_location.get("uri"), base or listed_location.get("uriBaseId")
    if not isinstance(uri, str) or not uri.strip():
        return None
    parts = urlsplit(uri)
    path = parts.path if parts.scheme == "file" else uri
    return unquote(path), base if isinstance(base, str) else ""


def flow_steps(result: Mapping[str, Any], artifacts: Sequence[Any]) -> str | None:
    """The first thread flow of the first code flow, as numbered Markdown steps."""
    flows = as_list(result.get("codeFlows"))
    first = as_mapping(flows[0] if flows else None)
    threads = as_list(first.get("threadFlows"))
    thread = as_mapping(threads[0] if threads else None)
    lines: list[str] = []
    for step in as_list(thread.get("locations"))[:MAX_FLOW_STEPS]:
        location = step.get("location") if isinstance(step, Mapping) else None
        if not isinstance(location, Mapping):
            continue
        physical = location.get("physicalLocation")
        place = artifact_uri(physical, artifacts) if isinstance(physical, Mapping) else None
        region = physical.get("region") if isinstance(physical, Mapping) else None
        line = region.get("startLine") if isinstance(region, Mapping) else None
        where = f"{place[0]}:{line}" if place and isinstance(line, int) else (place or ("?",))[0]
        message = location.get("message")
        text = message.get("text") if isinstance(message, Mapping) else None
        note = f" — {one_line(text, 200)}" if isinstance(text, str) and text.strip() else ""
        lines.append(f"{len(lines) + 1}. `{where}`{note}")
    if not lines:
        return None
    return "Data flow reported by the scanner, from source to sink:\n\n" + "\n".join(lines)


def stable_ref(
    tool: str, rule_id: str | None, result: Mapping[str, Any], file: str | None, line: int | None
) -> str:
    """A reporter_ref for a result without a guid: the same finding in a later scan of the same
    code gets the same ref. Fingerprints are preferred to line numbers, which move."""
    fingerprints = {
        name: result.get(name)
        for name in ("fingerprints", "partialFingerprints")
        if isinstance(result.get(name), Mapping) and result.get(name)
    }
    identity: dict[str, Any] = {"tool": tool, "rule": rule_id, "file": file}
    if fingerprints:
        identity["fingerprints"] = fingerprints
    else:
        message = result.get("message")
        identity["line"] = line
        identity["message"] = message.get("text") if isinstance(message, Mapping) else None
    text = json.dumps(identity, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sarif-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:40]


def property_of(name: str, *bags: object) -> object:
    """The first ``akrites/<name>`` property found in ``bags`` (most specific first)."""
    for bag in bags:
        if isinstance(bag, Mapping) and PROPERTY_PREFIX + name in bag:
            return bag[PROPERTY_PREFIX + name]
    return None


def as_list(value: object) -> list[Any]:
    """``value`` if it is a JSON array, else an empty list (for optional SARIF arrays)."""
    return value if isinstance(value, list) else []


def as_mapping(value: object) -> Mapping[str, Any]:
    """``value`` if it is a JSON object, else an empty one (for optional SARIF objects)."""
    return value if isinstance(value, Mapping) else {}
