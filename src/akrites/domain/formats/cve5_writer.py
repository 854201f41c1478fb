"""Advisory -> CVE JSON 5.1 (CVE Record Format 5.1.1): the CNA container that CVE Services takes
(``cna_container``; ``rejected_container`` for a withdrawn advisory) and the whole record
(``cve_record``), as the CVE List shows it.

Packages are named both ways the format allows: ``collectionURL`` + ``packageName`` for the
registries the CVE schema lists, and ``vendor`` + ``product`` always. Each range becomes a
``version``/``lessThan`` entry with the package ecosystem's ``versionType``; other versions are
``unaffected`` by default. Text longer than the 4,096 characters CVE allows is cut in ``value``
and kept whole, as Markdown, in ``supportingMedia``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from cvss import CVSS3

from akrites.domain.advisory import (
    Advisory,
    AdvisoryError,
    AffectedPackage,
    Problem,
    ReferenceType,
    Severity,
    SeverityType,
)
from akrites.domain.formats.publication import PublicationContext, timestamp
from akrites.domain.purl import Ecosystem

DATA_VERSION: Final = "5.1"
LANG: Final = "en"
VALUE_LIMIT: Final = 4096
_OPEN_END: Final = "*"  # CVE: lessThan "*" means every later version
# Registries by the URLs the CVE schema gives as collectionURL examples.
COLLECTION_URLS: Final[Mapping[Ecosystem, str]] = {
    Ecosystem.PYPI: "https://pypi.python.org",
    Ecosystem.NPM: "https://registry.npmjs.org",
    Ecosystem.MAVEN: "https://repo.maven.apache.org/maven2",
    Ecosystem.CRATES_IO: "https://crates.io",
    Ecosystem.RUBYGEMS: "https://rubygems.org",
    Ecosystem.NUGET: "https://nuget.org/packages",
    Ecosystem.PACKAGIST: "https://packagist.org",
    Ecosystem.HEX: "https://repo.hex.pm",
    Ecosystem.PUB: "https://pub.dev",
    Ecosystem.GO: "https://golang.org/pkg",
    Ecosystem.HACKAGE: "https://hackage.haskell.org",
    Ecosystem.CRAN: "https://cran.r-project.org",
    Ecosystem.OPAM: "https://opam.ocaml.org/packages",
    Ecosystem.CONAN_CENTER: "https://conan.io/center",
    Ecosystem.JULIA: "https://juliahub.com",
    Ecosystem.VSCODE: "https://marketplace.visualstudio.com",
    Ecosystem.GITHUB_ACTIONS: "https://github.com",
    Ecosystem.DEBIAN: "https://packages.debian.org",
}
_VERSION_TYPES: Final[Mapping[Ecosystem, str]] = {
    Ecosystem.PYPI: "python",
    Ecosystem.NPM: "semver",
    Ecosystem.CRATES_IO: "semver",
    Ecosystem.GO: "semver",
    Ecosystem.HEX: "semver",
    Ecosystem.PUB: "semver",
    Ecosystem.MAVEN: "maven",
    Ecosystem.RED_HAT: "rpm",
    Ecosystem.ALMALINUX: "rpm",
    Ecosystem.ROCKY_LINUX: "rpm",
    Ecosystem.SUSE: "rpm",
    Ecosystem.OPENSUSE: "rpm",
}
_REFERENCE_TAGS: Final[Mapping[ReferenceType, str]] = {
    ReferenceType.FIX: "patch",
    ReferenceType.ADVISORY: "third-party-advisory",
    ReferenceType.REPORT: "issue-tracking",
    ReferenceType.ARTICLE: "technical-description",
    ReferenceType.PACKAGE: "product",
}


def cve_record(
    advisory: Advisory, context: PublicationContext, *, org_id: str, short_name: str | None = None
) -> dict[str, Any]:
    """The whole CVE record: PUBLISHED, or REJECTED for a withdrawn advisory."""
    if advisory.cve_id is None:
        raise AdvisoryError([Problem("cve_id", "cve_id_required", "a CVE record needs a CVE id")])
    metadata: dict[str, Any] = {"cveId": advisory.cve_id, "assignerOrgId": org_id}
    if short_name is not None:
        metadata["assignerShortName"] = short_name
    if advisory.withdrawn is not None:
        metadata |= {"state": "REJECTED", "dateRejected": timestamp(advisory.withdrawn)}
        cna = rejected_container(advisory, context, org_id=org_id, short_name=short_name)
    else:
        metadata["state"] = "PUBLISHED"
        if advisory.published is not None:
            metadata["datePublished"] = timestamp(advisory.published)
        metadata["dateUpdated"] = timestamp(advisory.modified)
        cna = cna_container(advisory, context, org_id=org_id, short_name=short_name)
    return {
        "dataType": "CVE_RECORD",
        "dataVersion": DATA_VERSION,
        "cveMetadata": metadata,
        "containers": {"cna": cna},
    }


def cna_container(
    advisory: Advisory, context: PublicationContext, *, org_id: str, short_name: str | None = None
) -> dict[str, Any]:
    """The CNA container of a published CVE record (what CVE Services takes as cnaContainer)."""
    _require(advisory)
    container: dict[str, Any] = {"providerMetadata": _provider(org_id, short_name)}
    if advisory.published is not None:
        container["datePublic"] = timestamp(advisory.published)
    if advisory.title:
        container["title"] = advisory.title
    container["descriptions"] = [_text(advisory.description)]
    container["affected"] = [entry for package in advisory.affected for entry in _products(package)]
    if advisory.cwes:
        container["problemTypes"] = [
            {
                "descriptions": [
                    {
                        "lang": LANG,
                        "type": "CWE",
                        "cweId": weakness.id,
                        "description": weakness.name or weakness.id,
                    }
                ]
            }
            for weakness in advisory.cwes
        ]
    container["references"] = _references(advisory, context)
    if advisory.severities:
        container["metrics"] = [_metric(severity) for severity in advisory.severities]
    if advisory.workarounds:
        container["workarounds"] = [_text(text) for text in advisory.workarounds]
    solutions = [_solution(package) for package in advisory.affected if package.fixed_versions]
    if solutions:
        container["solutions"] = [_text(text) for text in solutions]
    if advisory.credits:
        container["credits"] = [
            {"lang": LANG, "value": credit.name, "type": credit.type.value.replace("_", " ")}
            for credit in advisory.credits
        ]
    container["x_generator"] = {"engine": f"{context.engine} {context.engine_version}"}
    return container


def rejected_container(
    advisory: Advisory, context: PublicationContext, *, org_id: str, short_name: str | None = None
) -> dict[str, Any]:
    """The CNA container of a rejected CVE record, saying why the advisory was withdrawn."""
    reason = advisory.withdrawn_reason or (
        f"This CVE ID was withdrawn by its CNA; see {context.advisory_url(advisory)}."
    )
    return {
        "providerMetadata": _provider(org_id, short_name),
        "rejectedReasons": [_text(reason)],
    }


def _require(advisory: Advisory) -> None:
    problems = []
    if not advisory.description:
        problems.append(Problem("description", "required_for_cve", "CVE requires a description"))
    if not advisory.affected:
        problems.append(Problem("affected", "required_for_cve", "CVE requires an affected package"))
    if problems:
        raise AdvisoryError(problems)


def _provider(org_id: str, short_name: str | None) -> dict[str, str]:
    provider = {"orgId": org_id}
    if short_name is not None:
        provider["shortName"] = short_name
    return provider


def _text(markdown: str) -> dict[str, Any]:
    value = markdown if len(markdown) <= VALUE_LIMIT else markdown[: VALUE_LIMIT - 1] + "…"
    return {
        "lang": LANG,
        "value": value,
        "supportingMedia": [{"type": "text/markdown", "base64": False, "value": markdown}],
    }


def _products(package: AffectedPackage) -> list[dict[str, Any]]:
    base: dict[str, Any] = {"vendor": package.vendor_name, "product": package.product_name}
    collection = COLLECTION_URLS.get(package.ecosystem)
    if collection is not None:
        base |= {"collectionURL": collection, "packageName": package.name}
    version_type = _VERSION_TYPES.get(package.ecosystem, package.purl_type)
    versions: list[dict[str, str]] = []
    for affected in package.ranges:
        entry = {"version": affected.introduced, "status": "affected"}
        entry["versionType"] = version_type
        if affected.last_affected is not None:
            entry["lessThanOrEqual"] = affected.last_affected
        else:
            entry["lessThan"] = affected.fixed or _OPEN_END
        versions.append(entry)
    versions += [{"version": version, "status": "affected"} for version in package.versions]
    main = base | {"defaultStatus": "unaffected" if versions else "unknown"}
    if versions:
        main["versions"] = versions
    products = [main]
    for repo in dict.fromkeys(git_range.repo for git_range in package.git_ranges):
        commits = [
            {
                "version": git_range.introduced,
                "status": "affected",
                "versionType": "git",
                "lessThan": git_range.fixed or _OPEN_END,
            }
            for git_range in package.git_ranges
            if git_range.repo == repo
        ]
        products.append(base | {"repo": repo, "defaultStatus": "unaffected", "versions": commits})
    return products


def _solution(package: AffectedPackage) -> str:
    fixed = ", ".join(package.fixed_versions)
    return f"Upgrade {package.name} ({package.ecosystem.value}) to a fixed version: {fixed}."


def _references(advisory: Advisory, context: PublicationContext) -> list[dict[str, Any]]:
    page = context.advisory_url(advisory)
    found: list[dict[str, Any]] = [
        {"url": page, "name": f"Akrites advisory {advisory.id}", "tags": ["vendor-advisory"]}
    ]
    for reference in advisory.references:
        if reference.url == page:
            continue
        entry: dict[str, Any] = {"url": reference.url}
        if reference.title:
            entry["name"] = reference.title[:512]
        tag = _REFERENCE_TAGS.get(reference.type)
        if tag is not None:
            entry["tags"] = [tag]
        found.append(entry)
    return found


def _metric(severity: Severity) -> dict[str, Any]:
    general = [{"lang": LANG, "value": "GENERAL"}]
    if severity.type is SeverityType.CVSS_V3:
        cvss: dict[str, Any] = CVSS3(severity.vector).as_json(minimal=True)
        return {"format": "CVSS", "scenarios": general, "cvssV3_1": cvss}
    return {
        "format": "CVSS",
        "scenarios": general,
        "cvssV4_0": {
            "version": "4.0",
            "vectorString": severity.vector,
            "baseScore": severity.base_score,
            "baseSeverity": severity.rating.value.upper(),
        },
    }
