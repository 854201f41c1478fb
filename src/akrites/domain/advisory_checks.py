"""The checks an advisory must pass before it can exist: identifiers of the right form,
packages that parse, CVSS vectors that compute, consented credits, ordered dates.

Each check returns the problems it found (with the full field path and a stable code) instead
of stopping at the first, so a coordinator fixes a draft in one round.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Final
from urllib.parse import urlsplit

from akrites.domain.advisory_parts import (
    AffectedPackage,
    Credit,
    Problem,
    Reference,
    Revision,
    Weakness,
)
from akrites.domain.advisory_versions import package_problems
from akrites.domain.intake.errors import FieldError
from akrites.domain.intake.model import Severity, SeverityType
from akrites.domain.intake.scoring import parse_severity
from akrites.domain.purl import PurlError, ecosystem_for_purl, parse_purl

ADVISORY_ID: Final = re.compile(r"AKR-(?P<year>[0-9]{4})-(?P<number>[0-9]{4,})\Z")
CVE_ID: Final = re.compile(r"CVE-(?P<year>[0-9]{4})-[0-9]{4,19}\Z")
CWE_ID: Final = re.compile(r"CWE-[1-9][0-9]{0,5}\Z")
FIRST_CVE_YEAR: Final = 1999
TITLE_LIMIT: Final = 256  # CVE JSON 5 allows no longer title
TEXT_LIMIT: Final = 16_384  # the longest text CVE JSON 5 carries (supporting media)
NAME_LIMIT: Final = 256
_CVSS_PREFIX: Final = {SeverityType.CVSS_V3: "CVSS:3.1/", SeverityType.CVSS_V4: "CVSS:4.0/"}


def id_problems(advisory_id: str, cve_id: str | None) -> list[Problem]:
    problems = []
    if not ADVISORY_ID.match(advisory_id):
        problems.append(
            Problem(
                "id",
                "invalid_advisory_id",
                f"{advisory_id!r} is not an Akrites advisory id: write AKR-YYYY-NNNN, "
                "such as AKR-2026-0042",
            )
        )
    if cve_id is not None:
        match = CVE_ID.match(cve_id)
        if match is None or int(match["year"]) < FIRST_CVE_YEAR:
            problems.append(
                Problem(
                    "cve_id",
                    "invalid_cve_id",
                    f"{cve_id!r} is not a CVE id: write CVE-YYYY-NNNN with a year from "
                    f"{FIRST_CVE_YEAR} and at least four digits after it, such as CVE-2026-12345",
                )
            )
    return problems


def text_problems(title: str, description: str, workarounds: Sequence[str]) -> list[Problem]:
    problems = []
    if "\n" in title or "\r" in title:
        problems.append(Problem("title", "invalid_title", "must be a single line"))
    if len(title) > TITLE_LIMIT:
        problems.append(
            Problem("title", "too_long", f"is {len(title)} characters; at most {TITLE_LIMIT}")
        )
    for field, text in [("description", description)] + [
        (f"workarounds[{index}]", text) for index, text in enumerate(workarounds)
    ]:
        if len(text) > TEXT_LIMIT:
            problems.append(
                Problem(field, "too_long", f"is {len(text):,} characters; at most {TEXT_LIMIT:,}")
            )
        if field != "description" and not text.strip():
            problems.append(Problem(field, "blank", "is blank; remove it or write the workaround"))
    for index, text in enumerate(workarounds):
        if text in workarounds[:index]:
            problems.append(Problem(f"workarounds[{index}]", "duplicate_workaround", "is a repeat"))
    return problems


def package_list_problems(packages: Sequence[AffectedPackage]) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for index, package in enumerate(packages):
        where = f"affected[{index}]"
        try:
            purl = parse_purl(package.purl)
            ecosystem = ecosystem_for_purl(purl)
        except PurlError as error:
            problems.append(Problem(f"{where}.purl", "invalid_purl", error.message))
            continue
        if purl.to_string() != purl.package:
            problems.append(
                Problem(
                    f"{where}.purl",
                    "invalid_purl",
                    f"must name the package alone ({purl.package}); give versions in ranges",
                )
            )
            continue
        if purl.package in seen:
            problems.append(
                Problem(
                    f"{where}.purl",
                    "duplicate_package",
                    f"{purl.package} is already listed at affected[{seen[purl.package]}]; "
                    "give all its ranges in one entry",
                )
            )
        seen.setdefault(purl.package, index)
        problems += package_problems(package, ecosystem, where)
    return problems


def weakness_problems(weaknesses: Sequence[Weakness]) -> list[Problem]:
    problems = []
    seen: set[str] = set()
    for index, weakness in enumerate(weaknesses):
        if weakness.id in seen:
            problems.append(Problem(f"cwes[{index}].id", "duplicate_cwe", "is listed twice"))
        seen.add(weakness.id)
        if not CWE_ID.match(weakness.id):
            problems.append(
                Problem(
                    f"cwes[{index}].id",
                    "invalid_cwe",
                    f"{weakness.id!r} is not a CWE id: write CWE-<number>, such as CWE-79",
                )
            )
        if weakness.name is not None and not weakness.name.strip():
            problems.append(Problem(f"cwes[{index}].name", "blank", "is blank; leave it out"))
    return problems


def severity_problems(field: str, type_: SeverityType, vector: str | None) -> list[Problem]:
    if vector is None:
        return []
    prefix = _CVSS_PREFIX[type_]
    if not vector.startswith(prefix):
        return [
            Problem(
                field, "invalid_cvss", f"must be a vector starting with {prefix} (got {vector!r})"
            )
        ]
    result = parse_severity(type_, vector, field)
    if isinstance(result, FieldError):
        return [Problem(field, "invalid_cvss", result.message)]
    return []


def severity_of(type_: SeverityType, vector: str) -> Severity:
    """The Severity of a vector the advisory has already checked."""
    result = parse_severity(type_, vector, "cvss")
    if isinstance(result, FieldError):  # pragma: no cover - checked when the advisory was made
        raise TypeError(result.message)
    return result


def credit_problems(entries: Sequence[Credit]) -> list[Problem]:
    problems = []
    seen: set[tuple[str, str]] = set()
    for index, credit in enumerate(entries):
        where = f"credits[{index}]"
        key = (credit.name.strip(), credit.type.value)
        if key in seen:
            problems.append(
                Problem(where, "duplicate_credit", f"credits {credit.name!r} twice in one role")
            )
        seen.add(key)
        if len(credit.name) > NAME_LIMIT:
            problems.append(
                Problem(f"{where}.name", "too_long", f"is longer than {NAME_LIMIT} characters")
            )
        if not credit.consent:
            problems.append(
                Problem(
                    f"{where}.consent",
                    "credit_without_consent",
                    f"{credit.name!r} has not agreed to be credited under this name; "
                    "ask them, or leave the credit out",
                )
            )
        if not credit.name.strip() or "\n" in credit.name:
            problems.append(Problem(f"{where}.name", "invalid_name", "must be one line of text"))
        for position, contact in enumerate(credit.contacts):
            if not _is_url(contact, {"http", "https", "mailto"}):
                problems.append(
                    Problem(
                        f"{where}.contacts[{position}]",
                        "invalid_url",
                        "must be an https:// or mailto: URL",
                    )
                )
    return problems


def reference_problems(references: Sequence[Reference]) -> list[Problem]:
    problems = []
    seen: set[str] = set()
    for index, reference in enumerate(references):
        if not _is_url(reference.url, {"http", "https"}):
            problems.append(
                Problem(f"references[{index}].url", "invalid_url", "must be an http(s) URL")
            )
        elif reference.url in seen:
            problems.append(
                Problem(f"references[{index}].url", "duplicate_reference", "is listed twice")
            )
        seen.add(reference.url)
    return problems


def date_problems(
    *,
    modified: dt.datetime,
    published: dt.datetime | None,
    withdrawn: dt.datetime | None,
    revisions: Sequence[Revision],
) -> list[Problem]:
    dates = [("modified", modified), ("published", published), ("withdrawn", withdrawn)]
    dates += [(f"revisions[{i}].date", r.date) for i, r in enumerate(revisions)]
    problems = [
        Problem(field, "invalid_date", "must carry a time zone (UTC is used in every format)")
        for field, value in dates
        if value is not None and value.utcoffset() is None
    ]
    if problems:
        return problems
    if published is not None and published > modified:
        problems.append(Problem("modified", "invalid_date", "is before the publication date"))
    if withdrawn is not None:
        if published is None:
            problems.append(Problem("withdrawn", "invalid_date", "an unpublished draft is deleted"))
        elif not published <= withdrawn <= modified:
            problems.append(
                Problem("withdrawn", "invalid_date", "must lie between published and modified")
            )
    if revisions and published is None:
        problems.append(Problem("revisions", "invalid_date", "a draft has no revision history"))
    elif revisions and published is not None:
        order = [r.date for r in revisions]
        if order != sorted(order) or order[0] != published or order[-1] > modified:
            problems.append(
                Problem(
                    "revisions",
                    "invalid_date",
                    "must be in date order, start at the publication date and end by modified",
                )
            )
    return problems


def utc_seconds(value: dt.datetime) -> dt.datetime:
    """``value`` in UTC, to the second: every format then says the same instant the same way."""
    return value.astimezone(dt.UTC).replace(microsecond=0)


def _is_url(text: str, schemes: set[str]) -> bool:
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    if parts.scheme not in schemes or any(char.isspace() for char in text):
        return False
    return (parts.scheme == "mailto" and bool(parts.path)) or bool(parts.hostname)
