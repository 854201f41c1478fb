"""Advisory -> an OpenVEX 0.2.0 document (https://github.com/openvex/spec).

OpenVEX statements name products by package URL and cannot hold version ranges, so each
package gets an ``affected`` statement for the package (its affected vers range in the status
notes, single affected versions as versioned purls) and a ``fixed`` statement for its fixed
versions. A withdrawn advisory says ``not_affected``, with the withdrawal as impact statement;
a draft without packages says ``under_investigation``.
"""

from __future__ import annotations

from typing import Any, Final

from akrites.domain.advisory import Advisory, AffectedPackage, revision_history
from akrites.domain.advisory_versions import package_vers
from akrites.domain.formats.publication import PublicationContext, released, timestamp

CONTEXT: Final = "https://openvex.dev/ns/v0.2.0"


def openvex_id(advisory: Advisory, context: PublicationContext) -> str:
    return f"{context.namespace.rstrip('/')}/openvex/{advisory.id}"


def advisory_to_openvex(advisory: Advisory, context: PublicationContext) -> dict[str, Any]:
    """The OpenVEX document of ``advisory`` (a JSON-ready dict)."""
    return {
        "@context": CONTEXT,
        "@id": openvex_id(advisory, context),
        "author": context.publisher,
        "role": "coordinator",
        "timestamp": timestamp(released(advisory)),
        "last_updated": timestamp(advisory.modified),
        "version": max(1, len(revision_history(advisory))),
        "tooling": f"{context.engine} {context.engine_version}",
        "statements": _statements(advisory, context),
    }


def _vulnerability(advisory: Advisory, context: PublicationContext) -> dict[str, Any]:
    vulnerability: dict[str, Any] = {
        "@id": context.advisory_url(advisory),
        "name": advisory.cve_id or advisory.id,
    }
    if advisory.title:
        vulnerability["description"] = advisory.title
    if advisory.cve_id is not None:
        vulnerability["aliases"] = [advisory.id]
    return vulnerability


def _statements(advisory: Advisory, context: PublicationContext) -> list[dict[str, Any]]:
    base = {
        "vulnerability": _vulnerability(advisory, context),
        "timestamp": timestamp(advisory.modified),
    }
    if not advisory.affected:
        return [base | {"status": "under_investigation"}]
    statements = []
    for package in advisory.affected:
        affected = _products([package.purl_at(v) for v in package.versions] or [package.purl])
        if advisory.withdrawn is not None:
            reason = advisory.withdrawn_reason or "no reason was given"
            statements.append(
                base
                | {
                    "products": affected,
                    "status": "not_affected",
                    "impact_statement": f"The advisory was withdrawn: {reason}",
                }
            )
            continue
        statement = base | {"products": affected, "status": "affected"}
        vers = package_vers(package)
        if vers is not None:
            statement["status_notes"] = f"Affected versions: {vers}"
        statement["action_statement"] = _action(advisory, package)
        statements.append(statement)
        if package.fixed_versions:
            fixed = _products([package.purl_at(v) for v in package.fixed_versions])
            statements.append(base | {"products": fixed, "status": "fixed"})
    return statements


def _products(purls: list[str]) -> list[dict[str, Any]]:
    return [{"@id": purl, "identifiers": {"purl": purl}} for purl in dict.fromkeys(purls)]


def _action(advisory: Advisory, package: AffectedPackage) -> str:
    if package.fixed_versions:
        action = f"Upgrade to a fixed version: {', '.join(package.fixed_versions)}."
    elif package.no_fix:
        action = "No fix is available."
    else:
        action = "No fix is known yet."
    if advisory.workarounds:
        action += " Workarounds: " + " ".join(advisory.workarounds)
    return action
