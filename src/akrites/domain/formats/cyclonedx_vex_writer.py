"""Advisory -> a CycloneDX 1.6 VEX document (a BOM whose subject is the vulnerability).

Each affected package is a component (its package URL is also its ``bom-ref``); the one
vulnerability lists, per component, the affected vers range and single versions as
``affected`` and the fixed versions as ``unaffected``. Ratings carry the computed CVSS scores.
The serial number is derived from the advisory page and its last change, so regenerating an
unchanged advisory gives the same document, and a revised one a new serial number.
"""

from __future__ import annotations

import uuid
from typing import Any, Final

from akrites.domain.advisory import (
    Advisory,
    AffectedPackage,
    ReferenceType,
    SeverityType,
    revision_history,
)
from akrites.domain.advisory_versions import package_vers
from akrites.domain.formats.publication import PublicationContext, timestamp

SPEC_VERSION: Final = "1.6"
_METHODS: Final = {SeverityType.CVSS_V3: "CVSSv31", SeverityType.CVSS_V4: "CVSSv4"}


def serial_number(advisory: Advisory, context: PublicationContext) -> str:
    name = f"{context.advisory_url(advisory)}#{timestamp(advisory.modified)}"
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"


def advisory_to_cyclonedx(advisory: Advisory, context: PublicationContext) -> dict[str, Any]:
    """The CycloneDX 1.6 VEX document of ``advisory`` (a JSON-ready dict)."""
    document: dict[str, Any] = {
        "bomFormat": "CycloneDX",
        "specVersion": SPEC_VERSION,
        "serialNumber": serial_number(advisory, context),
        "version": max(1, len(revision_history(advisory))),
        "metadata": {
            "timestamp": timestamp(context.generated),
            "tools": {
                "components": [
                    {
                        "type": "application",
                        "name": context.engine,
                        "version": context.engine_version,
                    }
                ]
            },
            "supplier": {"name": context.publisher, "url": [context.namespace]},
        },
    }
    if advisory.affected:
        document["components"] = [_component(package) for package in advisory.affected]
    document["vulnerabilities"] = [_vulnerability(advisory, context)]
    return document


def _component(package: AffectedPackage) -> dict[str, Any]:
    return {
        "type": "library",
        "bom-ref": package.purl,
        "name": package.product_name,
        "purl": package.purl,
    }


def _vulnerability(advisory: Advisory, context: PublicationContext) -> dict[str, Any]:
    page = context.advisory_url(advisory)
    source = {"name": context.publisher, "url": page}
    vulnerability: dict[str, Any] = {
        "bom-ref": advisory.id,
        "id": advisory.cve_id or advisory.id,
        "source": source,
    }
    if advisory.cve_id is not None:
        vulnerability["references"] = [{"id": advisory.id, "source": source}]
    if advisory.severities:
        vulnerability["ratings"] = [
            {
                "source": source,
                "score": severity.base_score,
                "severity": severity.rating.value,
                "method": _METHODS[severity.type],
                "vector": severity.vector,
            }
            for severity in advisory.severities
        ]
    if advisory.cwes:
        vulnerability["cwes"] = [
            int(weakness.id.removeprefix("CWE-")) for weakness in advisory.cwes
        ]
    if advisory.title:
        vulnerability["description"] = advisory.title
    if advisory.description:
        vulnerability["detail"] = advisory.description
    recommendation = _recommendation(advisory)
    if recommendation:
        vulnerability["recommendation"] = recommendation
    if advisory.workarounds:
        vulnerability["workaround"] = "\n\n".join(advisory.workarounds)
    vulnerability["advisories"] = [{"title": f"{context.publisher} {advisory.id}", "url": page}] + [
        {"title": reference.title or reference.url, "url": reference.url}
        for reference in advisory.references
        if reference.type is ReferenceType.ADVISORY and reference.url != page
    ]
    if advisory.published is not None:
        vulnerability["published"] = timestamp(advisory.published)
    vulnerability["updated"] = timestamp(advisory.modified)
    if advisory.withdrawn is not None:
        vulnerability["rejected"] = timestamp(advisory.withdrawn)
    credited = _credits(advisory)
    if credited:
        vulnerability["credits"] = credited
    vulnerability["analysis"] = _analysis(advisory)
    if advisory.affected:
        vulnerability["affects"] = [_affects(package) for package in advisory.affected]
    return vulnerability


def _recommendation(advisory: Advisory) -> str:
    lines = [
        f"Upgrade {package.name} to a fixed version: {', '.join(package.fixed_versions)}."
        for package in advisory.affected
        if package.fixed_versions
    ]
    return " ".join(lines)


def _credits(advisory: Advisory) -> dict[str, Any]:
    individuals = [{"name": c.name} for c in advisory.credits if not c.organization]
    organizations = [{"name": c.name} for c in advisory.credits if c.organization]
    found: dict[str, Any] = {}
    if organizations:
        found["organizations"] = organizations
    if individuals:
        found["individuals"] = individuals
    return found


def _analysis(advisory: Advisory) -> dict[str, Any]:
    if advisory.withdrawn is not None:
        reason = advisory.withdrawn_reason or "No reason was given."
        return {"state": "false_positive", "detail": f"The advisory was withdrawn. {reason}"}
    responses = []
    if any(package.fixed_versions for package in advisory.affected):
        responses.append("update")
    if advisory.workarounds:
        responses.append("workaround_available")
    analysis: dict[str, Any] = {"state": "exploitable" if advisory.affected else "in_triage"}
    if responses:
        analysis["response"] = responses
    return analysis


def _affects(package: AffectedPackage) -> dict[str, Any]:
    versions: list[dict[str, str]] = []
    vers = package_vers(package)
    if vers is not None:
        versions.append({"range": vers, "status": "affected"})
    versions += [{"version": v, "status": "unaffected"} for v in package.fixed_versions]
    entry: dict[str, Any] = {"ref": package.purl}
    if versions:
        entry["versions"] = versions
    return entry
