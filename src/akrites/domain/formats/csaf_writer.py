"""Advisory -> a CSAF 2.0 document: the ``csaf_security_advisory`` profile, or ``csaf_vex``.

Written to pass the OASIS schema and the BSI validator's basic and extended presets (mandatory
and optional tests): notes and references the profiles require, a remediation for every
affected product, scores only for affected products, a canonical ``self`` URL under the CSAF
provider layout, integer versioning with a gap-free revision history, and object keys in
alphabetical order. What CSAF 2.0 cannot hold is said in notes: CVSS 4.0 (its scores take CVSS
2 and 3 only), weaknesses beyond the one ``cwe`` it allows, and a withdrawal.

TLP: CSAF 2.0 knows TLP 1.0 labels only, so CLEAR is written WHITE, and AMBER+STRICT, which has
no TLP 1.0 equivalent, is written RED (the stricter neighbour) with the real label in the text.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Final

from cvss import CVSS3

from akrites.domain.advisory import (
    Advisory,
    AdvisoryError,
    Problem,
    SeverityType,
    revision_history,
)
from akrites.domain.formats.csaf_products import ProductTree, product_tree
from akrites.domain.formats.publication import PublicationContext, released, timestamp
from akrites.domain.tlp import Tlp

CSAF_VERSION: Final = "2.0"
LANG: Final = "en"
TLP_URL: Final = "https://www.first.org/tlp/"
VEX_SUFFIX: Final = "-VEX"
_TLP_LABELS: Final[Mapping[Tlp, str]] = {
    Tlp.CLEAR: "WHITE",
    Tlp.GREEN: "GREEN",
    Tlp.AMBER: "AMBER",
    Tlp.AMBER_STRICT: "RED",
    Tlp.RED: "RED",
}


class CsafProfile(StrEnum):
    SECURITY_ADVISORY = "csaf_security_advisory"
    VEX = "csaf_vex"


def csaf_tracking_id(advisory: Advisory, profile: CsafProfile) -> str:
    """The document's tracking id: our id, with a suffix for the VEX document."""
    return advisory.id + (VEX_SUFFIX if profile is CsafProfile.VEX else "")


def csaf_file_name(tracking_id: str) -> str:
    """The file name CSAF requires for a document (lower case, other characters as "_")."""
    name = "".join(c if c.isascii() and (c.isalnum() or c in "+-") else "_" for c in tracking_id)
    while "__" in name:
        name = name.replace("__", "_")
    return name.lower() + ".json"


def csaf_url(advisory: Advisory, context: PublicationContext, profile: CsafProfile) -> str:
    """Where the document lives under the provider's ``/.well-known/csaf/<tlp>/<year>/``."""
    folder = _TLP_LABELS[advisory.tlp].lower()
    year = released(advisory).year
    name = csaf_file_name(csaf_tracking_id(advisory, profile))
    return f"{context.base_url.rstrip('/')}/.well-known/csaf/{folder}/{year}/{name}"


def advisory_to_csaf(
    advisory: Advisory,
    context: PublicationContext,
    *,
    profile: CsafProfile = CsafProfile.SECURITY_ADVISORY,
) -> dict[str, Any]:
    """The CSAF 2.0 document of ``advisory`` in ``profile`` (a JSON-ready dict).

    Raises AdvisoryError if the advisory names no affected package: both profiles need a
    product tree."""
    if not advisory.affected:
        problem = Problem("affected", "required_for_csaf", "CSAF needs an affected package")
        raise AdvisoryError([problem])
    tree = product_tree(advisory)
    document: dict[str, Any] = {
        "document": _document(advisory, context, profile),
        "product_tree": {"branches": tree.branches},
    }
    document["vulnerabilities"] = [_vulnerability(advisory, tree)]
    result: dict[str, Any] = _sorted(document)
    return result


def _document(
    advisory: Advisory, context: PublicationContext, profile: CsafProfile
) -> dict[str, Any]:
    publisher: dict[str, Any] = {
        "category": "coordinator",
        "name": context.publisher,
        "namespace": context.namespace,
    }
    if context.contact:
        publisher["contact_details"] = context.contact
    distribution: dict[str, Any] = {"tlp": {"label": _TLP_LABELS[advisory.tlp], "url": TLP_URL}}
    if advisory.tlp is Tlp.AMBER_STRICT:
        distribution["text"] = (
            "TLP:AMBER+STRICT (TLP 2.0): share only within your own organisation. CSAF 2.0 "
            "has only TLP 1.0 labels, so the label above is the stricter RED."
        )
    notes = [{"category": "summary", "title": "Summary", "text": advisory.title or advisory.id}]
    if advisory.withdrawn is not None:
        reason = advisory.withdrawn_reason or "No reason was given."
        notes.append(
            {
                "category": "general",
                "title": "Withdrawn",
                "text": f"This advisory was withdrawn on {timestamp(advisory.withdrawn)}. {reason}",
            }
        )
    references = [
        {
            "category": "self",
            "summary": "Canonical URL of this document",
            "url": csaf_url(advisory, context, profile),
        },
        {
            "category": "external",
            "summary": f"{context.publisher} advisory {advisory.id}",
            "url": context.advisory_url(advisory),
        },
    ]
    document: dict[str, Any] = {
        "category": profile.value,
        "csaf_version": CSAF_VERSION,
        "distribution": distribution,
        "lang": LANG,
        "notes": notes,
        "publisher": publisher,
        "references": references,
        "title": advisory.title or advisory.id,
        "tracking": _tracking(advisory, context, profile),
    }
    if advisory.rating is not None:
        document["aggregate_severity"] = {"text": advisory.rating.value.capitalize()}
    return document


