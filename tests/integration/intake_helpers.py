"""Building report documents and submitting them, for the intake tests."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from akrites.accounts.models import User
from akrites.accounts.services import token_create
from akrites.domain.policy import SYSTEM


def report_doc(
    *,
    title: str = "SQL injection in QuerySet.order_by via crafted column aliases",
    description: str = (
        "QuerySet.order_by() passes user-controlled column aliases into raw SQL without "
        "quoting, which allows SQL injection when an application forwards request parameters "
        "to order_by(). Fixed by validating aliases against the model's fields."
    ),
    purl: str = "pkg:pypi/django",
    vers: str = "vers:pypi/>=4.2|<4.2.17",
    fix: str = "https://github.com/django/django/commit/4f5d8e3b2a1c9d7e6f5a4b3c2d1e0f9a8b7c6d5e",
    cwes: tuple[str, ...] = ("CWE-89",),
    reporter_ref: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "schema_version": "1.0",
        "title": title,
        "description": description,
        "affected": [{"purl": purl, "ranges": [{"type": "vers", "vers": vers}]}],
        "cwes": list(cwes),
        "references": [{"url": fix, "type": "fix"}],
        "severity": [{"type": "CVSS_V3", "vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
    }
    if reporter_ref:
        doc["reporter_ref"] = reporter_ref
    doc.update(extra)
    return doc


def bearer(user: User, scopes: list[str] | None = None) -> dict[str, str]:
    """A token for ``user``; by default one that may submit and read reports."""
    if scopes is None:
        scopes = ["intake:report:submit", "intake:report:read"]
    created = token_create(actor=SYSTEM, user=user, name="test", scopes=scopes)
    return {"HTTP_AUTHORIZATION": f"Bearer {created.secret}"}


def submit(
    client: Client,
    headers: dict[str, str],
    doc: Any,
    *,
    key: str | None = None,
    path: str = "/api/v1/reports",
) -> Any:
    extra = dict(headers)
    if key:
        extra["HTTP_IDEMPOTENCY_KEY"] = key
    return client.post(path, json.dumps(doc), content_type="application/json", **extra)
