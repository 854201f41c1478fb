"""Advisories for the writer tests: built fresh by each call, never shared mutable state."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from akrites.domain.advisory import (
    Advisory,
    AffectedPackage,
    AffectedRange,
    Credit,
    CreditType,
    GitRange,
    Reference,
    ReferenceType,
    Weakness,
    credits_to_publish,
)
from akrites.domain.formats.publication import PublicationContext

PUBLISHED = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
MODIFIED = dt.datetime(2026, 3, 9, 16, 0, tzinfo=dt.UTC)
GENERATED = dt.datetime(2026, 3, 10, 8, 0, tzinfo=dt.UTC)
CONTEXT = PublicationContext(
    namespace="https://sirt.example.org",
    base_url="https://sirt.example.org",
    generated=GENERATED,
    contact="security@sirt.example.org",
)
CVE_ORG_ID = "b3476cb9-2e3d-41a6-98d0-0f47421a65b6"
CVSS_V3 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
CVSS_V4 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
SQL_INJECTION = Weakness(
    id="CWE-89",
    name="Improper Neutralization of Special Elements used in an SQL Command ('SQL Injection')",
)
FIX_COMMIT = "a" * 40
INTRODUCED_COMMIT = "b" * 40
REPO = "https://github.com/django/django"


def minimal_advisory(**changes: Any) -> Advisory:
    """A published advisory with only what publication needs: one PyPI package, one vector."""
    fields: dict[str, Any] = {
        "id": "AKR-2026-0001",
        "modified": PUBLISHED,
        "published": PUBLISHED,
        "title": "Path traversal in static file serving",
        "description": "A crafted URL reads files outside the static root.",
        "affected": (
            AffectedPackage(
                purl="pkg:pypi/example-static",
                ranges=(AffectedRange(fixed="1.4.2"),),
            ),
        ),
        "cvss_v3": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N",
    }
    fields.update(changes)
    return Advisory(**fields)


def full_advisory(**changes: Any) -> Advisory:
    """A revised advisory with a CVE, three ecosystems, both CVSS versions, several credits."""
    chosen = credits_to_publish(
        [
            Credit(name="Frontier AI Lab", type=CreditType.FINDER, consent=True, organization=True),
            Credit(
                name="Ada Researcher",
                type=CreditType.REPORTER,
                consent=True,
                contacts=("https://ada.example",),
            ),
            Credit(name="Real Name Withheld", type=CreditType.FINDER, consent=False),
            Credit(name="Akrites SIRT", type=CreditType.COORDINATOR, consent=True),
            Credit(
                name="Django Security Team",
                type=CreditType.REMEDIATION_DEVELOPER,
                consent=True,
                organization=True,
            ),
        ]
    )
    fields: dict[str, Any] = {
        "id": "AKR-2026-0042",
        "cve_id": "CVE-2026-31337",
        "modified": MODIFIED,
        "published": PUBLISHED,
        "title": "SQL injection in QuerySet.values() on JSONField",
        "description": "An attacker who controls **JSON keys** can inject SQL.\n\nUpgrade.",
        "affected": (
            AffectedPackage(
                purl="pkg:pypi/django",
                ranges=(
                    AffectedRange(introduced="4.2", fixed="4.2.15"),
                    AffectedRange(introduced="5.0", fixed="5.0.8"),
                ),
                git_ranges=(GitRange(repo=REPO, introduced=INTRODUCED_COMMIT, fixed=FIX_COMMIT),),
                vendor="Django Software Foundation",
                product="Django",
            ),
            AffectedPackage(
                purl="pkg:npm/%40babel/traverse",
                ranges=(
                    AffectedRange(fixed="7.23.2"),
                    AffectedRange(introduced="8.0.0-alpha.0", fixed="8.0.0-alpha.4"),
                ),
            ),
            AffectedPackage(
                purl="pkg:maven/org.example/legacy-json",
                ranges=(AffectedRange(introduced="1.0", last_affected="1.9.3"),),
                versions=("2.0-beta1",),
                no_fix=True,
            ),
        ),
        "cwes": (SQL_INJECTION, Weakness(id="CWE-943")),
        "cvss_v3": CVSS_V3,
        "cvss_v4": CVSS_V4,
        "references": (
            Reference(url=f"{REPO}/commit/{FIX_COMMIT}", type=ReferenceType.FIX, title="Fix"),
            Reference(
                url="https://www.djangoproject.com/weblog/2026/mar/02/security/",
                type=ReferenceType.ADVISORY,
                title="Django security release",
            ),
            Reference(url="https://example.org/report/17", type=ReferenceType.REPORT),
            Reference(url="https://example.org/blog", type=ReferenceType.WEB),
        ),
        "workarounds": ("Do not pass user-controlled keys to `values()`.",),
        "credits": chosen,
    }
    fields.update(changes)
    return Advisory(**fields)


def withdrawn_advisory() -> Advisory:
    return full_advisory(
        withdrawn=MODIFIED,
        withdrawn_reason="The report was a duplicate of CVE-2026-30000.",
    )


def draft_advisory() -> Advisory:
    return Advisory(id="AKR-2026-0099", modified=PUBLISHED, title="Under review")


def samples() -> list[tuple[str, Advisory]]:
    return [
        ("minimal", minimal_advisory()),
        ("full", full_advisory()),
        ("withdrawn", withdrawn_advisory()),
    ]


# --- the BSI CSAF validator on Node ----------------------------------------------------------

NODE_DIR = Path(__file__).resolve().parents[2] / "node"


def bsi_validate(document: dict[str, Any] | list[dict[str, Any]]) -> Any:
    """The BSI validator's results for ``document`` (basic and extended presets), or a list
    of results for a list of documents (one Node process: loading the library takes seconds).

    Skips when the harness is not installed (``npm ci --prefix tests/node``), unless
    AKRITES_REQUIRE_NODE=1, when a missing harness fails the test.
    """
    node = shutil.which("node")
    if node is None or not (NODE_DIR / "node_modules" / "@secvisogram").is_dir():
        message = "the CSAF validator harness is not installed: npm ci --prefix tests/node"
        if os.environ.get("AKRITES_REQUIRE_NODE") == "1":
            pytest.fail(message)
        pytest.skip(message)
    completed = subprocess.run(
        [node, str(NODE_DIR / "validate.mjs")],
        input=json.dumps(document),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=NODE_DIR,
    )
    if completed.returncode not in {0, 1}:
        pytest.fail(f"validate.mjs failed: {completed.stderr}")
    return json.loads(completed.stdout)