def _tracking(
    advisory: Advisory, context: PublicationContext, profile: CsafProfile
) -> dict[str, Any]:
    history = revision_history(advisory)
    if history:
        revisions = [
            {"date": timestamp(r.date), "number": str(n), "summary": r.summary}
            for n, r in enumerate(history, start=1)
        ]
        status = "final"
    else:
        draft = {"date": timestamp(advisory.modified), "number": "0", "summary": "Draft."}
        revisions, status = [draft], "draft"
    return {
        "current_release_date": timestamp(advisory.modified),
        "generator": {
            "date": timestamp(context.generated),
            "engine": {"name": context.engine, "version": context.engine_version},
        },
        "id": csaf_tracking_id(advisory, profile),
        "initial_release_date": timestamp(released(advisory)),
        "revision_history": revisions,
        "status": status,
        "version": revisions[-1]["number"],
    }


def _vulnerability(advisory: Advisory, tree: ProductTree) -> dict[str, Any]:
    vulnerability: dict[str, Any] = {
        "ids": [{"system_name": "Akrites advisory", "text": advisory.id}],
        "notes": _vulnerability_notes(advisory),
        "product_status": _product_status(tree),
    }
    if advisory.cve_id is not None:
        vulnerability["cve"] = advisory.cve_id
    if advisory.title:
        vulnerability["title"] = advisory.title
    named = [weakness for weakness in advisory.cwes if weakness.name]
    if named:
        vulnerability["cwe"] = {"id": named[0].id, "name": named[0].name}
    if advisory.published is not None:
        vulnerability["release_date"] = timestamp(advisory.published)
    remediations = _remediations(advisory, tree)
    if remediations:
        vulnerability["remediations"] = remediations
    if advisory.cvss_v3 is not None and tree.affected:
        cvss_v3: dict[str, Any] = CVSS3(advisory.cvss_v3).as_json(minimal=True)
        vulnerability["scores"] = [{"cvss_v3": cvss_v3, "products": tree.affected}]
    if advisory.credits:
        vulnerability["acknowledgments"] = [
            {"organization": credit.name, "summary": _credit_summary(credit.type.value)}
            if credit.organization
            else {"names": [credit.name], "summary": _credit_summary(credit.type.value)}
            for credit in advisory.credits
        ]
    if advisory.references:
        vulnerability["references"] = [
            {
                "category": "external",
                "summary": reference.title or f"{reference.type.value} reference",
                "url": reference.url,
            }
            for reference in advisory.references
        ]
    return vulnerability


def _vulnerability_notes(advisory: Advisory) -> list[dict[str, str]]:
    notes = [
        {
            "category": "description",
            "title": "Description",
            "text": advisory.description or advisory.title or advisory.id,
        }
    ]
    notes += [
        {
            "category": "other",
            "title": "CVSS v4.0",
            "text": f"{s.vector} (base score {s.base_score}, {s.rating.value})",
        }
        for s in advisory.severities
        if s.type is SeverityType.CVSS_V4
    ]
    if advisory.cwes:
        weaknesses = ", ".join(f"{w.id} ({w.name})" if w.name else w.id for w in advisory.cwes)
        notes.append({"category": "other", "title": "Weaknesses", "text": weaknesses})
    return notes


def _product_status(tree: ProductTree) -> dict[str, list[str]]:
    status = {"known_affected": tree.affected, "fixed": tree.fixed}
    return {key: ids for key, ids in status.items() if ids}


def _remediations(advisory: Advisory, tree: ProductTree) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for products in tree.packages:
        if not products.affected:
            continue
        package = products.package
        if package.fixed_versions:
            fixed = ", ".join(package.fixed_versions)
            remediation = {
                "category": "vendor_fix",
                "details": f"Upgrade {package.name} to a fixed version: {fixed}.",
            }
        elif package.no_fix:
            remediation = {"category": "none_available", "details": "No fix is available."}
        else:
            remediation = {"category": "none_available", "details": "No fix is known yet."}
        found.append(remediation | {"product_ids": products.affected})
    if tree.affected:
        found += [
            {"category": "workaround", "details": text, "product_ids": tree.affected}
            for text in advisory.workarounds
        ]
    return found


def _credit_summary(credit_type: str) -> str:
    return f"Credited as {credit_type.replace('_', ' ')}."


def _sorted(value: Any) -> Any:
    """``value`` with every object's keys in the order the BSI validator checks (test 6.2.13:
    a locale collation, where punctuation comes before digits and digits before letters, and
    letter case matters only on ties)."""
    if isinstance(value, dict):
        return {key: _sorted(value[key]) for key in sorted(value, key=_collation_key)}
    if isinstance(value, list):
        return [_sorted(item) for item in value]
    return value


def _collation_key(key: str) -> tuple[tuple[int, str], ...]:
    return tuple((2 if c.isalpha() else 1 if c.isdigit() else 0, c.casefold()) for c in key)
