"""The parts of an advisory: affected packages and their ranges, credits, references,
weaknesses and revisions, with the closed vocabularies they use.

These are plain values; ``Advisory`` (in ``advisory.py``) validates all of them together, so
that every problem is reported with its full field path (``affected[1].ranges[0].fixed``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Final

from akrites.domain.errors import InvalidInput
from akrites.domain.purl import Ecosystem, ecosystem_for_purl, parse_purl

ALL_VERSIONS: Final = "0"  # OSV's "introduced: 0": since the first version


class CreditType(StrEnum):
    """Roles in a credit: the vocabulary shared by OSV, CVE JSON 5 and CSAF 2.1."""

    FINDER = "finder"
    REPORTER = "reporter"
    ANALYST = "analyst"
    COORDINATOR = "coordinator"
    REMEDIATION_DEVELOPER = "remediation_developer"
    REMEDIATION_REVIEWER = "remediation_reviewer"
    REMEDIATION_VERIFIER = "remediation_verifier"
    TOOL = "tool"
    SPONSOR = "sponsor"
    OTHER = "other"


class ReferenceType(StrEnum):
    """What a reference points to: OSV's reference types, in lower case."""

    ADVISORY = "advisory"
    ARTICLE = "article"
    DETECTION = "detection"
    DISCUSSION = "discussion"
    REPORT = "report"
    FIX = "fix"
    INTRODUCED = "introduced"
    GIT = "git"
    PACKAGE = "package"
    EVIDENCE = "evidence"
    WEB = "web"


@dataclass(frozen=True, slots=True, kw_only=True)
class AffectedRange:
    """Versions from ``introduced`` (inclusive; "0" for every version before the fix) up to
    ``fixed`` (exclusive), or up to ``last_affected`` (inclusive) when no fix exists; with
    neither, every version from ``introduced`` on is affected. Versions are in the package
    ecosystem's own syntax."""

    introduced: str = ALL_VERSIONS
    fixed: str | None = None
    last_affected: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class GitRange:
    """Affected commits of a repository: from ``introduced`` ("0" for the root) to ``fixed``.

    Commit ids are full (40 or 64 hexadecimal digits), as OSV requires."""

    repo: str
    introduced: str = ALL_VERSIONS
    fixed: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AffectedPackage:
    """One affected package. ``purl`` names the package without version (``pkg:pypi/django``);
    ``versions`` lists single affected versions besides the ranges; ``no_fix`` says, on purpose,
    that no fixed version exists; ``vendor`` and ``product`` name it in product trees (CSAF,
    CVE), defaulting to the purl's namespace and name."""

    purl: str
    ranges: tuple[AffectedRange, ...] = ()
    versions: tuple[str, ...] = ()
    git_ranges: tuple[GitRange, ...] = ()
    no_fix: bool = False
    vendor: str | None = None
    product: str | None = None

    @property
    def ecosystem(self) -> Ecosystem:
        """The OSV ecosystem of the package (the advisory checked that it has one)."""
        return ecosystem_for_purl(parse_purl(self.purl))

    @property
    def purl_type(self) -> str:
        return parse_purl(self.purl).type

    @property
    def name(self) -> str:
        """The package name as OSV spells it in this ecosystem (``@babel/core``,
        ``org.apache.logging.log4j:log4j-core``, ``django``)."""
        return osv_package_name(self.purl)

    @property
    def product_name(self) -> str:
        return self.product or self.name

    @property
    def vendor_name(self) -> str:
        if self.vendor:
            return self.vendor
        purl = parse_purl(self.purl)
        return purl.namespace or purl.name

    @property
    def fixed_versions(self) -> tuple[str, ...]:
        return tuple(r.fixed for r in self.ranges if r.fixed is not None)

    def purl_at(self, version: str) -> str:
        """The package URL of one version of this package."""
        return replace(parse_purl(self.purl), version=version).to_string()


@dataclass(frozen=True, slots=True, kw_only=True)
class Credit:
    """Credit to a person, organisation or tool, under the name they chose.

    ``consent`` records that they agreed to be credited under ``name``; an advisory refuses a
    credit without it (declined credits are left out before, see ``credits_to_publish``).
    ``contacts`` are URLs (``mailto:`` included) they agreed to publish."""

    name: str
    type: CreditType = CreditType.FINDER
    consent: bool = False
    contacts: tuple[str, ...] = ()
    organization: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Reference:
    url: str
    type: ReferenceType = ReferenceType.WEB
    title: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Weakness:
    """A CWE: ``id`` is ``CWE-<n>``; ``name`` is its title in the CWE catalogue, which CSAF
    requires verbatim (a weakness without one is left out of CSAF documents)."""

    id: str
    name: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Revision:
    """One published revision of an advisory, numbered by its place in the history."""

    date: dt.datetime
    summary: str


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason an advisory is refused: the field, a stable code and what to do."""

    field: str
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class AdvisoryError(InvalidInput):
    """An advisory was refused; ``problems`` lists every reason (at least one). The first is
    also the error's own field, code and message, for callers that show only one."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems) or (
            Problem("$", "invalid_advisory", "was refused for an unstated reason"),
        )
        first = self.problems[0]
        super().__init__(first.message, field=first.field, code=first.code)

    def __str__(self) -> str:
        return "\n".join(str(problem) for problem in self.problems)


# purl types whose OSV package name is "<namespace>/<name>"; the distribution types' namespace
# is the vendor, which OSV spells as the ecosystem instead.
_SLASH_JOINED: Final = frozenset({"npm", "golang", "composer", "github", "swift"})


def osv_package_name(purl_text: str) -> str:
    """The package name OSV uses for the package ``purl_text`` names."""
    purl = parse_purl(purl_text)
    if purl.namespace is None:
        return purl.name
    if purl.type == "maven":
        return f"{purl.namespace}:{purl.name}"
    if purl.type == "vscode-extension":
        return f"{purl.namespace}.{purl.name}"
    if purl.type in _SLASH_JOINED:
        return f"{purl.namespace}/{purl.name}"
    return purl.name
