"""Fresh, valid report documents for the intake tests; each call builds a new one."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

TODAY = dt.date(2026, 11, 25)
DATA = Path(__file__).resolve().parents[2] / "data" / "intake"
SCHEMAS = Path(__file__).resolve().parents[3] / "src" / "akrites" / "schemas"

_FULL_REPORT: dict[str, Any] = {
    "schema_version": "1.0",
    "reporter_ref": "ACME-SEC-2026-017",
    "title": "SQL injection in the product search endpoint",
    "description": (
        "The `q` parameter of `/search` is concatenated into a raw SQL query.\n\n"
        "An unauthenticated attacker can read every table."
    ),
    "affected": [
        {
            "purl": "pkg:pypi/acme-shop",
            "ranges": [
                {"type": "vers", "vers": "vers:pypi/>=1.0|<1.4.2"},
                {
                    "type": "ECOSYSTEM",
                    "events": [{"introduced": "2.0"}, {"fixed": "2.0.3"}],
                },
            ],
            "versions": ["1.4.1"],
        },
        {
            "purl": "pkg:npm/%40acme/shop-client",
            "ranges": [
                {
                    "type": "SEMVER",
                    "events": [{"introduced": "0"}, {"last_affected": "3.1.0"}],
                }
            ],
        },
        {
            "purl": "pkg:github/acme/shop-action",
            "ranges": [
                {
                    "type": "GIT",
                    "repo": "https://github.com/acme/shop-action",
                    "events": [
                        {"introduced": "0"},
                        {"fixed": "9fceb02d0ae598e95dc970b74767f19372d61af8"},
                    ],
                }
            ],
        },
    ],
    "aliases": ["CVE-2026-10001"],
    "cwes": ["CWE-89"],
    "severity": [
        {"type": "CVSS_V3", "vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"},
        {
            "type": "CVSS_V4",
            "vector": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N",
        },
    ],
    "poc": "curl 'https://shop.example/search?q=%27%20UNION%20SELECT%20password%20FROM%20users--'",
    "reproduction": "1. Start the shop.\n2. Run the request in the proof of concept.",
    "locations": [
        {
            "file": "acme_shop/search.py",
            "function": "acme_shop.search.run_query",
            "line_start": 41,
            "line_end": 44,
            "commit": "9fceb02d0ae598e95dc970b74767f19372d61af8",
            "repository_url": "https://github.com/acme/shop",
        }
    ],
    "references": [
        {"url": "https://github.com/acme/shop/issues/812", "type": "issue"},
        {"url": "https://github.com/acme/shop/pull/813", "type": "pr"},
    ],
    "provenance": {
        "tool": "acme-agent",
        "tool_version": "0.9.1",
        "model": "example-model-2026-05",
        "ai_assisted": True,
        "human_verified": True,
        "notes": "Found by the agent, reproduced by hand.",
    },
    "intended_disclosure": "2027-02-01",
    "credit_as": "Ana Researcher (Acme Security Lab)",
    "x_acme": {"ticket": 17, "labels": ["web", "sql"]},
}


def full_report(**overrides: Any) -> dict[str, Any]:
    """A report using every field; ``overrides`` replace top-level fields (None removes)."""
    report = copy.deepcopy(_FULL_REPORT)
    for name, value in overrides.items():
        if value is None:
            report.pop(name, None)
        else:
            report[name] = value
    return report


def minimal_report(**overrides: Any) -> dict[str, Any]:
    report: dict[str, Any] = {
        "schema_version": "1.0",
        "title": "Path traversal in static file handler",
        "description": "`../` in the path escapes the static root.",
        "affected": [{"purl": "pkg:pypi/acme-static"}],
    }
    report.update(overrides)
    return report


def with_package(package: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    return minimal_report(affected=[package], **overrides)


def load(relative: str) -> Any:
    return json.loads((DATA / relative).read_text(encoding="utf-8"))
